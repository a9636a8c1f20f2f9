import Foundation
import Logging
import ServiceLifecycle
import Storage

/// Sends queued deliveries: signs each at send time, retries failures on the
/// ``RetrySchedule``, pauses a peer that keeps failing without holding up the
/// others, never retries a permanent refusal, and falls back once from one
/// signature scheme to the other on a 401, remembering what the peer takes.
///
/// Rows stay `queued` until an inbox answered 2xx, so a crash at any point
/// means the delivery is sent again after restart; inboxes deduplicate by
/// activity id, so the effect happens once.
public final class DeliveryWorker: Service, Sendable {
    let database: NodeDatabase
    let client: FederationClient
    let keyring: LocalKeyring
    let policy: FederationPolicy
    let settings: FederationSettings
    let signal: WorkSignal
    let logger: Logger
    /// Deliveries in flight at once.
    let concurrency: Int
    /// Deliveries per batch, in multiples of ``concurrency``.
    static let batchRounds = 16

    public init(database: NodeDatabase, client: FederationClient, keyring: LocalKeyring, policy: FederationPolicy,
                settings: FederationSettings, signal: WorkSignal, logger: Logger, concurrency: Int = 32) {
        self.database = database
        self.client = client
        self.keyring = keyring
        self.policy = policy
        self.settings = settings
        self.signal = signal
        self.logger = logger
        self.concurrency = concurrency
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let sent = try await sendDue()
            if sent == 0 {
                var wait = Duration.seconds(1)
                if let due = try await database.nextDeliveryDue() {
                    let seconds = max(0.01, min(1, due.timeIntervalSinceNow))
                    wait = .milliseconds(Int(seconds * 1000))
                }
                let timeout = wait
                await cancelWhenGracefulShutdown { await self.signal.wait(timeout: timeout) }
            }
        }
    }

    /// Sends what is due now; returns how many deliveries were attempted.
    ///
    /// Per batch, the peers' states are read in one statement (their
    /// policies come from ``FederationCache``), and the
    /// successful deliveries are marked in one transaction at the end (until
    /// then they stay queued: a crash sends them again, and the inbox
    /// deduplicates). Failures are recorded one by one as they happen.
    @discardableResult
    public func sendDue() async throws -> Int {
        // Large batches: the batch waits for its slowest request and then
        // writes its marks, so the fewer batches the fewer such pauses.
        let due = try await database.dueDeliveries(limit: concurrency * Self.batchRounds)
        guard !due.isEmpty else { return 0 }
        let hosts = Set(due.map(\.host))
        let stored = try await database.peers(hosts: hosts)
        var peers: [String: PeerState] = [:]
        for host in hosts {
            peers[host] = PeerState(isAllowed: try await policy.isAllowed(host: host), peer: stored[host])
        }
        var delivered: [(id: Int64, status: Int)] = []
        var peerSchemes: [String: Peer.SignatureScheme?] = [:]
        // A host that is catching up after failures gets its rows one at a
        // time, in the order they were written, stopping at the first
        // failure, so a node that was down receives what it missed in order;
        // other hosts get theirs side by side.
        let recovering = Set(due.filter { $0.attempts > 0 }.map(\.host))
        var jobs: [[Delivery]] = due.filter { !recovering.contains($0.host) }.map { [$0] }
        for host in recovering.sorted() {
            jobs.append(due.filter { $0.host == host }.sorted { $0.id! < $1.id! })
        }
        await withTaskGroup(of: [(Delivery, AttemptResult)].self) { group in
            func collect(_ results: [(Delivery, AttemptResult)]) {
                for (delivery, result) in results {
                    guard case .delivered(let status, let scheme) = result, let id = delivery.id else { continue }
                    delivered.append((id, status))
                    peerSchemes[delivery.host] = scheme
                }
            }
            var running = 0
            for job in jobs {
                if running >= concurrency, let finished = await group.next() {
                    collect(finished)
                    running -= 1
                }
                let state = peers[job[0].host] ?? PeerState(isAllowed: false, peer: nil)
                group.addTask {
                    var results: [(Delivery, AttemptResult)] = []
                    for delivery in job {
                        let result = await self.attempt(delivery, peerState: state)
                        results.append((delivery, result))
                        if case .failed = result { break }
                    }
                    return results
                }
                running += 1
            }
            for await finished in group { collect(finished) }
        }
        do {
            try await database.markDelivered(delivered, peerSchemes: peerSchemes)
        } catch {
            logger.error("could not mark deliveries delivered; they will be sent again", metadata: ["error": "\(error)"])
        }
        return due.count
    }

    /// What a batch knows of a peer before sending to it.
    struct PeerState: Sendable {
        let isAllowed: Bool
        let peer: Peer?
    }

    enum Outcome {
        case delivered(status: Int, scheme: Peer.SignatureScheme)
        case refused(status: Int)
        case retry(status: Int?, error: String)
    }

    /// What one attempt came to: delivered (for the caller to record with the
    /// batch), done without delivery (refused for good or not allowed;
    /// recorded), or failed and to be retried (recorded).
    enum AttemptResult {
        case delivered(status: Int, scheme: Peer.SignatureScheme)
        case done
        case failed
    }

    /// Sends one delivery; records a refusal or failure at once and returns
    /// a success for the caller to record.
    func attempt(_ delivery: Delivery, peerState: PeerState) async -> AttemptResult {
        do {
            guard peerState.isAllowed else {
                try await database.failDelivery(id: delivery.id!, error: "this node does not federate with \(delivery.host)", status: nil)
                logger(for: delivery).notice("delivery dropped: peer not allowed")
                return .done
            }
            let peer = peerState.peer
            let first = peer?.signatureScheme ?? .cavage
            var outcome = try await send(delivery, scheme: first)
            if case .refused(let status) = outcome, status == 401 {
                let other: Peer.SignatureScheme = first == .rfc9421 ? .cavage : .rfc9421
                logger(for: delivery).info("peer refused the signature; trying the other scheme", metadata: ["scheme": "\(other.rawValue)"])
                outcome = try await send(delivery, scheme: other)
            }
            if case .delivered(let status, let scheme) = outcome {
                if logger.logLevel <= .debug { logger(for: delivery).debug("delivered", metadata: ["status": "\(status)"]) }
                return .delivered(status: status, scheme: scheme)
            }
            try await record(outcome, for: delivery, peerFailures: peer?.consecutiveFailures ?? 0, logger: logger(for: delivery))
            if case .refused = outcome { return .done }
        } catch {
            let deliveryLogger = logger(for: delivery)
            deliveryLogger.error("delivery attempt failed", metadata: ["error": "\(error)"])
            try? await record(.retry(status: nil, error: "\(error)"), for: delivery, peerFailures: 0, logger: deliveryLogger)
        }
        return .failed
    }

    /// The worker's logger with the delivery's peer, id and attempt, made
    /// only where something is logged (setting the metadata on every
    /// attempt was 2.6 % of a delivery's CPU).
    private func logger(for delivery: Delivery) -> Logger {
        var logger = self.logger
        logger[metadataKey: "peer.host"] = "\(delivery.host)"
        logger[metadataKey: "delivery.id"] = "\(delivery.id ?? 0)"
        logger[metadataKey: "delivery.attempt"] = "\(delivery.attempts + 1)"
        return logger
    }

    private func send(_ delivery: Delivery, scheme: Peer.SignatureScheme) async throws -> Outcome {
        let keys = try await keyring.keys(owner: delivery.signer)
        let signing: RequestSigning = switch scheme {
        case .rfc9421: .rfc9421(keys.ed25519, keyId: LocalActorURLs.ed25519KeyId(delivery.signerActorId))
        case .cavage: .cavage(keys.rsa, keyId: LocalActorURLs.rsaKeyId(delivery.signerActorId))
        }
        do {
            let status = try await client.post(delivery.inbox, body: delivery.body, signing: signing)
            switch status {
            case 200..<300: return .delivered(status: status, scheme: scheme)
            case 408, 429, 500...: return .retry(status: status, error: "the inbox answered \(status)")
            default: return .refused(status: status)
            }
        } catch let error as FederationError where error.code == .forbiddenAddress || error.code == .malformed {
            return .refused(status: 0)
        } catch {
            return .retry(status: nil, error: "\(error)")
        }
    }

    private func record(_ outcome: Outcome, for delivery: Delivery, peerFailures: Int, logger: Logger) async throws {
        let schedule = settings.retrySchedule
        switch outcome {
        case .delivered(let status, let scheme):
            try await database.markDelivered(id: delivery.id!, status: status)
            try await database.recordPeerAttempt(host: delivery.host, succeeded: true, error: nil, pausedUntil: nil, scheme: scheme)
            logger.debug("delivered", metadata: ["status": "\(status)"])
        case .refused(let status):
            // The peer answered: it is up, but will never take this delivery.
            try await database.failDelivery(id: delivery.id!, error: status == 0 ? "the inbox address is not allowed" : "the inbox refused it with \(status)", status: status == 0 ? nil : status)
            try await database.recordPeerAttempt(host: delivery.host, succeeded: true, error: nil, pausedUntil: nil, scheme: nil)
            logger.notice("delivery refused", metadata: ["status": "\(status)"])
        case .retry(let status, let error):
            let failures = delivery.attempts + 1
            if Date().timeIntervalSince(delivery.createdAt) >= schedule.giveUpAfter {
                try await database.failDelivery(id: delivery.id!, error: "gave up after \(failures) attempts: \(error)", status: status)
                logger.warning("delivery given up", metadata: ["error": "\(error)"])
            } else {
                let next = Date().addingTimeInterval(schedule.delay(afterFailures: failures))
                try await database.rescheduleDelivery(id: delivery.id!, nextAttemptAt: next, error: error, status: status)
                logger.info("delivery will be retried", metadata: ["error": "\(error)", "retry.at": "\(next)"])
            }
            let peerFailures = peerFailures + 1
            let pausedUntil = peerFailures >= schedule.pausePeerAfterFailures
                ? Date().addingTimeInterval(schedule.delay(afterFailures: peerFailures - schedule.pausePeerAfterFailures + 1)) : nil
            try await database.recordPeerAttempt(host: delivery.host, succeeded: false, error: error, pausedUntil: pausedUntil, scheme: nil)
        }
    }
}
