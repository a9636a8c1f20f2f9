import Foundation
import GRDB

/// The saved branding without the logo's bytes: what every page needs of it.
public struct BrandingFacts: Sendable, Equatable {
    /// Empty means "use the configured node name".
    public var name: String
    public var primaryColor: String
    public var accentColor: String
    public var hasLogo: Bool
    public var updatedAt: Date

    public init(name: String, primaryColor: String, accentColor: String, hasLogo: Bool, updatedAt: Date) {
        self.name = name
        self.primaryColor = primaryColor
        self.accentColor = accentColor
        self.hasLogo = hasLogo
        self.updatedAt = updatedAt
    }
}

/// What the layout around every page shows, read together in one read
/// rather than four (branding, a setting, the reader's name and unread count).
public struct PageFrame: Sendable, Equatable {
    /// `nil` while the default branding applies.
    public var branding: BrandingFacts?
    /// The stored value of the setting asked for, `nil` while the configured one applies.
    public var setting: String?
    /// The reader's display name; `nil` without a reader or profile.
    public var displayName: String?
    /// The reader's unread notifications that they may still read (0 without a reader).
    public var unreadNotifications: Int
}

extension NodeDatabase {
    /// The saved branding without the logo's bytes, or `nil` while the defaults apply.
    public func brandingFacts() async throws -> BrandingFacts? {
        try await pool.read { db in try Self.brandingFacts(db) }
    }

    /// Everything the page layout reads, in one read (one snapshot): the
    /// branding, the setting `settingKey` and, for a signed-in reader, their
    /// display name and unread count (counted as
    /// ``unreadNotificationCount(accountId:)`` does).
    public func pageFrame(accountId: Int64?, settingKey: String) async throws -> PageFrame {
        try await pool.read { db in
            let branding = try Self.brandingFacts(db)
            let setting = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM nodeSetting WHERE key = ?"), arguments: [settingKey])
            var displayName: String?
            var unread = 0
            if let accountId {
                displayName = try String.fetchOne(db.cachedStatement(sql: "SELECT displayName FROM profile WHERE accountId = ?"), arguments: [accountId])
                if displayName != nil { unread = try Self.unreadNotificationCount(db, accountId: accountId) }
            }
            return PageFrame(branding: branding, setting: setting, displayName: displayName, unreadNotifications: unread)
        }
    }

    static func brandingFacts(_ db: Database) throws -> BrandingFacts? {
        let sql = "SELECT name, primaryColor, accentColor, logo IS NOT NULL AS hasLogo, updatedAt FROM nodeBranding WHERE id = 1"
        return try Row.fetchOne(db.cachedStatement(sql: sql)).map { row in
            BrandingFacts(name: row["name"], primaryColor: row["primaryColor"], accentColor: row["accentColor"],
                          hasLogo: row["hasLogo"], updatedAt: row["updatedAt"])
        }
    }
}
