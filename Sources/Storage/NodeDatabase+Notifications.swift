import Foundation
import GRDB

extension NodeDatabase {
    public func addNotifications(_ notifications: [UserNotification]) async throws {
        guard !notifications.isEmpty else { return }
        try await pool.write { db in
            for notification in notifications {
                var notification = notification
                try notification.insert(db)
            }
        }
    }

    /// Notifications about an item stay only as long as their reader may
    /// read the item: access is checked when listing, by the same rule as
    /// every other read, so a lost membership or a narrowed item hides them.
    private static let stillVisible = """
        (n.itemId IS NULL OR EXISTS (SELECT 1 FROM contentItem c LEFT JOIN groups g ON g.id = c.groupId
                                     WHERE c.id = n.itemId AND \(visibility)))
        """

    /// A person's notifications, newest first, before the id `before`.
    public func notifications(accountId: Int64, unreadOnly: Bool, before: Int64?, limit: Int) async throws -> [UserNotification] {
        try await pool.read { db in
            var conditions = ["n.accountId = :viewer", Self.stillVisible]
            if unreadOnly { conditions.append("n.readAt IS NULL") }
            if before != nil { conditions.append("n.id < :before") }
            let sql = "SELECT n.* FROM notification n WHERE \(conditions.joined(separator: " AND ")) ORDER BY n.id DESC LIMIT :limit"
            return try UserNotification.fetchAll(db, sql: sql, arguments: ["viewer": accountId, "before": before, "limit": limit])
        }
    }

    public func unreadNotificationCount(accountId: Int64) async throws -> Int {
        try await pool.read { db in try Self.unreadNotificationCount(db, accountId: accountId) }
    }

    static func unreadNotificationCount(_ db: Database, accountId: Int64) throws -> Int {
        let sql = "SELECT COUNT(*) FROM notification n WHERE n.accountId = :viewer AND n.readAt IS NULL AND \(stillVisible)"
        return try Int.fetchOne(db.cachedStatement(sql: sql), arguments: ["viewer": accountId]) ?? 0
    }

    /// Marks the given notifications of a person read (all when `ids` is nil); returns how many changed.
    @discardableResult
    public func markNotificationsRead(accountId: Int64, ids: [Int64]?, now: Date = Date()) async throws -> Int {
        try await pool.write { db in
            var request = UserNotification.filter(Column("accountId") == accountId && Column("readAt") == nil)
            if let ids { request = request.filter(ids.contains(Column("id"))) }
            return try request.updateAll(db, Column("readAt").set(to: now))
        }
    }
}
