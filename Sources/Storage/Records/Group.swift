import Foundation
import GRDB

/// A group people work in: its name, description and rules of entry.
public struct Group: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "groups"

    /// How people become members.
    public enum MembershipMode: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        /// Anyone signed in joins at once.
        case open
        /// People ask to join; an administrator of the group decides.
        case request
        /// Only people invited by the group's administrators.
        case closed
    }

    public var id: Int64?
    /// Unique, URL-safe name (`waterkwaliteit`), used in the group's address.
    public var slug: String
    public var name: String
    public var description: String
    public var tags: [String]
    public var membershipMode: MembershipMode
    /// Hidden groups are not listed or found by people who are not members.
    public var isHidden: Bool
    /// Shown to people when they join.
    public var welcomeMessage: String
    public var iconDigest: String?
    public var iconContentType: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// The ActivityPub id of a group whose home is another node (this row
    /// mirrors it); `nil` for the groups of this node.
    public var actorId: String?

    public init(id: Int64? = nil, slug: String, name: String, description: String = "", tags: [String] = [],
                membershipMode: MembershipMode = .open, isHidden: Bool = false, welcomeMessage: String = "",
                iconDigest: String? = nil, iconContentType: String? = nil, createdAt: Date = Date(), updatedAt: Date = Date(),
                actorId: String? = nil) {
        self.actorId = actorId
        self.id = id
        self.slug = slug
        self.name = name
        self.description = description
        self.tags = tags
        self.membershipMode = membershipMode
        self.isHidden = isHidden
        self.welcomeMessage = welcomeMessage
        self.iconDigest = iconDigest
        self.iconContentType = iconContentType
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Reads a row column by column (the generic `Decodable` path took a
    /// tenth of a dashboard's database time); `tags` is the JSON list that
    /// the `Encodable` side stores.
    public init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        slug = try row.decode(forColumn: "slug")
        name = try row.decode(forColumn: "name")
        description = try row.decode(forColumn: "description")
        let tagsJSON: String = try row.decode(forColumn: "tags")
        tags = tagsJSON == "[]" ? [] : try Self.tagsDecoder.decode([String].self, from: Data(tagsJSON.utf8))
        membershipMode = try row.decode(forColumn: "membershipMode")
        isHidden = try row.decode(forColumn: "isHidden")
        welcomeMessage = try row.decode(forColumn: "welcomeMessage")
        iconDigest = try row.decode(forColumn: "iconDigest")
        iconContentType = try row.decode(forColumn: "iconContentType")
        createdAt = try row.decode(forColumn: "createdAt")
        updatedAt = try row.decode(forColumn: "updatedAt")
        actorId = try row.decode(forColumn: "actorId")
    }

    private static let tagsDecoder = JSONDecoder()

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let slug = Column(CodingKeys.slug)
        public static let isHidden = Column(CodingKeys.isHidden)
        public static let actorId = Column(CodingKeys.actorId)
    }

    /// Whether the group's home is another node.
    public var isRemote: Bool { actorId != nil }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A person's relation to a group: member (with a role), asked to join,
/// invited, or blocked.
public struct Membership: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "membership"

    public enum Role: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible, Comparable {
        case member
        case admin
        case owner

        private var rank: Int { self == .member ? 0 : self == .admin ? 1 : 2 }
        public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
    }

    public enum State: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case member
        /// Asked to join a group whose mode is `request`.
        case requested
        /// Invited by an administrator of the group; not a member until accepted.
        case invited
        /// Removed and kept out: cannot join, ask or be invited until unblocked.
        case blocked
    }

    public var groupId: Int64
    public var accountId: Int64
    public var role: Role
    public var state: State
    public var invitedBy: Int64?
    public var createdAt: Date
    public var updatedAt: Date

    public init(groupId: Int64, accountId: Int64, role: Role = .member, state: State, invitedBy: Int64? = nil,
                createdAt: Date = Date(), updatedAt: Date = Date()) {
        self.groupId = groupId
        self.accountId = accountId
        self.role = role
        self.state = state
        self.invitedBy = invitedBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Reads a row column by column, without the generic `Decodable` path.
    public init(row: Row) throws {
        groupId = try row.decode(forColumn: "groupId")
        accountId = try row.decode(forColumn: "accountId")
        role = try row.decode(forColumn: "role")
        state = try row.decode(forColumn: "state")
        invitedBy = try row.decode(forColumn: "invitedBy")
        createdAt = try row.decode(forColumn: "createdAt")
        updatedAt = try row.decode(forColumn: "updatedAt")
    }

    public enum Columns {
        public static let groupId = Column(CodingKeys.groupId)
        public static let accountId = Column(CodingKeys.accountId)
        public static let state = Column(CodingKeys.state)
        public static let role = Column(CodingKeys.role)
    }

    public var isMember: Bool { state == .member }
    /// Whether this person may manage the group's members and settings.
    public var isManager: Bool { state == .member && role >= .admin }
}

/// An invitation link into a group, for someone with or without an account;
/// only the SHA-256 of the code is stored. A link works once and expires.
public struct GroupInvitation: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "groupInvitation"

    public var id: Int64?
    public var groupId: Int64
    public var codeHash: String
    public var email: String?
    public var createdBy: Int64?
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?
    public var usedBy: Int64?

    public init(id: Int64? = nil, groupId: Int64, codeHash: String, email: String?, createdBy: Int64?,
                createdAt: Date = Date(), expiresAt: Date, usedAt: Date? = nil, usedBy: Int64? = nil) {
        self.id = id
        self.groupId = groupId
        self.codeHash = codeHash
        self.email = email
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.usedBy = usedBy
    }

    public func isUsable(at now: Date) -> Bool { usedAt == nil && expiresAt > now }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
