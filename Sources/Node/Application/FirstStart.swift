import Federation
import Foundation
import Storage

/// What a node needs before it can serve: its signing keys and a first
/// administrator. Safe to run on every start; it only adds what is missing.
public enum FirstStart {
    public struct AdminLogin: Sendable {
        public let username: String
        public let password: String
    }

    /// Creates the node's keys and, on a node without accounts, an
    /// administrator with a generated password, which is returned once and
    /// never stored in clear.
    public static func run(_ services: NodeServices) async throws -> AdminLogin? {
        if try await services.database.signingKeys(owner: SigningKey.nodeOwner).count < SigningKey.Algorithm.allCases.count {
            try await services.database.insertSigningKeysIfMissing(try ActorKeyGenerator.makeKeys(owner: SigningKey.nodeOwner))
        }
        guard try await !services.database.hasLocalAccounts() else { return nil }
        let username = services.configuration.adminUsername
        let password = SecretToken.makePassword()
        _ = try await services.accounts.createByAdministrator(
            .init(username: username, email: nil, password: password, displayName: "Administrator"), role: .admin)
        return AdminLogin(username: username, password: password)
    }
}
