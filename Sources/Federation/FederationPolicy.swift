import Foundation
import Storage

/// Whom this node federates with: in `open` mode everyone but blocked peers,
/// in `allowlist` mode only peers an operator allowed. Checked for inbound
/// activities, outbound deliveries and remote fetches alike.
public struct FederationPolicy: Sendable {
    let database: NodeDatabase
    let settings: FederationSettings

    public init(database: NodeDatabase, settings: FederationSettings) {
        self.database = database
        self.settings = settings
    }

    public func isAllowed(host: String) async throws -> Bool {
        if host == settings.authority { return false }
        switch try await database.peer(host: host)?.policy {
        case .blocked: return false
        case .allowed: return true
        case .undecided, nil: return settings.mode == .open
        }
    }

    /// Throws `notAllowed` unless the node federates with `host`.
    public func requireAllowed(host: String) async throws {
        guard try await isAllowed(host: host) else {
            throw FederationError.notAllowed("this node does not federate with \(host)")
        }
    }
}
