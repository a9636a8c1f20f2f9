import Foundation
import GRDB

/// A personal API token for the JSON API. Only its SHA-256 is stored; the
/// token itself is shown to its owner once, when it is created.
public struct APIToken: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "apiToken"

    public var id: Int64?
    public var accountId: Int64
    public var name: String
    public var tokenHash: String
    public var createdAt: Date
    public var lastUsedAt: Date?

    public init(id: Int64? = nil, accountId: Int64, name: String, tokenHash: String, createdAt: Date = Date(), lastUsedAt: Date? = nil) {
        self.id = id
        self.accountId = accountId
        self.name = name
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let accountId = Column(CodingKeys.accountId)
        public static let tokenHash = Column(CodingKeys.tokenHash)
        public static let lastUsedAt = Column(CodingKeys.lastUsedAt)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
