import Federation
import Foundation
@testable import Node
import Storage
import Testing

@Suite("Remote fetches and keys")
struct RemoteFetchTests {
    @Test("fetches refuse loopback and private addresses unless the node is configured for local testing")
    func privateAddressesRefused() async throws {
        for address in ["127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.10", "169.254.169.254", "::1", "fd00::1", "0.0.0.0", "::ffff:127.0.0.1"] {
            #expect(AddressPolicy.isPrivate(address), "\(address) is private")
        }
        for address in ["145.97.39.155", "2a00:1450:4001:80b::200e", "8.8.8.8"] {
            #expect(!AddressPolicy.isPrivate(address), "\(address) is public")
        }
        // A node without the test switch will not fetch an actor from loopback, even one that exists.
        let target = try await LiveNode.start()
        defer { Task { await target.stop() } }
        _ = try await target.user("kees")
        let strict = try await TestNode.make(["FEDERATION_MODE": "open"])
        await #expect(throws: FederationError.forbiddenAddress("")) {
            _ = try await strict.services.federation.resolver.actor(id: target.personId("kees"))
        }
        #expect(try await strict.database.remoteActor(id: target.personId("kees")) == nil)
    }

    @Test("fetched documents are size-limited")
    func sizeLimit() async throws {
        let peer = try await FakePeer.start()
        defer { Task { await peer.stop() } }
        let client = FederationClient(settings: FederationSettings(baseURL: "http://127.0.0.1:1", mode: .open, allowsPrivateAddresses: true, softwareVersion: "test"))
        await #expect(throws: FederationError.tooLarge("")) {
            _ = try await client.fetch("http://\(peer.authority)/big") { _ in .unsigned }
        }
        try await client.shutdown()
    }

    @Test("remote data never claims ids on the node's own origin")
    func ownOrigin() async throws {
        let node = try await LiveNode.start()
        defer { Task { await node.stop() } }
        await #expect(throws: FederationError.originMismatch("")) {
            _ = try await node.services.federation.resolver.actor(id: node.personId("anyone"))
        }
    }

    @Test("a rotated key is picked up by fetching the actor again, at most once a minute")
    func keyRotation() async throws {
        let sender = try await LiveNode.start()
        let receiver = try await LiveNode.start()
        defer { Task { await sender.stop(); await receiver.stop() } }
        let (alice, _) = try await sender.user("alice")
        _ = try await receiver.user("bob")
        let owner = "account:\(alice.id!)"
        let actor = sender.personId("alice")
        func follow() throws -> Data {
            try InboxSecurityTests.encode(["@context": "https://www.w3.org/ns/activitystreams", "id": "\(sender.base)/activities/\(UUID())",
                                           "type": "Follow", "actor": actor, "object": receiver.personId("bob")])
        }
        let old = try await sender.services.federation.keyring.keys(owner: owner)
        #expect(try await InboxSecurityTests.post(try follow(), to: "\(receiver.base)/inbox", signer: "alice", keys: old, actorBase: sender.base) == 202)
        let cachedBefore = try #require(try await receiver.database.remoteActor(id: actor)?.ed25519Multibase)

        let new = try await sender.services.federation.keyring.rotate(owner: owner)
        #expect(try await InboxSecurityTests.post(try follow(), to: "\(receiver.base)/inbox", signer: "alice", keys: new, actorBase: sender.base) == 202,
                "the receiver fetched alice again and found her new key")
        #expect(try await receiver.database.remoteActor(id: actor)?.ed25519Multibase != cachedBefore)

        // The old key now fails, and a second refetch within the minute is not made:
        // the cached copy of alice is the one fetched for the rotation.
        let refetchedAt = try #require(try await receiver.database.remoteActor(id: actor)?.fetchedAt)
        #expect(try await InboxSecurityTests.post(try follow(), to: "\(receiver.base)/inbox", signer: "alice", keys: old, actorBase: sender.base) == 401)
        #expect(try await receiver.database.remoteActor(id: actor)?.fetchedAt == refetchedAt, "no second refetch within the minute")
        #expect(try await receiver.database.receivedActivities(type: "Follow").count == 2)
    }

    @Test("a fetched document must be served as ActivityStreams: an upload or a page with JSON in it is not an object (FEP-fe34)")
    func mediaType() async throws {
        let peer = try await FakePeer.start()
        defer { Task { await peer.stop() } }
        var settings = FederationSettings(baseURL: "http://127.0.0.1:1", mode: .open, allowsPrivateAddresses: true, softwareVersion: "test")
        // What is checked is the media type, not the timeout: with the whole
        // suite running in one process on 2 cores, an answer has been seen to
        // take longer than the default 10 s.
        settings.requestTimeout = .seconds(60)
        let client = FederationClient(settings: settings)
        defer { Task { try await client.shutdown() } }
        func fetch(_ type: String) async throws -> FederationClient.Fetched {
            let query = type.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return try await client.fetch("http://\(peer.authority)/typed?type=\(query)") { _ in .unsigned }
        }
        for refused in ["text/html", "application/json", "text/plain", "application/ld+json", "application/octet-stream"] {
            await #expect(throws: FederationError.malformed(""), "\(refused)") { _ = try await fetch(refused) }
        }
        for accepted in ["application/activity+json", "application/activity+json; charset=utf-8",
                         #"application/ld+json; profile="https://www.w3.org/ns/activitystreams""#] {
            #expect(try await fetch(accepted).body.isEmpty == false, "\(accepted)")
        }
    }

    @Test("a document that names another actor of its origin is believed only from that actor's own id (FEP-fe34)")
    func claimedIdFetchedFromItself() async throws {
        let peer = try await FakePeer.start()
        let node = try await LiveNode.start()
        defer { Task { await peer.stop(); await node.stop() } }
        let anna = "http://\(peer.authority)/users/anna"
        // Resolving the upload as an actor gives the real Anna, fetched from her own id, with her own key.
        let resolved = try await node.services.federation.resolver.actor(id: "http://\(peer.authority)/uploads/anna.json")
        #expect(resolved.id == anna)
        #expect(resolved.rsaPublicKeyPEM == "genuine")
        #expect(try await node.database.remoteActor(id: anna)?.rsaPublicKeyPEM == "genuine", "the cache holds Anna's own key")
        // So the upload's key id is not one of Anna's keys.
        await #expect(throws: FederationError.unknownKey("")) {
            _ = try await node.services.federation.resolver.verificationKey(keyId: "http://\(peer.authority)/uploads/anna.json#main-key")
        }
        #expect(try await node.database.remoteActor(id: anna)?.rsaPublicKeyPEM == "genuine")
    }

    @Test("a fetch follows at most three redirects, each one a request")
    func redirectDepth() async throws {
        let peer = try await FakePeer.start()
        defer { Task { await peer.stop() } }
        let client = FederationClient(settings: FederationSettings(baseURL: "http://127.0.0.1:1", mode: .open, allowsPrivateAddresses: true, softwareVersion: "test"))
        defer { Task { try await client.shutdown() } }
        await #expect(throws: FederationError.malformed("")) {
            _ = try await client.fetch("http://\(peer.authority)/hop/0") { _ in .unsigned }
        }
        #expect(peer.hopsRequested == ["/hop/0", "/hop/1", "/hop/2", "/hop/3"])
    }

    @Test("the remote requests for one activity are limited: a spent budget fetches nothing more, redirects included")
    func fetchBudget() async throws {
        let peer = try await FakePeer.start()
        defer { Task { await peer.stop() } }
        let client = FederationClient(settings: FederationSettings(baseURL: "http://127.0.0.1:1", mode: .open, allowsPrivateAddresses: true, softwareVersion: "test"))
        defer { Task { try await client.shutdown() } }
        await #expect(throws: FederationError.fetchLimit("")) {
            try await FetchBudget.limiting(to: 2) { _ = try await client.fetch("http://\(peer.authority)/hop/0") { _ in .unsigned } }
        }
        #expect(peer.hopsRequested == ["/hop/0", "/hop/1"], "the third request is not made")

        // Resolving actors for one activity: two fetches, then the budget is spent; cached actors cost nothing.
        let target = try await LiveNode.start()
        let node = try await LiveNode.start()
        defer { Task { await target.stop(); await node.stop() } }
        for name in ["kees", "jan", "piet"] { _ = try await target.user(name) }
        let resolver = node.services.federation.resolver
        try await FetchBudget.limiting(to: 2) {
            _ = try await resolver.actor(id: target.personId("kees"))
            _ = try await resolver.actor(id: target.personId("jan"))
            await #expect(throws: FederationError.fetchLimit("")) {
                _ = try await resolver.actor(id: target.personId("piet"))
            }
            _ = try await resolver.actor(id: target.personId("kees"))
        }
        #expect(try await node.database.remoteActor(id: target.personId("piet")) == nil)
        // Outside a budget (a person looking someone up) the fetch is made.
        #expect(try await resolver.actor(id: target.personId("piet")).id == target.personId("piet"))
    }
}
