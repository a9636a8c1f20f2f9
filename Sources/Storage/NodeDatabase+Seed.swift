import Foundation
import GRDB

/// Rows for filling a node with generated data (`meent dev seed`): plain
/// values with their ids chosen by the caller, so a generator can refer to
/// rows it has not written yet and produce the same data on every run.
public enum SeedRow {
    public struct Person: Sendable {
        public var id: Int64
        public var username: String
        public var passwordHash: String
        public var displayName: String
        public var organisation: String
        public var jobTitle: String
        public var bio: String
        public var createdAt: Date

        public init(id: Int64, username: String, passwordHash: String, displayName: String, organisation: String,
                    jobTitle: String, bio: String, createdAt: Date) {
            self.id = id
            self.username = username
            self.passwordHash = passwordHash
            self.displayName = displayName
            self.organisation = organisation
            self.jobTitle = jobTitle
            self.bio = bio
            self.createdAt = createdAt
        }
    }
}

/// How many rows of each kind a node holds and the highest ids in use; a
/// generator starts its ids after these.
public struct SeedBaseline: Sendable, Equatable {
    public let accounts: Int
    public let groups: Int
    public let contentItems: Int
    public let lastAccountId: Int64
    public let lastGroupId: Int64
    public let lastContentId: Int64

    /// True when the node holds nothing a seed would mix with: no groups, no
    /// content and no accounts except administrators (the one `meent init` makes).
    public let isEmpty: Bool
}

extension NodeDatabase {
    /// What the node holds now, for deciding whether and from which ids to seed.
    public func seedBaseline() async throws -> SeedBaseline {
        try await pool.read { db in
            let accounts = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM account") ?? 0
            let users = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM account WHERE role != 'admin'") ?? 0
            let groups = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM groups") ?? 0
            let items = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM contentItem") ?? 0
            return SeedBaseline(
                accounts: accounts, groups: groups, contentItems: items,
                lastAccountId: try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM account") ?? 0,
                lastGroupId: try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM groups") ?? 0,
                lastContentId: try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM contentItem") ?? 0,
                isEmpty: users == 0 && groups == 0 && items == 0)
        }
    }

    /// Inserts accounts with their profiles, in one transaction.
    public func insertSeedPeople(_ people: [SeedRow.Person]) async throws {
        try await pool.write { db in
            try mappingConstraintErrors {
                let account = try db.cachedStatement(sql: """
                    INSERT INTO account (id, username, email, passwordHash, role, isDisabled, createdAt, updatedAt)
                    VALUES (?, ?, NULL, ?, 'user', 0, ?, ?)
                    """)
                let profile = try db.cachedStatement(sql: """
                    INSERT INTO profile (accountId, displayName, organisation, jobTitle, bio, updatedAt) VALUES (?, ?, ?, ?, ?, ?)
                    """)
                for person in people {
                    try account.execute(arguments: [person.id, person.username, person.passwordHash, person.createdAt, person.createdAt])
                    try profile.execute(arguments: [person.id, person.displayName, person.organisation, person.jobTitle, person.bio, person.createdAt])
                }
            }
        }
    }

    /// Inserts groups (ids set) with their memberships, in one transaction.
    public func insertSeedGroups(_ groups: [Group], memberships: [Membership]) async throws {
        try await pool.write { db in
            try mappingConstraintErrors {
                for var group in groups { try group.insert(db) }
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO membership (groupId, accountId, role, state, invitedBy, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                for membership in memberships {
                    try statement.execute(arguments: [membership.groupId, membership.accountId, membership.role, membership.state,
                                                      membership.invitedBy, membership.createdAt, membership.updatedAt])
                }
            }
        }
    }

    /// Inserts content items (ids set; comments after their thread's first
    /// item), in one transaction; the search index follows by its triggers.
    public func insertSeedContent(_ items: [ContentItem]) async throws {
        try await pool.write { db in
            try mappingConstraintErrors {
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO contentItem (id, type, groupId, authorId, parentId, rootId, title, body, access, createdAt, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for item in items {
                    try statement.execute(arguments: [item.id, item.type, item.groupId, item.authorId, item.parentId, item.rootId,
                                                      item.title, item.body, item.access, item.createdAt, item.updatedAt])
                }
            }
        }
    }

    /// A digest of every account, profile, group, membership and content item
    /// (ids and values, no secrets), so two seeded nodes can be compared.
    public func seedFingerprint() async throws -> String {
        try await pool.read { db in
            var hasher = FNV1a()
            let queries = [
                "SELECT id, username, createdAt FROM account WHERE role = 'user' ORDER BY id",
                "SELECT accountId, displayName, organisation, jobTitle, bio FROM profile ORDER BY accountId",
                "SELECT id, slug, name, description, tags, membershipMode, isHidden, createdAt FROM groups ORDER BY id",
                "SELECT groupId, accountId, role, state, createdAt FROM membership ORDER BY groupId, accountId",
                "SELECT id, type, groupId, authorId, parentId, rootId, title, body, access, createdAt FROM contentItem ORDER BY id",
            ]
            for sql in queries {
                let cursor = try Row.fetchCursor(db, sql: sql)
                while let row = try cursor.next() {
                    for value in row.databaseValues { hasher.add(value.description) }
                    hasher.add("\n")
                }
            }
            return String(hasher.value, radix: 16)
        }
    }
}

/// 64-bit FNV-1a over UTF-8 text: a stable digest for comparing data sets (not for security).
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ text: String) {
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01b3
        }
    }
}
