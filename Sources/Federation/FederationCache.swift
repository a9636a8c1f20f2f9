import Foundation
import NIOConcurrencyHelpers
import Storage

/// In-memory copies of what every signed request needs and what rarely
/// changes: each peer's policy and each remote actor (with its keys), so
/// that the accept path of an inbox reads neither from the database.
///
/// Correctness rests on ``NodeDatabase/federationCacheVersion()``: database
/// triggers bump a counter whenever a peer's policy or a remote actor
/// changes, whoever changes it (this process, `meent peer block` run beside
/// the server, an `Update` or `Delete` applied by the inbox worker, a key
/// refetched for rotation). Every lookup reads the counters first (a few
/// microseconds on the caller's thread) and serves a copy only if it was
/// read from the database under the same counter; otherwise the copies go
/// and the row is read again. A block therefore takes effect on the next
/// request, as before, and a deleted actor's keys are never served from
/// memory after the deletion committed.
public final class FederationCache: Sendable {
    let database: NodeDatabase

    private struct State {
        var peersVersion: Int64 = -1
        var actorsVersion: Int64 = -1
        /// The stored policy per host; `.undecided` also for hosts without a row.
        var policies: [String: Peer.Policy] = [:]
        var actors: [String: RemoteActor] = [:]
    }

    private let state = NIOLockedValueBox(State())
    /// Parsed verification keys by their encoded form (multibase or PEM):
    /// the same text is the same key, so these never go stale.
    private let parsedKeys = NIOLockedValueBox<[String: MessageVerificationKey]>([:])
    /// Entries per table at most; past that a table starts over.
    static let maximumEntries = 10_000

    public init(database: NodeDatabase) {
        self.database = database
    }

    /// The operator's policy for `host` (`.undecided` when there is none).
    public func policy(host: String) async throws -> Peer.Policy {
        let version = database.federationCacheVersion()
        if let version, let cached = state.withLockedValue({ state -> Peer.Policy? in
            Self.advance(&state, to: version)
            return state.peersVersion == version.peers ? state.policies[host] : nil
        }) {
            return cached
        }
        let policy = try await database.peer(host: host)?.policy ?? .undecided
        if let version {
            state.withLockedValue { state in
                guard state.peersVersion == version.peers else { return }
                if state.policies.count >= Self.maximumEntries { state.policies = [:] }
                state.policies[host] = policy
            }
        }
        return policy
    }

    /// The stored copy of the remote actor `id`, or nil when none is stored.
    public func remoteActor(id: String) async throws -> RemoteActor? {
        let version = database.federationCacheVersion()
        if let version, let cached = state.withLockedValue({ state -> RemoteActor? in
            Self.advance(&state, to: version)
            return state.actorsVersion == version.actors ? state.actors[id] : nil
        }) {
            return cached
        }
        guard let actor = try await database.remoteActor(id: id) else { return nil }
        if let version {
            state.withLockedValue { state in
                guard state.actorsVersion == version.actors else { return }
                if state.actors.count >= Self.maximumEntries { state.actors = [:] }
                state.actors[id] = actor
            }
        }
        return actor
    }

    /// Parses an Ed25519 multibase or RSA PEM verification key once.
    func verificationKey(encoded: String, _ parse: (String) throws -> MessageVerificationKey) throws -> MessageVerificationKey {
        if let key = parsedKeys.withLockedValue({ $0[encoded] }) { return key }
        let key = try parse(encoded)
        parsedKeys.withLockedValue { keys in
            if keys.count >= Self.maximumEntries { keys = [:] }
            keys[encoded] = key
        }
        return key
    }

    /// Drops the copies older than `version`. Counters only grow, so a
    /// caller holding an older version than the cache's neither uses nor
    /// fills it.
    private static func advance(_ state: inout State, to version: FederationCacheVersion) {
        if version.peers > state.peersVersion {
            state.peersVersion = version.peers
            state.policies = [:]
        }
        if version.actors > state.actorsVersion {
            state.actorsVersion = version.actors
            state.actors = [:]
        }
    }
}
