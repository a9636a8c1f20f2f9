import Foundation
import GRDB
@testable import Federation
@testable import Node
@testable import Storage
import Testing

/// The inbox worker writes a run of activities together; each must still be
/// applied once, in arrival order, seeing what the ones before it did, and
/// one that cannot be written must fail alone.
@Suite("Inbox batches")
struct InboxBatchTests {
    /// A group `slug` on a new node A with Bob of node B as a member, and a
    /// node C whose Carl is not in it.
    struct Setup {
        let a: LiveNode, b: LiveNode, c: LiveNode
        let groupId: Int64
        let group: String

        static func make(_ slug: String) async throws -> Setup {
            let a = try await LiveNode.start()
            let b = try await LiveNode.start()
            let c = try await LiveNode.start()
            let (_, anna) = try await a.user("anna")
            let (_, bob) = try await b.user("bob")
            _ = try await c.user("carl")
            let api = GroupFederationTests.api
            #expect(try await api(.POST, a, "/groups", #"{"name":"Polders","slug":"\#(slug)"}"#, anna).status == 201)
            let handle = "\(slug)@\(a.authority)"
            #expect(try await api(.POST, b, "/groups/lookup", #"{"group":"\#(handle)"}"#, bob).status == 200)
            #expect(try await api(.POST, b, "/groups/\(handle)/join", nil, bob).status == 200)
            let groupRow = try #require(try await a.database.group(slug: slug))
            try await eventually("Bob is a member on A") { try await a.database.remoteMembers(groupId: groupRow.id!).count == 1 }
            return Setup(a: a, b: b, c: c, groupId: groupRow.id!, group: "\(a.base)/groups/\(slug)")
        }

        func stop() async {
            await a.stop(); await b.stop(); await c.stop()
        }

        /// A `Create` of a note by `username` of `node`, as A's inbox stores it after verifying it.
        func create(_ name: String, by username: String, of node: LiveNode, object: String? = nil, content: String? = nil,
                    inReplyTo: String? = nil) throws -> InboxActivity {
            let actor = node.personId(username)
            var note: [String: Any] = ["id": object ?? "\(node.base)/content/\(name)", "type": "Note", "attributedTo": actor,
                                       "content": "<p>\(content ?? name)</p>", "audience": group, "to": [group]]
            if let inReplyTo { note["inReplyTo"] = inReplyTo }
            return try stored(["id": "\(node.base)/activities/\(name)", "type": "Create", "actor": actor, "object": note,
                               "audience": group, "to": [group]], by: actor)
        }

        func stored(_ activity: [String: Any], by actor: String) throws -> InboxActivity {
            var activity = activity
            activity["@context"] = "https://www.w3.org/ns/activitystreams"
            return InboxActivity(activityId: activity["id"] as! String, actorId: actor, type: activity["type"] as! String, recipient: "shared",
                                 body: try JSONSerialization.data(withJSONObject: activity), signatureKeyId: LocalActorURLs.ed25519KeyId(actor))
        }

        /// Stores `activities` in one transaction (so the worker takes them in
        /// one batch) and waits until A applied them; their states, in order.
        func storeAndApply(_ activities: [InboxActivity]) async throws -> [InboxActivity.State] {
            #expect(try await a.database.storeInboxActivities(activities) == activities.map { _ in true })
            try await eventually("A applied them") { try await a.database.pendingInboxActivities(limit: 1).isEmpty }
            var states: [InboxActivity.State] = []
            for activity in activities { states.append(try #require(try await a.database.inboxActivity(activityId: activity.activityId)).state) }
            return states
        }

        /// Announces queued on A for `node` that carry `text`.
        func announces(to node: LiveNode, carrying text: String) async throws -> Int {
            try await a.database.deliveries(host: node.authority, limit: 10_000)
                .filter { String(decoding: $0.body, as: UTF8.self).contains(text) }.count
        }
    }

    @Test("a post, a reply to it and the post again, stored together, are applied in order: the reply threaded, the post edited")
    func replyToPostOfSameBatch() async throws {
        let setup = try await Setup.make("batch-replies")
        defer { Task { await setup.stop() } }
        let b = setup.b
        let post = "\(b.base)/content/first"
        let states = try await setup.storeAndApply([
            try setup.create("first", by: "bob", of: b),
            try setup.create("reply", by: "bob", of: b, inReplyTo: post),
            try setup.create("first-again", by: "bob", of: b, object: post, content: "first, edited"),
            try setup.create("other", by: "bob", of: b),
        ])
        #expect(states == [.applied, .applied, .applied, .applied])
        let a = setup.a.database
        let parent = try #require(try await a.contentItem(apId: post))
        let reply = try #require(try await a.contentItem(apId: "\(b.base)/content/reply"))
        #expect(reply.parentId == parent.id, "the reply hangs under the post written just before it")
        #expect(parent.body.contains("first, edited"), "the second Create of the post updated it")
        #expect(try await a.contentItem(apId: "\(b.base)/content/other") != nil)
        #expect(try await setup.announces(to: b, carrying: "/activities/reply") == 1, "B's node got the reply announced once")
    }

    @Test("a backlog of posts larger than one batch is applied in full, a reply among them threaded under a post of the batch before")
    func backlogOverSeveralBatches() async throws {
        let setup = try await Setup.make("batch-backlog")
        defer { Task { await setup.stop() } }
        let b = setup.b
        var activities: [InboxActivity] = []
        for n in 0..<(InboxWorker.batchSize + 60) {
            let post = n == InboxWorker.batchSize + 20 ? "\(b.base)/content/post-10" : nil
            activities.append(try setup.create("post-\(n)", by: "bob", of: b, inReplyTo: post))
        }
        let states = try await setup.storeAndApply(activities)
        #expect(states.allSatisfy { $0 == .applied })
        let parent = try #require(try await setup.a.database.contentItem(apId: "\(b.base)/content/post-10"))
        let reply = try #require(try await setup.a.database.contentItem(apId: "\(b.base)/content/post-\(InboxWorker.batchSize + 20)"))
        #expect(reply.parentId == parent.id)
        #expect(try await setup.announces(to: b, carrying: "/content/post-") == activities.count, "one announce of each post")
    }

    @Test("a person who joins, posts, leaves and posts again within one batch has only the post made as a member applied")
    func joinPostLeavePost() async throws {
        let setup = try await Setup.make("batch-members")
        defer { Task { await setup.stop() } }
        let (b, c) = (setup.b, setup.c)
        let carl = c.personId("carl")
        let follow: [String: Any] = ["id": "\(c.base)/activities/join", "type": "Follow", "actor": carl, "object": setup.group]
        let states = try await setup.storeAndApply([
            try setup.create("before-joining", by: "carl", of: c),
            try setup.create("bob-1", by: "bob", of: b),
            try setup.stored(follow, by: carl),
            try setup.create("as-member", by: "carl", of: c),
            try setup.stored(["id": "\(c.base)/activities/leave", "type": "Undo", "actor": carl, "object": follow], by: carl),
            try setup.create("after-leaving", by: "carl", of: c),
            try setup.create("bob-2", by: "bob", of: b),
        ])
        #expect(states == [.ignored, .applied, .applied, .applied, .applied, .ignored, .applied])
        let a = setup.a.database
        #expect(try await a.contentItem(apId: "\(c.base)/content/before-joining") == nil)
        #expect(try await a.contentItem(apId: "\(c.base)/content/as-member") != nil)
        #expect(try await a.contentItem(apId: "\(c.base)/content/after-leaving") == nil)
        #expect(try await a.remoteMembers(groupId: setup.groupId).compactMap(\.actorId) == [b.personId("bob")], "Carl left")
        #expect(try await setup.announces(to: c, carrying: "/activities/bob-1") == 0, "Bob's first post came before Carl joined")
        #expect(try await setup.announces(to: c, carrying: "/activities/as-member") == 1)
        #expect(try await setup.announces(to: c, carrying: "/activities/bob-2") == 0, "Bob's second post came after Carl left")
    }

    @Test("an activity whose effects cannot be written fails alone; the others of its batch are applied once")
    func oneFailingWrite() async throws {
        let setup = try await Setup.make("batch-failure")
        defer { Task { await setup.stop() } }
        let (b, c) = (setup.b, setup.c)
        // Carl joins, so that the posts are announced to his node.
        let carl = c.personId("carl")
        let follow: [String: Any] = ["id": "\(c.base)/activities/join", "type": "Follow", "actor": carl, "object": setup.group]
        #expect(try await setup.storeAndApply([try setup.stored(follow, by: carl)]) == [.applied])
        // The database refuses one item, as a full disk or a broken row would.
        try await setup.a.database.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuseItem BEFORE INSERT ON contentItem WHEN NEW.body LIKE '%refused%'
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                """)
        }
        let states = try await setup.storeAndApply([
            try setup.create("one", by: "bob", of: b),
            try setup.create("two", by: "bob", of: b, content: "refused"),
            try setup.create("three", by: "bob", of: b),
        ])
        #expect(states == [.applied, .failed, .applied])
        let a = setup.a.database
        #expect(try await a.contentItem(apId: "\(b.base)/content/one") != nil)
        #expect(try await a.contentItem(apId: "\(b.base)/content/two") == nil)
        #expect(try await a.contentItem(apId: "\(b.base)/content/three") != nil)
        #expect(try await a.inboxActivity(activityId: "\(b.base)/activities/two")?.error?.contains("refused by the test") == true)
        // Nothing of the batch's first, rolled-back attempt remains: each post was announced once.
        #expect(try await setup.announces(to: c, carrying: "/activities/one") == 1)
        #expect(try await setup.announces(to: c, carrying: "/activities/two") == 0)
        #expect(try await setup.announces(to: c, carrying: "/activities/three") == 1)
    }
}
