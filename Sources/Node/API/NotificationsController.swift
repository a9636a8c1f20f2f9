import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// A person's notifications.
struct NotificationsController {
    let notifications: NotificationService
    let database: NodeDatabase

    struct Page: Encodable, Sendable {
        let items: [NotificationView]
        let unread: Int
        /// Pass as `before` for the next (older) page.
        let next: String?
    }

    struct ReadBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case ids }
        /// Absent: all.
        let ids: [Int64]?

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            ids = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent([Int64].self, forKey: .ids)
        }
    }

    struct ReadResult: Encodable, Sendable {
        let marked: Int
        let unread: Int
    }

    func addRoutes(to group: RouterGroup<NodeRequestContext>) {
        group.get("me/notifications", use: list)
        group.post("me/notifications/read", use: markRead)
    }

    /// `?unread=true` for unread ones only; `?before=<id>` and `?limit=` to page.
    @Sendable func list(request: Request, context: NodeRequestContext) async throws -> JSONResponse<Page> {
        let account = try context.requireAccount()
        let query = try ContentController.query(request)
        let unreadOnly = ["true", "1", "yes"].contains(request.uri.queryParameters.get("unread")?.lowercased() ?? "")
        let items = try await notifications.list(for: account, unreadOnly: unreadOnly, before: query.before, limit: query.limit + 1)
        let page = Array(items.prefix(query.limit))
        return JSONResponse(Page(items: page, unread: try await database.unreadNotificationCount(accountId: account.id!),
                                 next: items.count > query.limit ? page.last.map { String($0.id) } : nil))
    }

    @Sendable func markRead(request: Request, context: NodeRequestContext) async throws -> JSONResponse<ReadResult> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(ReadBody.self, context: context)
        let marked = try await database.markNotificationsRead(accountId: account.id!, ids: body.ids)
        return JSONResponse(ReadResult(marked: marked, unread: try await database.unreadNotificationCount(accountId: account.id!)))
    }
}
