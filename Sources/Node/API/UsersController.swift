import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// People on this node: the directory and single profiles, each shown as the
/// viewer may see it, and profile field definitions.
struct UsersController {
    let accounts: AccountService
    let profiles: ProfileService

    struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
        let items: [Item]
        /// Pass as `after` to get the next page; absent on the last page.
        let next: String?
    }

    struct FieldDefinitionView: Encodable, Sendable {
        let id: Int64
        let key: String
        let label: String
        let kind: ProfileField.Kind
        let options: [String]
        let position: Int

        init(_ field: ProfileField) {
            id = field.id!
            key = field.key
            label = field.label
            kind = field.kind
            options = field.options
            position = field.position
        }
    }

    func addRoutes(to group: RouterGroup<NodeRequestContext>) {
        group.get("users", use: directory)
        group.get("users/:username", use: profile)
        group.get("profile-fields", use: fieldDefinitions)
    }

    /// The people directory, for signed-in users; disabled accounts are left out.
    @Sendable func directory(request: Request, context: NodeRequestContext) async throws -> JSONResponse<Page<ProfileView>> {
        let viewer = try context.requireAccount()
        let (after, limit) = try Pagination.parse(request)
        let found = try await accounts.database.accounts(after: after, limit: limit + 1, includeDisabled: viewer.isAdmin)
        let views = try await profiles.views(of: Array(found.prefix(limit)), by: .account(viewer))
        let next = found.count > limit ? found[limit - 1].id.map(String.init) : nil
        return JSONResponse(Page(items: views, next: next))
    }

    @Sendable func profile(request: Request, context: NodeRequestContext) async throws -> JSONResponse<ProfileView> {
        let username = try context.parameters.require("username")
        guard let account = try await accounts.database.account(username: username),
              !account.isDisabled || context.account?.isAdmin == true
        else { throw Problem.notFound("no user named '\(username)'") }
        return JSONResponse(try await profiles.view(of: account, by: context.viewer))
    }

    @Sendable func fieldDefinitions(request: Request, context: NodeRequestContext) async throws -> JSONResponse<[FieldDefinitionView]> {
        JSONResponse(try await accounts.database.profileFields().map(FieldDefinitionView.init))
    }
}

/// Cursor pagination: `after` is the last id of the previous page, `limit` at most 100.
enum Pagination {
    static func parse(_ request: Request) throws -> (after: Int64, limit: Int) {
        let query = request.uri.queryParameters
        var after: Int64 = 0
        var limit = 50
        if let raw = query.get("after") {
            guard let value = Int64(raw), value >= 0 else { throw Problem.badRequest("the query parameter after must be a cursor from a previous page") }
            after = value
        }
        if let raw = query.get("limit") {
            guard let value = Int(raw), (1...100).contains(value) else { throw Problem.badRequest("the query parameter limit must be from 1 to 100") }
            limit = value
        }
        return (after, limit)
    }
}
