import Foundation
import GRDB

extension NodeDatabase {
    /// The keys of an owner (`node`, `account:<id>`), keyed by algorithm.
    public func signingKeys(owner: String) async throws -> [SigningKey.Algorithm: SigningKey] {
        try await pool.read { db in
            let keys = try SigningKey.filter(SigningKey.Columns.owner == owner).fetchAll(db)
            return Dictionary(uniqueKeysWithValues: keys.map { ($0.algorithm, $0) })
        }
    }

    /// Stores keys that do not exist yet; keys already stored for the same
    /// owner and algorithm are kept, so concurrent first starts agree on one key.
    public func insertSigningKeysIfMissing(_ keys: [SigningKey]) async throws {
        try await pool.write { db in
            for key in keys { try key.insert(db, onConflict: .ignore) }
        }
    }

    /// Replaces an owner's keys (key rotation): the old keys are gone when
    /// this returns, in one transaction.
    public func replaceSigningKeys(owner: String, with keys: [SigningKey]) async throws {
        try await pool.write { db in
            try SigningKey.filter(SigningKey.Columns.owner == owner).deleteAll(db)
            for key in keys { try key.insert(db) }
        }
    }
}
