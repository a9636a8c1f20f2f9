import Federation
import Foundation
import NIOHTTP1
@testable import Node
import Storage
import Testing

/// A public group followed from the wider fediverse: a Mastodon-like server
/// that knows nothing of Meent (RSA keys only, plain `Follow`, draft-cavage
/// signatures both ways).
@Suite("Groups and the wider fediverse")
struct FediverseGroupTests {
    @Test("a Mastodon-like server follows a public group: Accept, then Announces of public posts it can use, signed draft-cavage; after Undo nothing more")
    func mastodonFollowsPublicGroup() async throws {
        let api = GroupFederationTests.api
        let a = try await LiveNode.start()
        let peer = try await MastodonLikePeer.start()
        defer { Task { await a.stop(); await peer.stop() } }
        let (_, anna) = try await a.user("anna")
        #expect(try await api(.POST, a, "/groups", #"{"name":"Commons","slug":"commons"}"#, anna).status == 201)
        let groupActor = "\(a.base)/groups/commons"
        let alice = peer.actorId("alice")

        // The peer finds the group as Mastodon does: WebFinger, then the actor, both unsigned.
        let finger = try await LiveHTTP.request(.GET, "\(a.base)/.well-known/webfinger?resource=acct:commons@\(a.authority)")
        #expect(finger.status == 200 && finger.body.contains(groupActor))
        let actor = try await MastodonLikePeer.get(groupActor)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(actor.body.utf8)) as? [String: Any])
        #expect(document["type"] as? String == "Group")
        let inbox = try #require(document["inbox"] as? String)
        #expect((document["publicKey"] as? [String: Any])?["publicKeyPem"] as? String != nil)

        // A plain Follow, signed draft-cavage with the peer's RSA key.
        let followId = "\(peer.base)/activities/follow-1"
        let follow: [String: Any] = ["@context": "https://www.w3.org/ns/activitystreams", "id": followId, "type": "Follow",
                                     "actor": alice, "object": groupActor]
        #expect(try await peer.send(follow, to: inbox, as: "alice", via: a.services.federation.client) == 202)
        try await eventually("the peer receives the group's Accept") {
            peer.received.contains { $0.type == "Accept" && (($0.json["object"] as? [String: Any])?["id"] as? String ?? $0.json["object"] as? String) == followId }
        }
        let accept = try #require(peer.received.first { $0.type == "Accept" })
        #expect(accept.json["actor"] as? String == groupActor)
        #expect(accept.keyId.hasPrefix(groupActor), "signed by the group's own key")

        // Such a follower is a member of the group, listed with its handle.
        let members = GroupFederationTests.items(try await api(.GET, a, "/groups/commons/members", nil, anna))
        #expect(members.contains { ($0["username"] as? String) == "alice@\(peer.authority)" })

        // Anna posts publicly: the peer receives Announces, and the one by id
        // names an object it can fetch without a signature.
        let posted = try await api(.POST, a, "/content", #"{"type":"status","body":"Market on Saturday","group":"commons","access":"public"}"#, anna)
        #expect(posted.status == 201)
        let itemURL = "\(a.base)/content/\(try #require((posted.json as? [String: Any])?["id"] as? Int))"
        try await eventually("the peer receives both Announces of the post") {
            let announces = peer.received.filter { $0.type == "Announce" }
            return announces.contains { $0.json["object"] as? String == itemURL }
                && announces.contains { (($0.json["object"] as? [String: Any])?["object"] as? [String: Any])?["id"] as? String == itemURL }
        }
        let announces = peer.received.filter { $0.type == "Announce" }
        #expect(announces.allSatisfy { $0.json["actor"] as? String == groupActor && $0.keyId.hasPrefix(groupActor) })
        #expect(peer.refused == 0, "every delivery carried a draft-cavage signature the peer verified")
        let embedded = announces.compactMap { ($0.json["object"] as? [String: Any])?["object"] as? [String: Any] }
        #expect(embedded.contains { ($0["content"] as? String)?.contains("Market on Saturday") == true && $0["id"] as? String == itemURL })
        let fetched = try await MastodonLikePeer.get(itemURL)
        #expect(fetched.status == 200)
        let note = try #require(try JSONSerialization.jsonObject(with: Data(fetched.body.utf8)) as? [String: Any])
        #expect(note["type"] as? String == "Note")
        #expect((note["content"] as? String)?.contains("Market on Saturday") == true)
        #expect((note["to"] as? [String])?.contains("https://www.w3.org/ns/activitystreams#Public") == true)

        // Undo of the Follow: the peer leaves, and receives nothing new.
        let undo: [String: Any] = ["@context": "https://www.w3.org/ns/activitystreams", "id": "\(peer.base)/activities/undo-1", "type": "Undo",
                                   "actor": alice, "object": follow]
        #expect(try await peer.send(undo, to: inbox, as: "alice", via: a.services.federation.client) == 202)
        try await eventually("Alice is no longer a member") {
            !GroupFederationTests.items(try await api(.GET, a, "/groups/commons/members", nil, anna))
                .contains { ($0["username"] as? String) == "alice@\(peer.authority)" }
        }
        let receivedBefore = peer.received.count
        let deliveriesBefore = try await a.database.deliveries(host: peer.authority, limit: 1000).count
        #expect(try await api(.POST, a, "/content", #"{"type":"status","body":"After Alice left","group":"commons","access":"public"}"#, anna).status == 201)
        try await Task.sleep(for: .seconds(1))
        #expect(try await a.database.deliveries(host: peer.authority, limit: 1000).count == deliveriesBefore)
        #expect(peer.received.count == receivedBefore)
    }
}
