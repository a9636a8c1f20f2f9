import Federation
import Foundation
import NIOHTTP1
@testable import Node
import Storage
import Testing

/// The group's home node decides what enters a group: activities that break
/// its rules are stored (they were validly signed) but change nothing.
@Suite("Group inbox rules")
struct GroupInboxSecurityTests {
    /// Posts `activity` to `inbox`, signed with the keys of `username` on `node`.
    static func send(_ activity: [String: Any], to inbox: String, from node: LiveNode, as username: String) async throws -> Int {
        let account = try #require(try await node.database.account(username: username))
        let keys = try await node.services.federation.keyring.keys(owner: "account:\(account.id!)")
        let body = try JSONSerialization.data(withJSONObject: activity, options: [.sortedKeys, .withoutEscapingSlashes])
        return try await node.services.federation.client.post(inbox, body: body,
                                                              signing: .rfc9421(keys.ed25519, keyId: LocalActorURLs.ed25519KeyId(node.personId(username))))
    }

    @Test("posts by non-members, edits and deletions by others, and announces by anyone but the group change nothing")
    func rulesHold() async throws {
        let a = try await LiveNode.start()
        let b = try await LiveNode.start()
        let c = try await LiveNode.start()
        defer { Task { await a.stop(); await b.stop(); await c.stop() } }
        let (_, anna) = try await a.user("anna")
        let (_, bob) = try await b.user("bob")
        _ = try await c.user("carl")
        let api = GroupFederationTests.api
        #expect(try await api(.POST, a, "/groups", #"{"name":"Dikes","slug":"dikes"}"#, anna).status == 201)
        let slug = "dikes@\(a.authority)"
        #expect(try await api(.POST, b, "/groups/lookup", #"{"group":"\#(slug)"}"#, bob).status == 200)
        #expect(try await api(.POST, b, "/groups/\(slug)/join", nil, bob).status == 200)
        try await eventually("Bob is a member") {
            ((try await api(.GET, b, "/groups/\(slug)", nil, bob).json as? [String: Any])?["membership"] as? [String: Any])?["state"] as? String == "member"
        }
        let posted = try await api(.POST, a, "/content", #"{"type":"status","body":"Anna's post","group":"dikes"}"#, anna)
        let annaItem = "\(a.base)/content/\(try #require((posted.json as? [String: Any])?["id"] as? Int))"
        let bobPost = try await api(.POST, b, "/content", #"{"type":"status","body":"Bob's post","group":"\#(slug)"}"#, bob)
        let bobItem = "\(b.base)/content/\(try #require((bobPost.json as? [String: Any])?["id"] as? Int))"
        try await eventually("A has Bob's post and B has Anna's") {
            let onA = try await a.database.contentItem(apId: bobItem)
            let onB = try await b.database.contentItem(apId: annaItem)
            return onA != nil && onB != nil
        }
        let group = "\(a.base)/groups/dikes"
        let carl = c.personId("carl")
        let before = try await a.database.receivedActivities(type: "Create", limit: 100).count

        // Carl of node C, not a member, posts into the group.
        let note: [String: Any] = ["id": "\(c.base)/content/900", "type": "Note", "attributedTo": carl, "content": "<p>spam</p>",
                                   "audience": group, "to": [group]]
        #expect(try await Self.send(["@context": "https://www.w3.org/ns/activitystreams", "id": "\(c.base)/activities/1", "type": "Create",
                                     "actor": carl, "object": note, "audience": group, "to": [group]],
                                    to: "\(a.base)/inbox", from: c, as: "carl") == 202)
        // Carl rewrites Bob's post, deletes Anna's post and likes it (none of which is his to do).
        #expect(try await Self.send(["id": "\(c.base)/activities/2", "type": "Update", "actor": carl, "audience": group,
                                     "object": ["id": bobItem, "type": "Note", "attributedTo": carl, "content": "<p>rewritten</p>", "audience": group]],
                                    to: "\(a.base)/inbox", from: c, as: "carl") == 202)
        #expect(try await Self.send(["id": "\(c.base)/activities/3", "type": "Delete", "actor": carl, "object": annaItem, "audience": group],
                                    to: "\(a.base)/inbox", from: c, as: "carl") == 202)
        #expect(try await Self.send(["id": "\(c.base)/activities/4", "type": "Like", "actor": carl, "object": annaItem],
                                    to: "\(a.base)/inbox", from: c, as: "carl") == 202)
        // Carl, pretending to be the group, announces a post to Bob's node.
        #expect(try await Self.send(["id": "\(c.base)/activities/5", "type": "Announce", "actor": carl, "audience": group,
                                     "object": ["id": "\(c.base)/activities/6", "type": "Create", "actor": carl, "object": note]],
                                    to: "\(b.base)/inbox", from: c, as: "carl") == 202)
        // Bob, a member, claims an item on Anna's node's origin as his own.
        #expect(try await Self.send(["id": "\(b.base)/activities/forged", "type": "Create", "actor": b.personId("bob"), "audience": group, "to": [group],
                                     "object": ["id": "\(a.base)/content/999", "type": "Note", "attributedTo": b.personId("bob"),
                                                "content": "<p>mine now</p>", "audience": group]],
                                    to: "\(a.base)/inbox", from: b, as: "bob") == 202)

        try await eventually("A and B handled all six") {
            let onA = try await a.database.receivedActivities(type: "Create", limit: 100).count
                + (try await a.database.receivedActivities(type: "Update", limit: 100).count)
                + (try await a.database.receivedActivities(type: "Delete", limit: 100).count)
                + (try await a.database.receivedActivities(type: "Like", limit: 100).count)
            let pendingA = try await a.database.pendingInboxActivities(limit: 1).isEmpty
            let pendingB = try await b.database.pendingInboxActivities(limit: 1).isEmpty
            return onA >= before + 5 && pendingA && pendingB
        }
        #expect(try await a.database.contentItem(apId: "\(c.base)/content/900") == nil)
        #expect(try await b.database.contentItem(apId: "\(c.base)/content/900") == nil)
        #expect(try await a.database.contentItem(apId: bobItem)?.body == "Bob's post")
        #expect(try await a.database.contentItem(apId: "\(a.base)/content/999") == nil)
        let annaId = try #require(Int64(annaItem.split(separator: "/").last.map(String.init) ?? ""))
        let annaAccount = try #require(try await a.database.account(username: "anna"))
        let annaRow = try #require(try await a.database.content(id: annaId, viewerId: annaAccount.id), "Anna's post is still there")
        #expect(annaRow.likeCount == 0)
        #expect(try await a.database.account(actorId: carl) == nil, "a non-member leaves no trace in the group")
        for type in ["Create", "Update", "Delete", "Like"] {
            let carls = try await a.database.receivedActivities(type: type, limit: 100).filter { $0.actorId == carl }
            #expect(carls.allSatisfy { $0.state == .ignored }, "\(type) by a non-member is ignored")
        }
    }

    @Test("a member who leaves between two posts applied in one batch gets no announce of the second")
    func leaveWithinOneBatch() async throws {
        let a = try await LiveNode.start()
        let b = try await LiveNode.start()
        let c = try await LiveNode.start()
        defer { Task { await a.stop(); await b.stop(); await c.stop() } }
        let (_, anna) = try await a.user("anna")
        let (_, bob) = try await b.user("bob")
        let (_, carl) = try await c.user("carl")
        let api = GroupFederationTests.api
        #expect(try await api(.POST, a, "/groups", #"{"name":"Levees","slug":"levees"}"#, anna).status == 201)
        let slug = "levees@\(a.authority)"
        for (node, token) in [(b, bob), (c, carl)] {
            #expect(try await api(.POST, node, "/groups/lookup", #"{"group":"\#(slug)"}"#, token).status == 200)
            #expect(try await api(.POST, node, "/groups/\(slug)/join", nil, token).status == 200)
        }
        let groupRow = try #require(try await a.database.group(slug: "levees"))
        try await eventually("Bob and Carl are members on A") { try await a.database.remoteMembers(groupId: groupRow.id!).count == 2 }
        let group = "\(a.base)/groups/levees"
        let bobId = b.personId("bob"), carlId = c.personId("carl")
        func create(_ n: Int) -> InboxActivity {
            let note: [String: Any] = ["id": "\(b.base)/content/\(900 + n)", "type": "Note", "attributedTo": bobId,
                                       "content": "<p>post \(n)</p>", "audience": group, "to": [group]]
            let activity: [String: Any] = ["@context": "https://www.w3.org/ns/activitystreams", "id": "\(b.base)/activities/batch-\(n)",
                                           "type": "Create", "actor": bobId, "object": note, "audience": group, "to": [group]]
            return InboxActivity(activityId: "\(b.base)/activities/batch-\(n)", actorId: bobId, type: "Create", recipient: "shared",
                                 body: try! JSONSerialization.data(withJSONObject: activity), signatureKeyId: LocalActorURLs.ed25519KeyId(bobId))
        }
        let leave: [String: Any] = ["id": "\(c.base)/activities/leave", "type": "Undo", "actor": carlId,
                                    "object": ["type": "Follow", "actor": carlId, "object": group]]
        let undo = InboxActivity(activityId: "\(c.base)/activities/leave", actorId: carlId, type: "Undo", recipient: "shared",
                                 body: try JSONSerialization.data(withJSONObject: leave), signatureKeyId: LocalActorURLs.ed25519KeyId(carlId))
        // Stored in one transaction, so the inbox worker takes all three in one batch.
        #expect(try await a.database.storeInboxActivities([create(1), undo, create(2)]) == [true, true, true])
        try await eventually("A applied all three") { try await a.database.pendingInboxActivities(limit: 1).isEmpty }
        #expect(try await a.database.remoteMembers(groupId: groupRow.id!).count == 1, "Carl left")
        #expect(try await a.database.contentItem(apId: "\(b.base)/content/901") != nil)
        #expect(try await a.database.contentItem(apId: "\(b.base)/content/902") != nil)
        let toCarl = try await a.database.deliveries(host: c.authority, limit: 1000).map { String(decoding: $0.body, as: UTF8.self) }
        #expect(toCarl.contains { $0.contains("batch-1") }, "the first post, before Carl left, was announced to his node")
        #expect(!toCarl.contains { $0.contains("batch-2") }, "the second post, after Carl left, was not announced to his node")
    }
}
