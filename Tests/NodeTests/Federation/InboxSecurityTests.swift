import AsyncHTTPClient
import Federation
import Foundation
@testable import Node
import NIOCore
import NIOHTTP1
import Storage
import Testing

/// Forged and altered requests against a real inbox: each is refused and
/// nothing is stored. The sender is a real node, so the inbox can fetch the
/// sender's actor documents and keys as it would in production.
@Suite("Inbox security rules")
struct InboxSecurityTests {
    enum Scheme { case rfc9421, cavage }

    /// A pair of live nodes: `sender` hosts the signing actors, `receiver` the inbox under test.
    struct Pair {
        let sender: LiveNode
        let receiver: LiveNode
        let alice: Account

        static func make() async throws -> Pair {
            let sender = try await LiveNode.start()
            let receiver = try await LiveNode.start()
            let (alice, _) = try await sender.user("alice")
            _ = try await sender.user("mallory")
            _ = try await receiver.user("bob")
            return Pair(sender: sender, receiver: receiver, alice: alice)
        }

        func stop() async {
            await sender.stop()
            await receiver.stop()
        }

        func keys(_ username: String) async throws -> LocalKeyring.Keys {
            let account = try #require(try await sender.database.account(username: username))
            return try await sender.services.federation.keyring.keys(owner: "account:\(account.id!)")
        }

        func follow(from actor: String, id: String? = nil) -> [String: Any] {
            ["@context": "https://www.w3.org/ns/activitystreams", "id": id ?? "\(sender.base)/activities/\(UUID().uuidString)",
             "type": "Follow", "actor": actor, "object": receiver.personId("bob")]
        }

        var inbox: String { "\(receiver.base)/inbox" }

        func storedCount() async throws -> Int { try await receiver.database.receivedActivities(type: "Follow").count }
    }

    /// Signs and POSTs `body`; `alter` changes the request after signing.
    static func post(_ body: Data, to inbox: String, signer username: String, keys: LocalKeyring.Keys, actorBase: String,
                     scheme: Scheme = .rfc9421, created: Date = Date(), algorithmOverride: String? = nil,
                     alter: (inout SignableRequest) -> Void = { _ in }) async throws -> Int {
        var request = try SignableRequest(method: "POST", url: inbox, headers: ["Content-Type": "application/activity+json"], body: Array(body))
        let actor = "\(actorBase)/users/\(username)"
        switch scheme {
        case .rfc9421:
            try HTTPMessageSigner(key: keys.ed25519, keyID: LocalActorURLs.ed25519KeyId(actor)).sign(&request, created: created)
        case .cavage:
            try CavageSigner(key: keys.rsa, keyID: LocalActorURLs.rsaKeyId(actor)).sign(&request, date: created)
        }
        if let algorithmOverride, let input = request.headers["Signature-Input"] {
            request.headers.replaceValues(named: "Signature-Input", with: input.replacingOccurrences(of: "alg=\"ed25519\"", with: "alg=\"\(algorithmOverride)\""))
        }
        alter(&request)
        var http = HTTPClientRequest(url: inbox)
        http.method = .POST
        for field in request.headers.fields where field.name.lowercased() != "host" { http.headers.add(name: field.name, value: field.value) }
        http.body = .bytes(ByteBuffer(bytes: request.body ?? []))
        let response = try await HTTPClient.shared.execute(http, timeout: .seconds(60))
        return Int(response.status.code)
    }

    static func encode(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    @Test("a correctly signed activity is accepted in both schemes and stored once")
    func accepted() async throws {
        let pair = try await Pair.make()
        defer { Task { await pair.stop() } }
        let keys = try await pair.keys("alice")
        let actor = pair.sender.personId("alice")
        let first = try Self.encode(pair.follow(from: actor))
        #expect(try await Self.post(first, to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base) == 202)
        let second = try Self.encode(pair.follow(from: actor))
        #expect(try await Self.post(second, to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base, scheme: .cavage) == 202)
        #expect(try await pair.storedCount() == 2)
    }

    @Test("a replayed activity is acknowledged but not stored or applied again")
    func replay() async throws {
        let pair = try await Pair.make()
        defer { Task { await pair.stop() } }
        let keys = try await pair.keys("alice")
        let body = try Self.encode(pair.follow(from: pair.sender.personId("alice")))
        #expect(try await Self.post(body, to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base) == 202)
        #expect(try await Self.post(body, to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base) == 202)
        #expect(try await pair.storedCount() == 1)
        try await eventually("the follow is applied") { try await pair.receiver.database.followers(of: pair.receiver.personId("bob")).count == 1 }
        #expect(try await pair.receiver.database.followers(of: pair.receiver.personId("bob")).count == 1)
    }

    @Test("a request signed by another actor's key is refused")
    func wrongKeyOwner() async throws {
        let pair = try await Pair.make()
        defer { Task { await pair.stop() } }
        // Mallory signs an activity that claims to be Alice's.
        let body = try Self.encode(pair.follow(from: pair.sender.personId("alice")))
        let status = try await Self.post(body, to: pair.inbox, signer: "mallory", keys: try await pair.keys("mallory"), actorBase: pair.sender.base)
        #expect(status == 401)
        #expect(try await pair.storedCount() == 0)
    }

    @Test("an actor on another origin than the activity id or the key is refused")
    func crossOrigin() async throws {
        let pair = try await Pair.make()
        defer { Task { await pair.stop() } }
        let keys = try await pair.keys("alice")
        let otherOrigin = "http://127.0.99.1:8080"
        let foreignId = try Self.encode(pair.follow(from: pair.sender.personId("alice"), id: "\(otherOrigin)/activities/1"))
        #expect(try await Self.post(foreignId, to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base) == 403)
        let foreignActor = try Self.encode(pair.follow(from: "\(otherOrigin)/users/alice", id: "\(otherOrigin)/activities/2"))
        // Signed with a key from the sender's origin for an actor elsewhere: the key is not even fetched.
        #expect(try await Self.post(foreignActor, to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base) == 403)
        let ownOrigin = try Self.encode(pair.follow(from: pair.receiver.personId("bob"), id: "\(pair.receiver.base)/activities/3"))
        #expect(try await Self.post(ownOrigin, to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base) == 403)
        #expect(try await pair.storedCount() == 0)
    }

    @Test("a body changed after signing is refused: the digest is recomputed over the raw bytes")
    func tamperedBody() async throws {
        let pair = try await Pair.make()
        defer { Task { await pair.stop() } }
        let keys = try await pair.keys("alice")
        let body = try Self.encode(pair.follow(from: pair.sender.personId("alice")))
        for scheme in [Scheme.rfc9421, .cavage] {
            let status = try await Self.post(body, to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base, scheme: scheme) { request in
                request.body = Array(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "bob", with: "bib").utf8)
            }
            #expect(status == 401)
        }
        #expect(try await pair.storedCount() == 0)
    }

    @Test("a stale signature is refused")
    func staleSignature() async throws {
        let pair = try await Pair.make()
        defer { Task { await pair.stop() } }
        let keys = try await pair.keys("alice")
        let body = try Self.encode(pair.follow(from: pair.sender.personId("alice")))
        let twoHoursAgo = Date().addingTimeInterval(-7200)
        #expect(try await Self.post(body, to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base, created: twoHoursAgo) == 401)
        #expect(try await Self.post(body, to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base, scheme: .cavage, created: twoHoursAgo) == 401)
        #expect(try await pair.storedCount() == 0)
    }

    @Test("the algorithm comes from the key: a header naming another algorithm is refused")
    func algorithmFromKey() async throws {
        let pair = try await Pair.make()
        defer { Task { await pair.stop() } }
        let body = try Self.encode(pair.follow(from: pair.sender.personId("alice")))
        let status = try await Self.post(body, to: pair.inbox, signer: "alice", keys: try await pair.keys("alice"), actorBase: pair.sender.base,
                                         algorithmOverride: "rsa-v1_5-sha256")
        #expect(status == 401)
        #expect(try await pair.storedCount() == 0)
    }

    @Test("objects are changed only by their owner: an actor cannot delete or update another actor")
    func ownerOnly() async throws {
        let pair = try await Pair.make()
        defer { Task { await pair.stop() } }
        let keys = try await pair.keys("mallory")
        let alice = pair.sender.personId("alice")
        // The receiver knows alice.
        _ = try await pair.receiver.services.federation.resolver.actor(id: alice)
        for type in ["Delete", "Update"] {
            let forged = try Self.encode(["@context": "https://www.w3.org/ns/activitystreams", "id": "\(pair.sender.base)/activities/\(UUID())",
                                          "type": type, "actor": pair.sender.personId("mallory"), "object": alice])
            #expect(try await Self.post(forged, to: pair.inbox, signer: "mallory", keys: keys, actorBase: pair.sender.base) == 202)
        }
        try await eventually("both were handled") {
            let handled = try await pair.receiver.database.receivedActivities(type: "Delete") + pair.receiver.database.receivedActivities(type: "Update")
            return handled.count == 2 && handled.allSatisfy { $0.state != .pending }
        }
        let handled = try await pair.receiver.database.receivedActivities(type: "Delete") + pair.receiver.database.receivedActivities(type: "Update")
        #expect(handled.allSatisfy { $0.state == .ignored })
        #expect(try await pair.receiver.database.remoteActor(id: alice) != nil, "alice's cached profile is untouched")
    }

    @Test("an unsigned activity is refused")
    func unsigned() async throws {
        let pair = try await Pair.make()
        defer { Task { await pair.stop() } }
        let body = try Self.encode(pair.follow(from: pair.sender.personId("alice")))
        let status = try await Self.post(body, to: pair.inbox, signer: "alice", keys: try await pair.keys("alice"), actorBase: pair.sender.base) { request in
            request.headers.removeAll(named: "Signature")
            request.headers.removeAll(named: "Signature-Input")
        }
        #expect(status == 401)
        #expect(try await pair.storedCount() == 0)
    }

    @Test("an oversize body is refused with 413")
    func oversize() async throws {
        let pair = try await Pair.make()
        defer { Task { await pair.stop() } }
        var follow = pair.follow(from: pair.sender.personId("alice"))
        follow["padding"] = String(repeating: "x", count: 1_100_000)
        let status = try await Self.post(try Self.encode(follow), to: pair.inbox, signer: "alice", keys: try await pair.keys("alice"), actorBase: pair.sender.base)
        #expect(status == 413)
        #expect(try await pair.storedCount() == 0)
    }

    @Test("a blocked peer, or an unlisted one in allowlist mode, is refused")
    func policy() async throws {
        let pair = try await Pair.make()
        defer { Task { await pair.stop() } }
        let keys = try await pair.keys("alice")
        try await pair.receiver.database.setPeerPolicy(host: pair.sender.authority, .blocked)
        let body = try Self.encode(pair.follow(from: pair.sender.personId("alice")))
        #expect(try await Self.post(body, to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base) == 403)

        let strict = try await LiveNode.start(settings: ["FEDERATION_MODE": "allowlist"])
        defer { Task { await strict.stop() } }
        _ = try await strict.user("bob")
        let toStrict = try Self.encode(["@context": "https://www.w3.org/ns/activitystreams", "id": "\(pair.sender.base)/activities/\(UUID())",
                                        "type": "Follow", "actor": pair.sender.personId("alice"), "object": strict.personId("bob")])
        #expect(try await Self.post(toStrict, to: "\(strict.base)/inbox", signer: "alice", keys: keys, actorBase: pair.sender.base) == 403)
        try await strict.database.setPeerPolicy(host: pair.sender.authority, .allowed)
        #expect(try await Self.post(toStrict, to: "\(strict.base)/inbox", signer: "alice", keys: keys, actorBase: pair.sender.base) == 202)
        #expect(try await pair.storedCount() == 0)
    }
}
