import Foundation
import GRDB

/// A person's account on this node: credentials, role and status.
///
/// The profile a person shows to others lives in ``Profile``; this record holds
/// only what the node needs to authenticate and authorise them.
public struct Account: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "account"

    public enum Role: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case user
        case admin
    }

    public var id: Int64?
    /// Unique on the node, compared without regard to case.
    public var username: String
    public var email: String?
    public var passwordHash: String
    public var role: Role
    public var isDisabled: Bool
    public var createdAt: Date
    public var updatedAt: Date
    /// The ActivityPub id of a person on another node; `nil` for the
    /// people of this node. Remote people have no password and never sign in.
    public var actorId: String?

    public init(
        id: Int64? = nil, username: String, email: String?, passwordHash: String,
        role: Role = .user, isDisabled: Bool = false, createdAt: Date = Date(), updatedAt: Date = Date(), actorId: String? = nil
    ) {
        self.actorId = actorId
        self.id = id
        self.username = username
        self.email = email
        self.passwordHash = passwordHash
        self.role = role
        self.isDisabled = isDisabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var isAdmin: Bool { role == .admin && actorId == nil }
    /// Whether this is a person of another node.
    public var isRemote: Bool { actorId != nil }

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let username = Column(CodingKeys.username)
        public static let email = Column(CodingKeys.email)
        public static let role = Column(CodingKeys.role)
        public static let isDisabled = Column(CodingKeys.isDisabled)
        public static let actorId = Column(CodingKeys.actorId)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
