import Federation
import Foundation
import NIOCore
import NIOHTTP1
@testable import Node
import Storage
import Testing

/// A group of node A moderated by one of its admins who is a person of node
/// B (issue #5): removals and blocks made on B are sent to A, which checks
/// the moderator's rights, applies them as its own and tells the removed
/// person's node. Three real nodes: A (home), B (the moderator's), C (a
/// member's).
@Suite("Moderating a group from a member's node")
struct RemoteModerationTests {
    static func api(_ method: HTTPMethod, _ node: LiveNode, _ path: String, _ json: String? = nil, token: String?) async throws -> (status: Int, json: Any?) {
        try await GroupFederationTests.api(method, node, path, json, token: token)
    }

    /// The membership state of `account` in the group `slug` (or the mirror of `groupActor`) on `node` (nil: none).
    static func state(_ node: LiveNode, group groupActor: String?, slug: String? = nil, account: Account?) async throws -> Membership.State? {
        var group: Group?
        if let groupActor { group = try await node.database.group(actorId: groupActor) }
        if let slug { group = try await node.database.group(slug: slug) }
        guard let group, let account else { return nil }
        return try await node.database.membership(groupId: group.id!, accountId: account.id!)?.state
    }

    /// Joins the open group `water` of `a` from `node` as `token`, and waits until the membership counts on both nodes.
    static func join(_ node: LiveNode, _ a: LiveNode, token: String) async throws {
        let slug = "water@\(a.authority)"
        #expect(try await api(.POST, node, "/groups/lookup", #"{"group":"\#(slug)"}"#, token: token).status == 200)
        #expect(try await api(.POST, node, "/groups/\(slug)/join", token: token).status == 200)
        try await eventually("the membership counts") {
            ((try await api(.GET, node, "/groups/\(slug)", token: token).json as? [String: Any])?["membership"] as? [String: Any])?["state"] as? String == "member"
        }
    }

    @Test("an admin on B removes and blocks members of A's group; A applies it, the removed person's node drops its copies; a plain member's attempt changes nothing")
    func moderatorOnMemberNode() async throws {
        let a = try await LiveNode.start()
        let b = try await LiveNode.start()
        let c = try await LiveNode.start()
        defer { Task { await a.stop(); await b.stop(); await c.stop() } }
        let (_, anna) = try await a.user("anna")
        let (_, ada) = try await a.user("ada")
        let (_, bob) = try await b.user("bob")
        let (beaAccount, bea) = try await b.user("bea")
        let (_, cara) = try await b.user("cara")
        let (carlAccount, carl) = try await c.user("carl")
        let mirrorSlug = "water@\(a.authority)"
        let groupActor = "\(a.base)/groups/water"

        #expect(try await Self.api(.POST, a, "/groups", #"{"name":"Water","slug":"water"}"#, token: anna).status == 201)
        #expect(try await Self.api(.POST, a, "/groups/water/join", token: ada).status == 200)
        for token in [bob, bea, cara] { try await Self.join(b, a, token: token) }
        try await Self.join(c, a, token: carl)
        // Anna makes Bob (of B) an admin of the group.
        #expect(try await Self.api(.PATCH, a, "/groups/water/members/bob@\(b.authority)", #"{"role":"admin"}"#, token: anna).status == 200)
        // Anna posts; C keeps a copy for Carl.
        let posted = try await Self.api(.POST, a, "/content", #"{"type":"status","body":"Levels are fine","group":"water"}"#, token: anna)
        #expect(posted.status == 201)
        let annaItemURL = "\(a.base)/content/\(try #require((posted.json as? [String: Any])?["id"] as? Int))"
        try await eventually("C holds Anna's post") { try await c.database.contentItem(apId: annaItemURL) != nil }

        // Deleting someone else's item already went through the group's inbox (`Delete` by a moderator): once B
        // knows Bob is an admin, he deletes Anna's post from B; A deletes it and announces it, and C drops its copy.
        try await eventually("B knows Bob is an admin") {
            guard let mirror = try await b.database.group(actorId: groupActor), let bobOnB = try await b.database.account(username: "bob") else { return false }
            return try await b.database.membership(groupId: mirror.id!, accountId: bobOnB.id!)?.role == .admin
        }
        let second = try await Self.api(.POST, a, "/content", #"{"type":"status","body":"Wrong levels posted","group":"water"}"#, token: anna)
        let secondURL = "\(a.base)/content/\(try #require((second.json as? [String: Any])?["id"] as? Int))"
        try await eventually("B and C hold the second post") {
            let onB = try await b.database.contentItem(apId: secondURL)
            let onC = try await c.database.contentItem(apId: secondURL)
            return onB != nil && onC != nil
        }
        let secondOnB = try #require(try await b.database.contentItem(apId: secondURL)?.id)
        #expect(try await Self.api(.DELETE, b, "/content/\(secondOnB)", token: cara).status == 403)
        #expect(try await Self.api(.DELETE, b, "/content/\(secondOnB)", token: bob).status == 204)
        try await eventually("A deleted it and C dropped its copy") {
            let onA = try await a.database.contentItem(id: try #require(a.services.federation.urls.contentId(of: secondURL)))
            let onC = try await c.database.contentItem(apId: secondURL)
            return onA == nil && onC == nil
        }

        let beaOnA = try #require(try await a.database.account(actorId: b.personId("bea")))
        let carlOnA = try #require(try await a.database.account(actorId: c.personId("carl")))
        let adaOnA = try #require(try await a.database.account(username: "ada"))

        // Cara, a plain member, tries to remove Bea and block Ada from B: A refuses, nothing changes anywhere.
        let refused = try await Self.api(.DELETE, b, "/groups/\(mirrorSlug)/members/bea", token: cara)
        #expect(refused.status == 403)
        #expect(try await Self.api(.POST, b, "/groups/\(mirrorSlug)/blocks", #"{"username":"ada@\#(a.authority)"}"#, token: cara).status == 403)
        #expect(try await Self.state(a, group: nil, slug: "water", account: beaOnA) == .member)
        #expect(try await Self.state(a, group: nil, slug: "water", account: adaOnA) == .member)
        #expect(try await Self.state(b, group: groupActor, account: beaAccount) == .member)

        // Bob removes Bea (of his own node): A applies it, and B shows it as soon as the call returns.
        #expect(try await Self.api(.DELETE, b, "/groups/\(mirrorSlug)/members/bea", token: bob).status == 204)
        #expect(try await Self.state(a, group: nil, slug: "water", account: beaOnA) == nil)
        #expect(try await Self.state(b, group: groupActor, account: beaAccount) == nil)

        // Bob removes Carl (of node C): A tells C, which drops its copies of the group's content.
        #expect(try await Self.api(.DELETE, b, "/groups/\(mirrorSlug)/members/carl@\(c.authority)", token: bob).status == 204)
        #expect(try await Self.state(a, group: nil, slug: "water", account: carlOnA) == nil)
        try await eventually("C dropped Carl's membership and the group's content") {
            let membership = try await Self.state(c, group: groupActor, account: carlAccount)
            let copy = try await c.database.contentItem(apId: annaItemURL)
            return membership == nil && copy == nil
        }

        // Bob blocks Ada (of A itself): she is out on A and cannot join again.
        let blocked = try await Self.api(.POST, b, "/groups/\(mirrorSlug)/blocks", #"{"username":"ada@\#(a.authority)"}"#, token: bob)
        #expect(blocked.status == 201)
        #expect((blocked.json as? [String: Any])?["state"] as? String == "blocked")
        #expect(try await Self.state(a, group: nil, slug: "water", account: adaOnA) == .blocked)
        #expect(try await Self.api(.POST, a, "/groups/water/join", token: ada).status == 403)

        // The members page on B offers Bob the remove and block buttons, and removing Cara there goes through A.
        let login = try await FileFederationTests.send(.POST, "\(b.base)/api/v1/auth/session",
                                                       body: ByteBuffer(string: #"{"username":"bob","password":"long enough password"}"#),
                                                       headers: [("Content-Type", "application/json")])
        let cookie = String(try #require(login.headers["Set-Cookie"].first { $0.hasPrefix("meent_session=") }).split(separator: ";")[0])
        let csrf = try #require(login.json?["csrfToken"] as? String)
        let page = try await FileFederationTests.send(.GET, "\(b.base)/groups/\(mirrorSlug)/members", headers: [("Cookie", cookie), ("Accept", "text/html")])
        #expect(page.status == 200)
        #expect(page.text.contains("action=\"/groups/\(mirrorSlug)/members/cara\"") && page.text.contains("value=\"block\""))
        let caraOnA = try #require(try await a.database.account(actorId: b.personId("cara")))
        let removedByForm = try await FileFederationTests.send(.POST, "\(b.base)/groups/\(mirrorSlug)/members/cara",
                                                               body: ByteBuffer(string: "_csrf=\(csrf)&action=remove"),
                                                               headers: [("Cookie", cookie), ("Accept", "text/html"),
                                                                         ("Content-Type", "application/x-www-form-urlencoded")])
        #expect(removedByForm.status == 200 || removedByForm.status == 303)
        #expect(try await Self.state(a, group: nil, slug: "water", account: caraOnA) == nil)
        // (No buttons for Bob himself.)
        #expect(!page.text.contains("action=\"/groups/\(mirrorSlug)/members/bob\""))

        // Bob may not remove the owner; A says so and Anna stays.
        #expect(try await Self.api(.DELETE, b, "/groups/\(mirrorSlug)/members/anna@\(a.authority)", token: bob).status == 409)
        #expect(try await Self.state(a, group: nil, slug: "water", account: try await a.database.account(username: "anna")) == .member)
    }

    @Test("the home node refuses a moderation request that is not signed, whose actor is not its signer, or by a plain member; the admin's own is applied")
    func moderationEndpointChecksTheSigner() async throws {
        let a = try await LiveNode.start()
        let b = try await LiveNode.start()
        defer { Task { await a.stop(); await b.stop() } }
        let (_, anna) = try await a.user("anna")
        let (_, ada) = try await a.user("ada")
        let (caraAccount, cara) = try await b.user("cara")
        let (danAccount, dan) = try await b.user("dan")
        #expect(try await Self.api(.POST, a, "/groups", #"{"name":"Water","slug":"water"}"#, token: anna).status == 201)
        #expect(try await Self.api(.POST, a, "/groups/water/join", token: ada).status == 200)
        try await Self.join(b, a, token: cara)
        try await Self.join(b, a, token: dan)
        // Cara (of B) is an admin of the group; Dan (of B) a plain member.
        #expect(try await Self.api(.PATCH, a, "/groups/water/members/cara@\(b.authority)", #"{"role":"admin"}"#, token: anna).status == 200)
        let adaOnA = try #require(try await a.database.account(username: "ada"))
        let endpoint = "\(a.base)/groups/water/moderation"
        func removal(by actor: String) -> Data {
            Data(#"{"type":"Remove","actor":"\#(actor)","object":"\#(a.personId("ada"))","target":"\#(a.base)/groups/water/members"}"#.utf8)
        }
        let runtime = b.services.federation
        func signed(_ body: Data, as account: Account) async throws -> Int {
            let keys = try await runtime.keyring.keys(owner: "account:\(account.id!)")
            return try await runtime.client.exchange(endpoint, json: body,
                                                     signing: .rfc9421(keys.ed25519, keyId: LocalActorURLs.ed25519KeyId(b.personId(account.username)))).status
        }

        // Unsigned: refused.
        let unsigned = try await LiveHTTP.request(.POST, endpoint, json: String(decoding: removal(by: b.personId("cara")), as: UTF8.self), token: nil)
        #expect(unsigned.status == 403)
        // Signed by Cara (an admin) but naming Dan as its actor: refused.
        #expect(try await signed(removal(by: b.personId("dan")), as: caraAccount) == 403)
        // Signed by Dan as himself, a plain member: refused.
        #expect(try await signed(removal(by: b.personId("dan")), as: danAccount) == 403)
        // Not a Remove or Block, or aimed at another collection: malformed.
        let wrongTarget = Data(#"{"type":"Remove","actor":"\#(b.personId("cara"))","object":"\#(a.personId("ada"))","target":"\#(a.base)/groups/water/moderators"}"#.utf8)
        #expect(try await signed(wrongTarget, as: caraAccount) == 400)
        #expect(try await Self.state(a, group: nil, slug: "water", account: adaOnA) == .member)
        // Signed by Cara as herself: applied.
        #expect(try await signed(removal(by: b.personId("cara")), as: caraAccount) == 200)
        #expect(try await Self.state(a, group: nil, slug: "water", account: adaOnA) == nil)
        _ = (cara, dan)
    }
}
