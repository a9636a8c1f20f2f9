import Federation
import NIOHTTP1
import Foundation
@testable import Node
import Storage
import Testing

/// Groups that span nodes (FEP-1b12), with three real nodes on their own
/// loopback addresses: the group's home node A, a member's node B and an
/// outsider's node C.
@Suite("Groups across nodes")
struct GroupFederationTests {
    /// Calls a node's JSON API and returns the status and the decoded body.
    static func api(_ method: HTTPMethod, _ node: LiveNode, _ path: String, _ json: String? = nil, token: String?) async throws -> (status: Int, json: Any?) {
        let response = try await LiveHTTP.request(method, "\(node.base)/api/v1\(path)", json: json, token: token)
        return (response.status, try? JSONSerialization.jsonObject(with: Data(response.body.utf8)))
    }

    static func items(_ response: (status: Int, json: Any?)) -> [[String: Any]] {
        (response.json as? [[String: Any]]) ?? ((response.json as? [String: Any])?["items"] as? [[String: Any]]) ?? []
    }

    /// A signed GET as `owner` (`node`, `account:<id>`) of `node`; returns the body or nil when refused.
    static func signedFetch(_ url: String, from node: LiveNode, owner: String, actorId: String) async -> String? {
        let runtime = node.services.federation
        guard let keys = try? await runtime.keyring.keys(owner: owner) else { return nil }
        let fetched = try? await runtime.client.fetch(url) { _ in .rfc9421(keys.ed25519, keyId: LocalActorURLs.ed25519KeyId(actorId)) }
        return fetched.map { String(decoding: $0.body, as: UTF8.self) }
    }

    @Test("a closed group on A with a member from B: posts, replies and likes travel both ways; C sees none of it; removal and account deletion reach every node")
    func closedGroupAcrossThreeNodes() async throws {
        let a = try await LiveNode.start()
        let b = try await LiveNode.start()
        let c = try await LiveNode.start()
        defer { Task { await a.stop(); await b.stop(); await c.stop() } }
        let (_, anna) = try await a.user("anna")
        let (bobAccount, bob) = try await b.user("bob")
        let (_, carl) = try await c.user("carl")

        // Anna makes a closed group on A and invites Bob of node B.
        #expect(try await Self.api(.POST, a, "/groups", #"{"name":"Water","slug":"water","membershipMode":"closed"}"#, token: anna).status == 201)
        let invited = try await Self.api(.POST, a, "/groups/water/members", #"{"username":"bob@\#(b.authority)"}"#, token: anna)
        #expect(invited.status == 201 || invited.status == 200)
        let groupActor = "\(a.base)/groups/water"
        let mirrorSlug = "water@\(a.authority)"
        try await eventually("B shows Bob the invitation") {
            guard let mirror = try await b.database.group(actorId: groupActor) else { return false }
            return try await b.database.membership(groupId: mirror.id!, accountId: bobAccount.id!)?.state == .invited
        }
        // The Invite comes from the group, but B names Anna as the one who invited Bob.
        let invitation = Self.items(try await Self.api(.GET, b, "/me/notifications", token: bob)).first { $0["kind"] as? String == "group.invited" }
        #expect(invitation?["actor"] as? String == "anna@\(a.authority)")
        #expect(invitation?["actorName"] as? String == "Anna")
        #expect(invitation?["actorNode"] as? String == a.authority)
        let notificationsPage = try await LiveHTTP.request(.GET, "\(b.base)/notifications", token: bob)
        #expect(notificationsPage.body.contains(">Anna (\(a.authority))</a> invited you to a group:"))

        // Bob accepts on B; A admits him and B learns he is a member.
        let joined = try await Self.api(.POST, b, "/groups/\(mirrorSlug)/join", token: bob)
        #expect(joined.status == 200)
        #expect((joined.json as? [String: Any])?["state"] as? String == "requested")
        try await eventually("Bob is a member on both nodes") {
            let onB = try await Self.api(.GET, b, "/groups/\(mirrorSlug)", token: bob).json as? [String: Any]
            let onA = try await a.database.account(actorId: b.personId("bob")).asyncMap { account in
                try await a.database.membership(groupId: try #require(try await a.database.group(slug: "water")).id!, accountId: account.id!)
            } ?? nil
            return (onB?["membership"] as? [String: Any])?["state"] as? String == "member" && onA?.state == .member
        }

        // Bob starts a discussion from B; A stores it and Anna reads it there.
        let posted = try await Self.api(.POST, b, "/content", #"{"type":"discussion","title":"Dike inspection","body":"Who joins on Monday?","group":"\#(mirrorSlug)"}"#, token: bob)
        #expect(posted.status == 201)
        let bobItemId = try #require((posted.json as? [String: Any])?["id"] as? Int)
        let bobItemURL = "\(b.base)/content/\(bobItemId)"
        try await eventually("A has Bob's discussion") {
            Self.items(try await Self.api(.GET, a, "/groups/water/content", token: anna)).contains { $0["title"] as? String == "Dike inspection" }
        }
        let onA = try #require(try await a.database.contentItem(apId: bobItemURL))

        // Anna answers it and posts on A; Bob sees both on B, and is told of the reply.
        #expect(try await Self.api(.POST, a, "/content", #"{"body":"I do, Bob.","parentId":\#(onA.id!)}"#, token: anna).status == 201)
        #expect(try await Self.api(.POST, a, "/content", #"{"type":"status","body":"Pumps are running again","group":"water"}"#, token: anna).status == 201)
        try await eventually("B shows Anna's post and reply") {
            let posts = Self.items(try await Self.api(.GET, b, "/groups/\(mirrorSlug)/content", token: bob))
            let thread = try await Self.api(.GET, b, "/content/\(bobItemId)", token: bob).json as? [String: Any]
            let comments = (thread?["comments"] as? [[String: Any]]) ?? []
            return posts.contains { $0["body"] as? String == "Pumps are running again" } && comments.contains { $0["body"] as? String == "I do, Bob." }
        }
        try await eventually("Bob is told of Anna's reply") {
            Self.items(try await Self.api(.GET, b, "/me/notifications", token: bob)).contains { $0["kind"] as? String == "content.reply" }
        }
        // Bob likes Anna's post from B; A counts the like.
        let annaPost = try #require(Self.items(try await Self.api(.GET, b, "/groups/\(mirrorSlug)/content", token: bob))
            .first { $0["body"] as? String == "Pumps are running again" })
        #expect(try await Self.api(.PUT, b, "/content/\(try #require(annaPost["id"] as? Int))/like", token: bob).status == 200)
        try await eventually("A counts Bob's like") {
            Self.items(try await Self.api(.GET, a, "/groups/water/content", token: anna))
                .first { $0["body"] as? String == "Pumps are running again" }?["likeCount"] as? Int == 1
        }
        // Bob edits his discussion; A shows the new text.
        #expect(try await Self.api(.PATCH, b, "/content/\(bobItemId)", #"{"body":"Who joins on Tuesday?"}"#, token: bob).status == 200)
        try await eventually("A shows Bob's edit") { try await a.database.contentItem(apId: bobItemURL)?.body == "Who joins on Tuesday?" }

        // Anna starts a wiki page on A; B mirrors it.
        let created = try await Self.api(.POST, a, "/groups/water/wiki", #"{"title":"Plan","body":"line one\nline two\nline three"}"#, token: anna)
        #expect(created.status == 201)
        let pageOnA = try #require((created.json as? [String: Any])?["id"] as? Int)
        let pageURL = "\(a.base)/wiki/\(pageOnA)"
        try await eventually("B mirrors the wiki page") { try await b.database.wikiPage(apId: pageURL) != nil }
        let pageOnB = try #require(try await b.database.wikiPage(apId: pageURL)?.id)
        #expect(Self.items(try await Self.api(.GET, b, "/groups/\(mirrorSlug)/wiki", token: bob)).contains { $0["title"] as? String == "Plan" })
        // Both edit from revision 1: Anna on A, Bob on B. The home node orders them and merges Bob's.
        #expect(try await Self.api(.PUT, a, "/wiki/\(pageOnA)", #"{"baseRevision":1,"body":"LINE ONE\nline two\nline three"}"#, token: anna).status == 200)
        let merged = try await Self.api(.PUT, b, "/wiki/\(pageOnB)", #"{"baseRevision":1,"body":"line one\nline two\nLINE THREE"}"#, token: bob)
        #expect(merged.status == 200)
        #expect((merged.json as? [String: Any])?["body"] as? String == "LINE ONE\nline two\nLINE THREE")
        #expect((merged.json as? [String: Any])?["merged"] as? Bool == true)
        // An overlapping edit from revision 1 is refused on B with both versions, and Bob's text is kept.
        let refused = try await Self.api(.PUT, b, "/wiki/\(pageOnB)", #"{"baseRevision":1,"body":"Bob's first line\nline two\nline three"}"#, token: bob)
        #expect(refused.status == 409)
        let conflict = refused.json as? [String: Any]
        #expect((conflict?["current"] as? [String: Any])?["body"] as? String == "LINE ONE\nline two\nLINE THREE")
        #expect((conflict?["yours"] as? [String: Any])?["body"] as? String == "Bob's first line\nline two\nline three")
        #expect(try await b.database.wikiConflicts(pageId: pageOnB).contains { $0.body == "Bob's first line\nline two\nline three" })
        try await eventually("A and B show the same page") {
            let onA = try await Self.api(.GET, a, "/wiki/\(pageOnA)", token: anna).json as? [String: Any]
            let onB = try await Self.api(.GET, b, "/wiki/\(pageOnB)", token: bob).json as? [String: Any]
            return onA?["body"] as? String == "LINE ONE\nline two\nLINE THREE" && onB?["body"] as? String == onA?["body"] as? String
                && onB?["revision"] as? Int == 3
        }
        // C has no copy of the page and cannot fetch it.
        #expect(try await c.database.wikiPage(apId: pageURL) == nil)

        // C: no copy of the group, and no way in: page, API or signed request.
        #expect(try await c.database.group(actorId: groupActor) == nil)
        let annaItemOnA = try #require(Self.items(try await Self.api(.GET, a, "/groups/water/content", token: anna))
            .first { $0["body"] as? String == "Pumps are running again" })
        let annaItemURL = "\(a.base)/content/\(try #require(annaItemOnA["id"] as? Int))"
        #expect(Self.items(try await Self.api(.GET, a, "/groups/water/content", token: nil)).isEmpty)
        let page = try await LiveHTTP.request(.GET, "\(a.base)/groups/water")
        #expect(!page.body.contains("Pumps are running again"))
        #expect(await Self.signedFetch(annaItemURL, from: c, owner: SigningKey.nodeOwner, actorId: c.services.federation.urls.nodeActor) == nil)
        let carlAccount = try #require(try await c.database.account(username: "carl"))
        #expect(await Self.signedFetch(annaItemURL, from: c, owner: "account:\(carlAccount.id!)", actorId: c.personId("carl")) == nil)
        #expect(await Self.signedFetch(annaItemURL, from: a, owner: SigningKey.nodeOwner, actorId: a.services.federation.urls.nodeActor) == nil)
        // Bob's node, on Bob's behalf, may fetch it.
        let fetchedByBob = await Self.signedFetch(annaItemURL, from: b, owner: "account:\(bobAccount.id!)", actorId: b.personId("bob"))
        #expect(fetchedByBob?.contains("Pumps are running again") == true)

        // Carl follows Bob, so C holds Bob's profile.
        #expect(try await Self.api(.POST, c, "/follows", #"{"account":"bob@\#(b.authority)"}"#, token: carl).status == 201)
        try await eventually("C has Bob's profile") { try await c.database.remoteActor(id: b.personId("bob")) != nil }

        // Anna removes Bob: B drops its copies at once, and new posts no longer go to B.
        #expect(try await Self.api(.DELETE, a, "/groups/water/members/bob@\(b.authority)", token: anna).status == 204)
        try await eventually("B dropped the group's content") {
            guard let mirror = try await b.database.group(actorId: groupActor) else { return false }
            let membership = try await b.database.membership(groupId: mirror.id!, accountId: bobAccount.id!)
            let listed = Self.items(try await Self.api(.GET, b, "/groups/\(mirrorSlug)/content", token: bob))
            let copy = try await b.database.contentItem(apId: annaItemURL)
            return membership == nil && listed.isEmpty && copy == nil
        }
        let deliveriesToB = try await a.database.deliveries(host: b.authority, limit: 10_000).count
        #expect(try await Self.api(.POST, a, "/content", #"{"type":"status","body":"After Bob left","group":"water"}"#, token: anna).status == 201)
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await a.database.deliveries(host: b.authority, limit: 10_000).count == deliveriesToB)

        // Bob deletes his account: A and C drop his profile and confirm, as B's ledger shows.
        try await b.services.deleteAccount(bobAccount)
        try await eventually("A and C hold nothing of Bob", timeout: .seconds(90)) {
            let cachedOnA = try await a.database.remoteActor(id: b.personId("bob"))
            let rowOnA = try await a.database.account(actorId: b.personId("bob"))
            let cachedOnC = try await c.database.remoteActor(id: b.personId("bob"))
            let itemOnA = try await a.database.contentItem(apId: bobItemURL)
            return cachedOnA == nil && rowOnA == nil && cachedOnC == nil && itemOnA == nil
        }
        try await eventually("B's ledger shows both deletions confirmed", timeout: .seconds(90)) {
            let entries = try await b.database.ledgerEntries(objectPrefix: b.personId("bob"))
            let profileHosts = Set(entries.filter { $0.objectId == b.personId("bob") }.map(\.host))
            return profileHosts == [a.authority, c.authority] && entries.allSatisfy { $0.deletionConfirmedAt != nil }
        }
        #expect(try await b.database.ledgerEntries(openDeletionsOnly: true).isEmpty)
        // The operator asks the same of `meent ledger`.
        let (status, output) = try await NodeProcess.run(["ledger", "--data-dir", b.services.configuration.dataDirectory.path,
                                                          "--object", b.personId("bob")])
        #expect(status == 0)
        #expect(output.contains(a.authority) && output.contains(c.authority))
        #expect(output.contains("deletions: 0 open, 2 confirmed"))
    }

    @Test("an open group found by handle: join is accepted at once, and a member node that was down catches up in order")
    func memberNodeDownCatchesUp() async throws {
        let a = try await LiveNode.start()
        let host = LoopbackAddress.next()
        let first = try await LiveNode.start(host: host)
        defer { Task { await a.stop() } }
        let (_, anna) = try await a.user("anna")
        let (_, bob) = try await first.user("bob")
        #expect(try await Self.api(.POST, a, "/groups", #"{"name":"Open data","slug":"open-data"}"#, token: anna).status == 201)

        let found = try await Self.api(.POST, first, "/groups/lookup", #"{"group":"open-data@\#(a.authority)"}"#, token: bob)
        #expect(found.status == 200)
        let slug = try #require((found.json as? [String: Any])?["slug"] as? String)
        #expect(slug == "open-data@\(a.authority)")
        #expect((found.json as? [String: Any])?["node"] as? String == a.authority)
        #expect(try await Self.api(.POST, first, "/groups/\(slug)/join", token: bob).status == 200)
        try await eventually("Bob is a member") {
            ((try await Self.api(.GET, first, "/groups/\(slug)", token: bob).json as? [String: Any])?["membership"] as? [String: Any])?["state"] as? String == "member"
        }

        // B goes down while the group is busy.
        let dataDirectory = first.services.configuration.dataDirectory
        let authority = first.authority
        await first.stop()
        for index in 1...6 {
            #expect(try await Self.api(.POST, a, "/content", #"{"type":"status","body":"Update \#(index)","group":"open-data"}"#, token: anna).status == 201)
        }
        try await eventually("A noticed B is down") {
            try await a.database.deliveries(host: authority, limit: 100).contains { $0.attempts > 0 && $0.state == .queued }
        }

        // B comes back on the same address with its data, and receives everything in order.
        let b = try await LiveNode.start(host: host, settings: ["DATA_DIR": dataDirectory.path])
        defer { Task { await b.stop() } }
        try await eventually("B caught up", timeout: .seconds(120)) {
            Self.items(try await Self.api(.GET, b, "/groups/\(slug)/content", token: bob)).count == 6
        }
        let bodies = Self.items(try await Self.api(.GET, b, "/groups/\(slug)/content", token: bob)).compactMap { $0["body"] as? String }
        #expect(bodies == (1...6).reversed().map { "Update \($0)" })
        let received = try await b.database.receivedActivities(type: "Announce", limit: 100)
        #expect(received.count == 6)
        #expect(received.allSatisfy { $0.state == .applied })
    }
}
