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
/// memory after the deletion committed. Within
/// ``readingCountersOnce(_:)`` (one inbox request) the counters are read
/// once and shared by the request's lookups.
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

    /// The counters read for the lookups of the current task, and for which cache.
    private struct CountersRead: Sendable {
        let cache: ObjectIdentifier
        let version: FederationCacheVersion?
    }

    @TaskLocal private static var countersRead: CountersRead?

    /// Runs `body` with the counters read once, now: every lookup in it
    /// treats the copies as current if they were current when `body` began.
    /// An inbox request checks its sender's policy and key against the
    /// database as it was when its checks began, as it would if they ran at
    /// once; it saves one read of the counters per lookup (two per request).
    public func readingCountersOnce<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        let read = CountersRead(cache: ObjectIdentifier(self), version: database.federationCacheVersion())
        return try await Self.$countersRead.withValue(read, operation: body)
    }

    /// The counters: those read for this task by ``readingCountersOnce(_:)``, else read now.
    private func currentCounters() -> FederationCacheVersion? {
        if let read = Self.countersRead, read.cache == ObjectIdentifier(self) { return read.version }
        return database.federationCacheVersion()
    }

    /// The operator's policy for `host` (`.undecided` when there is none).
    public func policy(host: String) async throws -> Peer.Policy {
        try await cached(host, in: \.policies, version: \.peersVersion, counter: \.peers) {
            try await database.peer(host: host)?.policy ?? .undecided
        } ?? .undecided
    }

    /// The stored copy of the remote actor `id`, or nil when none is stored.
    public func remoteActor(id: String) async throws -> RemoteActor? {
        try await cached(id, in: \.actors, version: \.actorsVersion, counter: \.actors) {
            try await database.remoteActor(id: id)
        }
    }

    /// The copy of `key` in `table` if it was read under the current counter;
    /// else `read()`, kept if the counter did not move meanwhile (a `nil`
    /// result is not kept).
    private func cached<Value: Sendable>(
        _ key: String, in table: WritableKeyPath<State, [String: Value]>, version: WritableKeyPath<State, Int64>,
        counter: KeyPath<FederationCacheVersion, Int64>, read: () async throws -> Value?
    ) async throws -> Value? {
        let current = currentCounters()
        if let current, let copy = state.withLockedValue({ state -> Value? in
            Self.advance(&state, to: current)
            return state[keyPath: version] == current[keyPath: counter] ? state[keyPath: table][key] : nil
        }) {
            return copy
        }
        guard let value = try await read() else { return nil }
        if let current {
            state.withLockedValue { state in
                guard state[keyPath: version] == current[keyPath: counter] else { return }
                if state[keyPath: table].count >= Self.maximumEntries { state[keyPath: table] = [:] }
                state[keyPath: table][key] = value
            }
        }
        return value
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
