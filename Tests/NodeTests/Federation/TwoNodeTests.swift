import AsyncHTTPClient
import Federation
import Foundation
@testable import Node
import NIOHTTP1
import Storage
import Testing

/// Two real nodes on their own loopback addresses, 127.0.0.2 and 127.0.0.3.
@Suite("Two nodes federating", .serialized)
struct TwoNodeTests {
    static func json(_ body: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    @Test("a person on one node finds a person on the other by WebFinger and follows them; the follow is verified, applied and accepted")
    func followAcrossNodes() async throws {
        let a = try await LiveNode.start(host: "127.0.0.2")
        let b = try await LiveNode.start(host: "127.0.0.3")
        defer { Task { await a.stop(); await b.stop() } }
        let (_, aliceToken) = try await a.user("alice")
        let (bob, _) = try await b.user("bob")

        let finger = try await LiveHTTP.request(.GET, "\(b.base)/.well-known/webfinger?resource=acct:bob@\(b.authority)")
        #expect(finger.status == 200)
        #expect(finger.body.contains(b.personId("bob")))

        let follow = try await LiveHTTP.request(.POST, "\(a.base)/api/v1/follows", json: #"{"account":"bob@\#(b.authority)"}"#, token: aliceToken)
        #expect(follow.status == 201, "\(follow.body)")
        #expect(try Self.json(follow.body)["actorId"] as? String == b.personId("bob"))

        try await eventually("B has applied the Follow") {
            try await b.database.followers(of: b.personId("bob")).map(\.follower) == [a.personId("alice")]
        }
        try await eventually("A has applied B's Accept") {
            try await a.database.follow(follower: a.personId("alice"), followee: b.personId("bob"))?.state == .accepted
        }
        let followers = try await LiveHTTP.request(.GET, "\(b.base)/users/bob/followers")
        #expect(followers.body.contains(#""totalItems":1"#))
        // A verified B's Accept with bob's key, and B verified A's Follow with alice's.
        let stored = try #require(try await b.database.receivedActivities(type: "Follow").first)
        #expect(stored.actorId == a.personId("alice"))
        #expect(stored.signatureKeyId.hasPrefix(a.personId("alice")))
        #expect(bob.id != nil)
    }

    @Test("activities are verified in both signature schemes: RFC 9421 Ed25519 between Meent nodes, draft-cavage RSA for the rest")
    func bothSignatureSchemes() async throws {
        let a = try await LiveNode.start()
        let b = try await LiveNode.start()
        defer { Task { await a.stop(); await b.stop() } }
        let (_, carolToken) = try await a.user("carol")
        let (_, daanToken) = try await a.user("daan")
        _ = try await b.user("erik")
        _ = try await b.user("fleur")

        // Meent peers publish Ed25519 keys, so A signs with RFC 9421 by default.
        _ = try await LiveHTTP.request(.POST, "\(a.base)/api/v1/follows", json: #"{"account":"erik@\#(b.authority)"}"#, token: carolToken)
        try await eventually("B applied the RFC 9421 Follow") { try await b.database.followers(of: b.personId("erik")).count == 1 }
        #expect(try await b.database.receivedActivities(type: "Follow").first?.signatureKeyId == LocalActorURLs.ed25519KeyId(a.personId("carol")))

        // A node that remembers the peer as cavage-only signs with RSA.
        try await a.database.setPeerSignatureScheme(host: b.authority, .cavage)
        _ = try await LiveHTTP.request(.POST, "\(a.base)/api/v1/follows", json: #"{"account":"fleur@\#(b.authority)"}"#, token: daanToken)
        try await eventually("B applied the cavage Follow") { try await b.database.followers(of: b.personId("fleur")).count == 1 }
        let keys = try await b.database.receivedActivities(type: "Follow").map(\.signatureKeyId)
        #expect(keys.contains(LocalActorURLs.rsaKeyId(a.personId("daan"))))
    }

    @Test("a profile change reaches the cached copy on the follower's node")
    func profileUpdateFollowsThrough() async throws {
        let a = try await LiveNode.start()
        let b = try await LiveNode.start()
        defer { Task { await a.stop(); await b.stop() } }
        let (_, gijsToken) = try await a.user("gijs")
        let (_, hennyToken) = try await b.user("henny")
        _ = try await LiveHTTP.request(.POST, "\(a.base)/api/v1/follows", json: #"{"account":"henny@\#(b.authority)"}"#, token: gijsToken)
        try await eventually("the follow is accepted") {
            try await a.database.follow(follower: a.personId("gijs"), followee: b.personId("henny"))?.state == .accepted
        }
        #expect(try await a.database.remoteActor(id: b.personId("henny"))?.name == "Henny")

        let patch = try await LiveHTTP.request(.PATCH, "\(b.base)/api/v1/me/profile", json: #"{"displayName":"Henny de Boer"}"#, token: hennyToken)
        #expect(patch.status == 200)
        try await eventually("A's cache shows the new name") {
            try await a.database.remoteActor(id: b.personId("henny"))?.name == "Henny de Boer"
        }
    }

    @Test("an activity for several people on one node is delivered once, to that node's shared inbox")
    func oneDeliveryPerNode() async throws {
        let a = try await LiveNode.start()
        let b = try await LiveNode.start()
        defer { Task { await a.stop(); await b.stop() } }
        let (_, hennyToken) = try await b.user("henny")
        for name in ["joost", "karel", "lotte"] {
            let (_, token) = try await a.user(name)
            _ = try await LiveHTTP.request(.POST, "\(a.base)/api/v1/follows", json: #"{"account":"henny@\#(b.authority)"}"#, token: token)
        }
        try await eventually("henny has three followers") { try await b.database.followers(of: b.personId("henny")).count == 3 }
        let before = try await b.database.deliveries(host: a.authority, limit: 100).count
        _ = try await LiveHTTP.request(.PATCH, "\(b.base)/api/v1/me/profile", json: #"{"jobTitle":"Projectleider"}"#, token: hennyToken)
        let after = try await b.database.deliveries(host: a.authority, limit: 100)
        #expect(after.count == before + 1)
        #expect(after.first?.inbox == "\(a.base)/inbox")
        try await eventually("the update was delivered") { try await b.database.deliveries(host: a.authority, limit: 100).first?.state == .delivered }
    }

    @Test("NodeInfo and the actor documents describe the node")
    func discoveryDocuments() async throws {
        let a = try await LiveNode.start(settings: ["NODE_NAME": "Waterschap Testland"])
        defer { Task { await a.stop() } }
        _ = try await a.user("ilse")
        let links = try await LiveHTTP.request(.GET, "\(a.base)/.well-known/nodeinfo")
        #expect(links.body.contains("\(a.base)/nodeinfo/2.1"))
        let infoBody = try await LiveHTTP.request(.GET, "\(a.base)/nodeinfo/2.1").body
        try SchemaCheck.validate(json: infoBody, schema: "nodeinfo/schema-2.1.json")
        let info = try Self.json(infoBody)
        #expect(info["version"] as? String == "2.1")
        #expect((info["software"] as? [String: Any])?["name"] as? String == "meent")
        #expect((info["protocols"] as? [String]) == ["activitypub"])

        var request = HTTPClientRequest(url: "\(a.base)/users/ilse")
        request.headers.add(name: "Accept", value: "application/activity+json")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        #expect(response.headers.first(name: "Content-Type")?.hasPrefix("application/activity+json") == true)
        let actor = try #require(try JSONSerialization.jsonObject(with: Data(buffer: try await response.body.collect(upTo: 1 << 20))) as? [String: Any])
        #expect(actor["type"] as? String == "Person")
        #expect(actor["inbox"] as? String == "\(a.base)/users/ilse/inbox")
        #expect(((actor["publicKey"] as? [String: Any])?["publicKeyPem"] as? String)?.hasPrefix("-----BEGIN PUBLIC KEY-----") == true)
        let multikey = try #require((actor["assertionMethod"] as? [[String: Any]])?.first)
        #expect((multikey["publicKeyMultibase"] as? String)?.hasPrefix("z6Mk") == true)

        let node = try Self.json(try await LiveHTTP.request(.GET, "\(a.base)/actor").body)
        #expect(node["type"] as? String == "Application")
        let html = try await LiveHTTP.request(.GET, "\(a.base)/users/ilse")
        #expect(html.body.contains("<h1>Ilse</h1>"), "browsers still get the profile page")
    }
}
