import Foundation
import GRDB

/// An invitation to create an account on a node whose registration mode is
/// invite-only. Only the SHA-256 of the code is stored; a code works once.
public struct RegistrationInvite: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "registrationInvite"

    public var id: Int64?
    public var codeHash: String
    /// The address the invitation was sent to, if any; informative only.
    public var email: String?
    public var createdBy: Int64?
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?
    public var usedBy: Int64?

    public init(id: Int64? = nil, codeHash: String, email: String?, createdBy: Int64?, createdAt: Date = Date(), expiresAt: Date, usedAt: Date? = nil, usedBy: Int64? = nil) {
        self.id = id
        self.codeHash = codeHash
        self.email = email
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.usedBy = usedBy
    }

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let codeHash = Column(CodingKeys.codeHash)
        public static let usedAt = Column(CodingKeys.usedAt)
        public static let expiresAt = Column(CodingKeys.expiresAt)
    }

    public func isUsable(at now: Date) -> Bool { usedAt == nil && expiresAt > now }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
