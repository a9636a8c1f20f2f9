import Foundation
import GRDB

/// Node settings an administrator changes while the node runs (table
/// `nodeSetting`, one row per key). A stored value overrides what
/// `node.conf` configures; removing it brings the configured value back.
extension NodeDatabase {
    /// The stored value of `key`, or `nil` while the configured value applies.
    public func setting(_ key: String) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM nodeSetting WHERE key = ?", arguments: [key])
        }
    }

    /// Stores `value` for `key` (`nil` removes it), noting who changed it.
    public func saveSetting(_ key: String, value: String?, by accountId: Int64?, at date: Date = Date()) async throws {
        try await pool.write { db in
            if let value {
                try db.execute(sql: """
                    INSERT INTO nodeSetting (key, value, updatedAt, updatedBy) VALUES (?, ?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updatedAt = excluded.updatedAt, updatedBy = excluded.updatedBy
                    """, arguments: [key, value, date, accountId])
            } else {
                try db.execute(sql: "DELETE FROM nodeSetting WHERE key = ?", arguments: [key])
            }
        }
    }
}
