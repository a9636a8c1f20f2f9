import Foundation
import Logging
import NIOConcurrencyHelpers
import Storage

/// Finds remote actors and their keys: from the cache when fresh, otherwise
/// with a signed fetch from the actor's home node, applying the origin rules
/// of FEP-fe34 to everything the document claims.
public final class ActorResolver: Sendable {
    let database: NodeDatabase
    let client: FederationClient
    let settings: FederationSettings
    let keyring: LocalKeyring
    let policy: FederationPolicy
    let logger: Logger
    private let lastRefetch = NIOLockedValueBox<[String: Date]>([:])
    /// At most one forced refetch per actor in this interval (key rotation).
    static let refetchInterval: TimeInterval = 60

    public init(database: NodeDatabase, client: FederationClient, settings: FederationSettings, keyring: LocalKeyring,
                policy: FederationPolicy, logger: Logger) {
        self.database = database
        self.client = client
        self.settings = settings
        self.keyring = keyring
        self.policy = policy
        self.logger = logger
    }

    /// The actor with this id, from the cache or fetched from its home node.
    public func actor(id: String, forceRefresh: Bool = false) async throws -> RemoteActor {
        guard let host = Origin.authority(of: id) else { throw FederationError.malformed("actor id is not an http(s) URL") }
        guard host != settings.authority else {
            throw FederationError.originMismatch("\(id) claims this node's own origin")
        }
        if !forceRefresh, let cached = try await policy.cache.remoteActor(id: id),
           Date().timeIntervalSince(cached.fetchedAt) < settings.actorCacheLifetime {
            return cached
        }
        try await policy.requireAllowed(host: host)
        let signing = try await fetchSigning(host: host)
        let fetched = try await client.fetch(id) { _ in signing }
        var actor = try Self.validate(fetched, requestedId: id)
        if actor.id != id {
            // The document names another id of its origin. Believe that only
            // from the actor's own id (FEP-fe34: authenticate by fetching from
            // the origin): otherwise any document a node serves, such as an
            // upload, could stand in for one of its people and their keys.
            let canonical = try await client.fetch(actor.id) { _ in signing }
            let claimed = actor.id
            actor = try Self.validate(canonical, requestedId: claimed)
            guard actor.id == claimed else {
                throw FederationError.originMismatch("\(id) names \(claimed), which names \(actor.id)")
            }
        }
        try await database.saveRemoteActor(actor)
        if actor.ed25519Multibase != nil, try await database.peer(host: host)?.signatureScheme == nil {
            try await database.setPeerSignatureScheme(host: host, .rfc9421)
        }
        return actor
    }

    /// How this node signs its fetches from `host`: RFC 9421 Ed25519 for
    /// peers known to accept it, draft-cavage RSA otherwise.
    func fetchSigning(host: String) async throws -> RequestSigning {
        let keys = try await keyring.keys(owner: SigningKey.nodeOwner)
        let nodeActor = LocalActorURLs(base: settings.baseURL).nodeActor
        if try await database.peer(host: host)?.signatureScheme == .rfc9421 {
            return .rfc9421(keys.ed25519, keyId: LocalActorURLs.ed25519KeyId(nodeActor))
        }
        return .cavage(keys.rsa, keyId: LocalActorURLs.rsaKeyId(nodeActor))
    }

    /// Checks a fetched actor document against the origin rules and maps it
    /// to the cache record.
    static func validate(_ fetched: FederationClient.Fetched, requestedId: String) throws -> RemoteActor {
        let document: ActorDocument
        do {
            document = try JSONDecoder().decode(ActorDocument.self, from: fetched.body)
        } catch {
            throw FederationError.malformed("\(requestedId) is not an actor document")
        }
        guard document.id == requestedId || (Origin.same(document.id, fetched.url) && Origin.same(document.id, requestedId)) else {
            throw FederationError.originMismatch("fetched \(requestedId) but the document is \(document.id)")
        }
        guard Origin.same(document.id, fetched.url) else {
            throw FederationError.originMismatch("\(document.id) was served from another origin")
        }
        guard Origin.same(document.inbox, document.id) else {
            throw FederationError.originMismatch("the inbox of \(document.id) is on another origin")
        }
        let sharedInbox = document.endpoints?.sharedInbox.flatMap { Origin.same($0, document.id) ? $0 : nil }
        var rsaKeyId: String?, rsaPEM: String?
        if let key = document.publicKey, key.owner == document.id, Origin.same(key.id, document.id) {
            rsaKeyId = key.id
            rsaPEM = key.publicKeyPem
        }
        let multikey = document.assertionMethod?.first { key in
            key.controller == document.id && Origin.same(key.id, document.id) && key.publicKeyMultibase.hasPrefix("z6Mk")
        }
        return RemoteActor(
            id: document.id, type: document.type, host: Origin.authority(of: document.id) ?? "",
            preferredUsername: document.preferredUsername, name: document.name, summary: document.summary,
            inbox: document.inbox, sharedInbox: sharedInbox, rsaKeyId: rsaKeyId, rsaPublicKeyPEM: rsaPEM,
            ed25519KeyId: multikey?.id, ed25519Multibase: multikey?.publicKeyMultibase,
            document: fetched.body, fetchedAt: Date())
    }

    /// The public key `keyId` names and the actor that owns it.
    ///
    /// The key's document is the actor (the key id without its fragment); the
    /// key must be listed there with that actor as owner or controller. With
    /// `forceRefresh`, the actor is fetched again (at most once a minute per
    /// actor) to pick up a rotated key. With `allowingDeletedActor` (for a
    /// `Delete`), an actor whose cached copy is stale and whose node now
    /// answers 404 or 410 is checked against the key cached for it: a
    /// deleted actor signs its own deletion with the key it had.
    public func verificationKey(keyId: String, forceRefresh: Bool = false,
                                allowingDeletedActor: Bool = false) async throws -> (key: MessageVerificationKey, ownerId: String) {
        guard let actorId = Origin.removingFragment(of: keyId) else { throw FederationError.malformed("keyId is not a URL") }
        var refresh = false
        if forceRefresh {
            let now = Date()
            refresh = lastRefetch.withLockedValue { table in
                if let last = table[actorId], now.timeIntervalSince(last) < Self.refetchInterval { return false }
                table[actorId] = now
                if table.count > 10_000 { table = [actorId: now] }
                return true
            }
            if !refresh { throw FederationError.unknownKey("key \(keyId) was refetched recently") }
        }
        let actor: RemoteActor
        do {
            actor = try await self.actor(id: actorId, forceRefresh: refresh)
        } catch let error as FederationError where allowingDeletedActor && !refresh && (error.code == .gone || error.code == .notFound) {
            guard let cached = try await database.remoteActor(id: actorId) else { throw error }
            actor = cached
        }
        if keyId == actor.ed25519KeyId, let multibase = actor.ed25519Multibase {
            return (try policy.cache.verificationKey(encoded: multibase) { try MessageVerificationKey(multibase: $0) }, actor.id)
        }
        if keyId == actor.rsaKeyId, let pem = actor.rsaPublicKeyPEM {
            return (try policy.cache.verificationKey(encoded: pem) { try MessageVerificationKey(pemRepresentation: $0, algorithm: .rsaV1_5SHA256) }, actor.id)
        }
        throw FederationError.unknownKey("\(actor.id) lists no key \(keyId)")
    }
}
