import Foundation
import Logging
import NIOConcurrencyHelpers
import Storage

/// The accept path of every inbox: checks a signed POST against the security
/// rules and stores the activity durably before the sender is answered.
///
/// In order, cheapest first: size; the envelope (`id`, `type`, `actor`);
/// that actor, activity id and key id share one origin and none claims this
/// node's origin; the federation policy for the actor's node; the signature
/// (RFC 9421 or draft-cavage, digest recomputed over the raw body and
/// covered, freshness window, algorithm taken from the key); that the key
/// belongs to the activity's actor. A failing cached key is fetched again
/// once, rate-limited, to follow key rotation; the fetches for one request
/// are limited by a ``FetchBudget``. Duplicates (same activity id)
/// are acknowledged and not stored again. Nothing is decoded in full here:
/// the worker does that when it applies the activity. Concurrent requests'
/// rows are committed together (see ``InboxWriteBatcher``), each answered
/// after its own row is committed.
public struct InboxReceiver: Sendable {
    let database: NodeDatabase
    let resolver: ActorResolver
    let policy: FederationPolicy
    let settings: FederationSettings
    let verifier: RequestSignatureVerifier
    let writer: InboxWriteBatcher

    public init(database: NodeDatabase, resolver: ActorResolver, policy: FederationPolicy, settings: FederationSettings) {
        self.database = database
        self.resolver = resolver
        self.policy = policy
        self.settings = settings
        self.verifier = RequestSignatureVerifier(policy: SignatureVerificationPolicy(maximumAge: settings.signatureMaximumAge))
        self.writer = InboxWriteBatcher(database: database)
    }

    public enum Outcome: Sendable, Equatable {
        case accepted
        /// Received before; nothing stored again.
        case duplicate
    }

    /// The members of an activity the accept path needs, read with the
    /// one-pass parser (`JSONDecoder` was 2 % of the intake's CPU).
    struct Envelope {
        let id: String
        let type: String
        let actor: String

        /// Nil unless `body` is a JSON object with string `id` and `type` and
        /// an `actor` that is a string or an object with a string `id`.
        init?(parsing body: [UInt8]) {
            guard case .object(let members) = try? JSONValue(parsing: Data(body)),
                let id = members["id"]?.stringValue, let type = members["type"]?.stringValue,
                let actor = members["actor"]?.idValue
            else { return nil }
            self.id = id
            self.actor = actor
            self.type = type
        }
    }

    /// Checks and stores one POSTed activity.
    ///
    /// - Parameters:
    ///   - request: the request as received, with the node's public scheme and
    ///     authority and the raw body bytes.
    ///   - recipient: which inbox received it (`shared`, `account:<id>`).
    /// - Throws: ``FederationError`` or `HTTPSignatureError`; nothing is stored then.
    public func receive(_ request: SignableRequest, recipient: String, now: Date = Date()) async throws -> Outcome {
        guard let body = request.body, !body.isEmpty else { throw FederationError.malformed("the request has no body") }
        guard body.count <= settings.maxDocumentBytes else { throw FederationError.tooLarge("activities are limited to \(settings.maxDocumentBytes) bytes") }
        guard let envelope = Envelope(parsing: body) else {
            throw FederationError.malformed("the body is not an activity with id, type and actor")
        }
        guard let actorOrigin = Origin.parts(of: envelope.actor), let idOrigin = Origin.parts(of: envelope.id) else {
            throw FederationError.malformed("actor and id must be http(s) URLs")
        }
        guard actorOrigin.authority != settings.authority, idOrigin.authority != settings.authority else {
            throw FederationError.originMismatch("remote activities cannot claim this node's origin")
        }
        guard idOrigin == actorOrigin else {
            throw FederationError.originMismatch("the activity id and its actor have different origins")
        }
        let verified = try await policy.cache.readingCountersOnce {
            try await policy.requireAllowed(host: actorOrigin.authority)
            return try await FetchBudget.limiting {
                try await verify(request, origin: actorOrigin, now: now, isDeletion: envelope.type == "Delete")
            }
        }
        guard verified.ownerId == envelope.actor else {
            throw FederationError.keyOwnerMismatch("the request is signed by \(verified.ownerId), not by the activity's actor")
        }
        let stored = try await writer.store(InboxActivity(
            activityId: envelope.id, actorId: envelope.actor, type: envelope.type, recipient: recipient,
            body: Data(body), signatureKeyId: verified.keyId, receivedAt: now))
        return stored ? .accepted : .duplicate
    }

    /// Checks the signature of a signed fetch (a GET with no body) and
    /// returns the actor that signed it, or `nil` for an unsigned request.
    /// A signature that fails to verify is an error, not an anonymous fetch.
    public func verifyFetch(_ request: SignableRequest, now: Date = Date()) async throws -> String? {
        guard request.headers.contains("signature") else { return nil }
        let keyId = try signatureKeyId(request)
        guard let keyOrigin = Origin.parts(of: keyId) else { throw FederationError.malformed("the key id is not a URL") }
        try await policy.requireAllowed(host: keyOrigin.authority)
        return try await FetchBudget.limiting { try await verify(request, origin: keyOrigin, now: now).ownerId }
    }

    /// The key id a request's signature names (RFC 9421 or draft-cavage).
    private func signatureKeyId(_ request: SignableRequest) throws -> String {
        if let input = request.headers["signature-input"], let range = input.range(of: "keyid=\"") {
            let rest = input[range.upperBound...]
            if let end = rest.firstIndex(of: "\"") { return String(rest[..<end]) }
        }
        if let signature = request.headers["signature"], let range = signature.range(of: "keyId=\"") {
            let rest = signature[range.upperBound...]
            if let end = rest.firstIndex(of: "\"") { return String(rest[..<end]) }
        }
        throw FederationError.malformed("the signature names no key")
    }

    /// Verifies the signature; on a key that fails, fetches the actor again once.
    /// A deletion (`isDeletion`) may come from an actor whose node no longer serves it: see
    /// ``ActorResolver/verificationKey(keyId:forceRefresh:allowingDeletedActor:)``.
    /// The key must be on `origin`, the actor's (for a signed fetch, the key id's own).
    private func verify(_ request: SignableRequest, origin: Origin.Parts, now: Date,
                        isDeletion: Bool = false) async throws -> (keyId: String, ownerId: String) {
        do {
            return try await verifyOnce(request, origin: origin, now: now, forceRefresh: false, isDeletion: isDeletion)
        } catch let error as HTTPSignatureError where error == .badSignature {
            return try await verifyOnce(request, origin: origin, now: now, forceRefresh: true)
        } catch let error as FederationError where error.code == .unknownKey {
            return try await verifyOnce(request, origin: origin, now: now, forceRefresh: true)
        }
    }

    private func verifyOnce(_ request: SignableRequest, origin: Origin.Parts, now: Date, forceRefresh: Bool,
                            isDeletion: Bool = false) async throws -> (keyId: String, ownerId: String) {
        let owner = NIOLockedValueBox<String?>(nil)
        let resolver = self.resolver
        let verified = try await verifier.verify(request, now: now) { keyId in
            // The key must come from the actor's own origin: no fetch elsewhere.
            guard Origin.parts(of: keyId) == origin else {
                throw FederationError.originMismatch("the signing key and the actor have different origins")
            }
            let (key, ownerId) = try await resolver.verificationKey(keyId: keyId, forceRefresh: forceRefresh, allowingDeletedActor: isDeletion)
            owner.withLockedValue { $0 = ownerId }
            return key
        }
        guard let ownerId = owner.withLockedValue({ $0 }) else { throw FederationError.unknownKey("no key was resolved") }
        return (verified.keyID, ownerId)
    }
}

/// Groups the durable writes of requests that arrive together into one
/// short transaction (group commit): while one batch is being written, the
/// next requests wait and go in the next batch. Each request is still
/// answered only after the transaction holding its row has committed, so a
/// 202 always means "stored"; a lone request is written at once, alone.
final class InboxWriteBatcher: Sendable {
    private typealias Waiter = (activity: InboxActivity, continuation: CheckedContinuation<Bool, any Error>)
    private struct State {
        var waiting: [Waiter] = []
        var isWriting = false
    }

    /// Rows per transaction at most; a batch this size commits in about a millisecond.
    static let maximumBatch = 256

    private let database: NodeDatabase
    private let state = NIOLockedValueBox(State())

    init(database: NodeDatabase) {
        self.database = database
    }

    /// Stores `activity` durably; true when it was new, false for an activity id already stored.
    func store(_ activity: InboxActivity) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            let startsWriter = state.withLockedValue { state in
                state.waiting.append((activity, continuation))
                guard !state.isWriting else { return false }
                state.isWriting = true
                return true
            }
            if startsWriter { Task { await self.writeUntilDrained() } }
        }
    }

    private func writeUntilDrained() async {
        while true {
            let batch: [Waiter] = state.withLockedValue { state in
                let batch = Array(state.waiting.prefix(Self.maximumBatch))
                state.waiting.removeFirst(batch.count)
                if batch.isEmpty { state.isWriting = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let stored = try await database.storeInboxActivities(batch.map(\.activity))
                for (waiter, isNew) in zip(batch, stored) { waiter.continuation.resume(returning: isNew) }
            } catch {
                // One failing row must not fail its neighbours: write them one by one.
                for waiter in batch {
                    do {
                        waiter.continuation.resume(returning: try await database.storeInboxActivity(waiter.activity))
                    } catch {
                        waiter.continuation.resume(throwing: error)
                    }
                }
            }
        }
    }
}
