import Foundation
import GRDB

/// A key pair that an actor (the node itself, a person, a group) signs
/// federation requests with. Keys are kept as PEM text; the protocol layer
/// parses them.
public struct SigningKey: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "signingKey"
    /// Read at start: decoded without Calendar, so starting does not load ICU.
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { DatabaseDate.decoding }

    public enum Algorithm: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case ed25519
        case rsa
    }

    /// Who the key belongs to: `node`, `account:<id>` or `group:<id>`.
    public var owner: String
    public var algorithm: Algorithm
    public var publicKeyPEM: String
    public var privateKeyPEM: String
    public var createdAt: Date

    public init(owner: String, algorithm: Algorithm, publicKeyPEM: String, privateKeyPEM: String, createdAt: Date = Date()) {
        self.owner = owner
        self.algorithm = algorithm
        self.publicKeyPEM = publicKeyPEM
        self.privateKeyPEM = privateKeyPEM
        self.createdAt = createdAt
    }

    public enum Columns {
        public static let owner = Column(CodingKeys.owner)
        public static let algorithm = Column(CodingKeys.algorithm)
    }

    public static let nodeOwner = "node"
}
