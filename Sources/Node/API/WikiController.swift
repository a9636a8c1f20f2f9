import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Group wikis over the API.
struct WikiController {
    let wiki: WikiService

    struct CreateBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case title, body, parentId, access }
        let title: String
        let body: String
        let parentId: Int64?
        let access: ContentItem.Access?

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            title = try container.decode(String.self, forKey: .title)
            body = try container.decode(String.self, forKey: .body)
            parentId = try container.decodeIfPresent(Int64.self, forKey: .parentId)
            access = try decodeEnum(ContentItem.Access.self, container, .access)
        }
    }

    struct EditBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case title, body, baseRevision }
        let title: String?
        let body: String
        /// The revision the edit started from.
        let baseRevision: Int

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            title = try container.decodeIfPresent(String.self, forKey: .title)
            body = try container.decode(String.self, forKey: .body)
            baseRevision = try container.decode(Int.self, forKey: .baseRevision)
        }
    }

    func addRoutes(to group: RouterGroup<NodeRequestContext>) {
        group.get("groups/:slug/wiki", use: list)
        group.post("groups/:slug/wiki", use: create)
        group.get("wiki/:id", use: show)
        group.put("wiki/:id", use: edit)
        group.get("wiki/:id/revisions", use: revisions)
        group.get("wiki/:id/revisions/:number", use: revision)
        group.get("wiki/:id/diff", use: diff)
    }

    private func id(_ context: NodeRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw Problem.notFound("no such wiki page") }
        return id
    }

    @Sendable func list(request: Request, context: NodeRequestContext) async throws -> JSONResponse<[WikiPageView]> {
        JSONResponse(try await wiki.pages(in: try context.parameters.requireSlug(), viewer: context.account))
    }

    @Sendable func create(request: Request, context: NodeRequestContext) async throws -> JSONResponse<WikiPageView> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(CreateBody.self, context: context)
        let page = try await wiki.create(in: try context.parameters.requireSlug(), by: account, title: body.title, body: body.body,
                                         parentId: body.parentId, access: body.access)
        return JSONResponse(page, status: .created, headers: [.location: "/api/v1/wiki/\(page.id)"])
    }

    @Sendable func show(request: Request, context: NodeRequestContext) async throws -> JSONResponse<WikiPageView> {
        JSONResponse(try await wiki.show(try id(context), viewer: context.account))
    }

    @Sendable func edit(request: Request, context: NodeRequestContext) async throws -> JSONResponse<WikiPageView> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(EditBody.self, context: context)
        return JSONResponse(try await wiki.edit(try id(context), by: account, title: body.title, body: body.body, baseRevision: body.baseRevision))
    }

    @Sendable func revisions(request: Request, context: NodeRequestContext) async throws -> JSONResponse<[WikiRevisionView]> {
        JSONResponse(try await wiki.revisions(try id(context), viewer: context.account))
    }

    @Sendable func revision(request: Request, context: NodeRequestContext) async throws -> JSONResponse<WikiRevision> {
        guard let number = context.parameters.get("number", as: Int.self) else { throw Problem.notFound("no such revision") }
        return JSONResponse(try await wiki.revision(try id(context), number: number, viewer: context.account))
    }

    /// `?from=<revision>&to=<revision>`.
    @Sendable func diff(request: Request, context: NodeRequestContext) async throws -> JSONResponse<WikiService.Diff> {
        guard let from = request.uri.queryParameters.get("from", as: Int.self), let to = request.uri.queryParameters.get("to", as: Int.self) else {
            throw Problem.badRequest("from and to must be revision numbers")
        }
        return JSONResponse(try await wiki.diff(try id(context), from: from, to: to, viewer: context.account))
    }
}
