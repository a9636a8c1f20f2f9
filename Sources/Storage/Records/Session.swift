import Foundation
import GRDB

/// A browser session. Only the SHA-256 of the cookie's token is stored, so a
/// copy of the database does not let anyone sign in.
public struct Session: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "session"

    public var tokenHash: String
    public var accountId: Int64
    /// Sent back in forms and the `X-CSRF-Token` header for unsafe requests.
    public var csrfToken: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(tokenHash: String, accountId: Int64, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.accountId = accountId
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    public enum Columns {
        public static let tokenHash = Column(CodingKeys.tokenHash)
        public static let accountId = Column(CodingKeys.accountId)
        public static let expiresAt = Column(CodingKeys.expiresAt)
    }
}
