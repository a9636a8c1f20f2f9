import Foundation
import GRDB

extension NodeDatabase {
    /// The branding an administrator saved, or `nil` while the defaults apply.
    public func branding() async throws -> NodeBranding? {
        try await pool.read { db in try NodeBranding.fetchOne(db, key: 1) }
    }

    /// Replaces the node's branding.
    public func saveBranding(_ branding: NodeBranding) async throws {
        try await pool.write { db in
            var branding = branding
            branding.id = 1
            try branding.save(db)
        }
    }
}
