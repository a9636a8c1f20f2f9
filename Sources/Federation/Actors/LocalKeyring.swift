import Foundation
import Storage

/// The signing keys of local actors (the node, each person), loaded from the
/// database once and kept in memory; keys that do not exist yet are made on
/// first use.
public actor LocalKeyring {
    public struct Keys: Sendable {
        public let ed25519: MessageSigningKey
        public let rsa: MessageSigningKey
        public let ed25519PublicMultibase: String
        public let rsaPublicPEM: String
    }

    private let database: NodeDatabase
    private var cache: [String: Keys] = [:]

    public init(database: NodeDatabase) {
        self.database = database
    }

    /// The keys of `owner` (`node`, `account:<id>`), made and stored if missing.
    public func keys(owner: String) async throws -> Keys {
        if let keys = cache[owner] { return keys }
        var stored = try await database.signingKeys(owner: owner)
        if stored.count < SigningKey.Algorithm.allCases.count {
            try await database.insertSigningKeysIfMissing(try ActorKeyGenerator.makeKeys(owner: owner))
            stored = try await database.signingKeys(owner: owner)
        }
        guard let ed = stored[.ed25519], let rsa = stored[.rsa] else {
            throw FederationError.unknownKey("no keys for \(owner)")
        }
        let edKey = try MessageSigningKey(pemRepresentation: ed.privateKeyPEM, algorithm: .ed25519)
        guard let multibase = edKey.verificationKey.multibaseRepresentation else {
            throw FederationError.unknownKey("the Ed25519 key of \(owner) has no multibase form")
        }
        let keys = Keys(
            ed25519: edKey,
            rsa: try MessageSigningKey(pemRepresentation: rsa.privateKeyPEM, algorithm: .rsaV1_5SHA256),
            ed25519PublicMultibase: multibase,
            rsaPublicPEM: rsa.publicKeyPEM)
        cache[owner] = keys
        return keys
    }

    /// Replaces the keys of `owner` with new ones. Peers that cached the old
    /// keys fetch the actor again when a signature fails to verify.
    public func rotate(owner: String) async throws -> Keys {
        try await database.replaceSigningKeys(owner: owner, with: try ActorKeyGenerator.makeKeys(owner: owner))
        cache[owner] = nil
        return try await keys(owner: owner)
    }
}
