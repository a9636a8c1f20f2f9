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

    /// A person's notifications, newest first, before the id `before`.
    public func notifications(accountId: Int64, unreadOnly: Bool, before: Int64?, limit: Int) async throws -> [UserNotification] {
        try await pool.read { db in
            var request = UserNotification.filter(Column("accountId") == accountId)
            if unreadOnly { request = request.filter(Column("readAt") == nil) }
            if let before { request = request.filter(Column("id") < before) }
            return try request.order(Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    public func unreadNotificationCount(accountId: Int64) async throws -> Int {
        try await pool.read { db in
            try UserNotification.filter(Column("accountId") == accountId && Column("readAt") == nil).fetchCount(db)
        }
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
