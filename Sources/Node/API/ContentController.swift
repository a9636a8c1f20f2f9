import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Status updates, blog posts, discussions and comments over the API.
struct ContentController {
    let content: ContentService
    let groups: GroupService
    let follows: FollowService
    let database: NodeDatabase

    struct DraftBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case type, title, body, access, group, parentId }
        let draft: ContentService.Draft

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            draft = .init(
                type: try decodeEnum(ContentItem.Kind.self, container, .type),
                title: try container.decodeIfPresent(String.self, forKey: .title),
                body: try container.decodeIfPresent(String.self, forKey: .body),
                access: try decodeEnum(ContentItem.Access.self, container, .access),
                group: try container.decodeIfPresent(String.self, forKey: .group),
                parentId: try container.decodeIfPresent(Int64.self, forKey: .parentId))
        }
    }

    struct ChangeBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case title, body, access }
        let title: String?
        let body: String?
        let access: ContentItem.Access?

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            title = try container.decodeIfPresent(String.self, forKey: .title)
            body = try container.decodeIfPresent(String.self, forKey: .body)
            access = try decodeEnum(ContentItem.Access.self, container, .access)
        }
    }

    func addRoutes(to group: RouterGroup<NodeRequestContext>) {
        group.post("content", use: create)
        group.get("content/:id", use: show)
        group.patch("content/:id", use: update)
        group.delete("content/:id", use: delete)
        group.put("content/:id/like", use: like)
        group.delete("content/:id/like", use: unlike)
        group.get("groups/:slug/content", use: groupContent)
        group.get("users/:username/content", use: personContent)
        group.get("me/dashboard", use: dashboard)
    }

    private func id(_ context: NodeRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw Problem.notFound("no such item") }
        return id
    }

    /// `?type=status|blog|discussion|file|folder` (repeatable) and `?before=<id>` for the next page; newest first.
    static func query(_ request: Request) throws -> ContentQuery {
        var query = ContentQuery()
        let parameters = request.uri.queryParameters
        let types = try parameters.getAll("type").map { raw -> ContentItem.Kind in
            guard let kind = ContentItem.Kind(rawValue: String(raw)), kind != .comment else {
                throw Problem.badRequest("type must be status, blog, discussion, file or folder")
            }
            return kind
        }
        if !types.isEmpty { query.types = types }
        if let raw = parameters.get("before") {
            guard let before = Int64(raw) else { throw Problem.badRequest("before must be an item id") }
            query.before = before
        }
        if let raw = parameters.get("limit") {
            guard let limit = Int(raw), (1...100).contains(limit) else { throw Problem.badRequest("the query parameter limit must be from 1 to 100") }
            query.limit = limit
        }
        return query
    }

    @Sendable func create(request: Request, context: NodeRequestContext) async throws -> JSONResponse<ContentView> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(DraftBody.self, context: context)
        let view = try await content.create(by: account, body.draft)
        return JSONResponse(view, status: .created, headers: [.location: "/api/v1/content/\(view.id)"])
    }

    @Sendable func show(request: Request, context: NodeRequestContext) async throws -> JSONResponse<ContentThread> {
        JSONResponse(try await content.thread(try id(context), viewer: context.account))
    }

    @Sendable func update(request: Request, context: NodeRequestContext) async throws -> JSONResponse<ContentView> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(ChangeBody.self, context: context)
        return JSONResponse(try await content.update(try id(context), by: account, title: body.title, body: body.body, access: body.access))
    }

    @Sendable func delete(request: Request, context: NodeRequestContext) async throws -> Response {
        try await content.delete(try id(context), by: try context.requireAccount())
        return Response(status: .noContent)
    }

    @Sendable func like(request: Request, context: NodeRequestContext) async throws -> JSONResponse<ContentView> {
        JSONResponse(try await content.like(try id(context), by: try context.requireAccount(), true))
    }

    @Sendable func unlike(request: Request, context: NodeRequestContext) async throws -> JSONResponse<ContentView> {
        JSONResponse(try await content.like(try id(context), by: try context.requireAccount(), false))
    }

    @Sendable func groupContent(request: Request, context: NodeRequestContext) async throws -> JSONResponse<[ContentView]> {
        let (_, record) = try await groups.showWithRecord(try context.parameters.requireSlug(), viewer: context.account)
        var query = try Self.query(request)
        query.groupId = record.id
        return JSONResponse(try await content.list(query, viewer: context.account))
    }

    struct DashboardPage: Encodable, Sendable {
        let items: [ContentView]
        /// Pass as `before` for the next (older) page; absent on the last page.
        let next: String?
    }

    @Sendable func dashboard(request: Request, context: NodeRequestContext) async throws -> JSONResponse<DashboardPage> {
        let account = try context.requireAccount()
        let query = try Self.query(request)
        let following = try await follows.following(account).filter { $0.state == .accepted }.map(\.actorId)
        let (items, next) = try await content.dashboard(for: account, following: following, personPrefix: follows.runtime.urls.person(""),
                                                        types: query.types, before: query.before, limit: query.limit)
        return JSONResponse(DashboardPage(items: items, next: next))
    }

    @Sendable func personContent(request: Request, context: NodeRequestContext) async throws -> JSONResponse<[ContentView]> {
        let username = try context.parameters.require("username")
        guard let author = try await database.account(username: username), !author.isDisabled else { throw Problem.notFound("no user named '\(username)'") }
        var query = try Self.query(request)
        query.authorId = author.id
        return JSONResponse(try await content.list(query, viewer: context.account))
    }
}
