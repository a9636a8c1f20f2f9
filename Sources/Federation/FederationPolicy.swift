import Foundation
import Storage

/// Whom this node federates with: in `open` mode everyone but blocked peers,
/// in `allowlist` mode only peers an operator allowed. Checked for inbound
/// activities, outbound deliveries and remote fetches alike.
public struct FederationPolicy: Sendable {
    let database: NodeDatabase
    let settings: FederationSettings
    /// The peers' policies and the remote actors, kept in memory and checked
    /// against the database's change counters on every use.
    public let cache: FederationCache

    public init(database: NodeDatabase, settings: FederationSettings) {
        self.database = database
        self.settings = settings
        self.cache = FederationCache(database: database)
    }

    /// Whether the node federates with `host` now: read through
    /// ``FederationCache``, so an operator's block (from the admin pages or
    /// `meent peer block` in another process) counts from the next call.
    public func isAllowed(host: String) async throws -> Bool {
        if host == settings.authority { return false }
        switch try await cache.policy(host: host) {
        case .blocked: return false
        case .allowed: return true
        case .undecided: return settings.mode == .open
        }
    }

    /// Throws `notAllowed` unless the node federates with `host`.
    public func requireAllowed(host: String) async throws {
        guard try await isAllowed(host: host) else {
            throw FederationError.notAllowed("this node does not federate with \(host)")
        }
    }
}
