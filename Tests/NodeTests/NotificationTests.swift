import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Node
import Storage
import Testing

@Suite("Notifications")
struct NotificationTests {
    static func kinds(_ api: APIClient, _ token: String) async throws -> [String] {
        let page = try await api.request(.get, "/api/v1/me/notifications", token: token)
        return try #require(try page.jsonObject()["items"] as? [[String: Any]]).compactMap { $0["kind"] as? String }
    }

    @Test("invitations, requests, decisions, replies and mentions reach the right people and are marked read")
    func flow() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let owner = try await api.signUp("tess")
            let asker = try await api.signUp("udo")
            let invitee = try await api.signUp("vera")
            let outsider = try await api.signUp("wout")
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Zorg","slug":"zorg","membershipMode":"request"}"#, token: owner)
            _ = try await api.request(.post, "/api/v1/groups/zorg/join", token: asker)
            #expect(try await Self.kinds(api, owner) == ["group.requested"])
            _ = try await api.request(.patch, "/api/v1/groups/zorg/members/udo", json: #"{"state":"member"}"#, token: owner)
            #expect(try await Self.kinds(api, asker) == ["group.approved"])
            _ = try await api.request(.post, "/api/v1/groups/zorg/members", json: #"{"username":"vera"}"#, token: owner)
            let veraPage = try await api.request(.get, "/api/v1/me/notifications", token: invitee)
            let invitation = try #require((try veraPage.jsonObject()["items"] as? [[String: Any]])?.first)
            #expect(invitation["kind"] as? String == "group.invited")
            #expect(invitation["group"] as? String == "zorg")
            #expect(invitation["actor"] as? String == "tess")

            let post = try await ContentAccessTests.post(api, owner, #"{"type":"discussion","title":"Rooster","body":"Wie kan er zaterdag? @udo @wout","group":"zorg"}"#)
            #expect(try await Self.kinds(api, asker).first == "content.mention")
            #expect(try await Self.kinds(api, outsider).isEmpty, "a mention does not reach someone who cannot read the item")
            let answer = try await ContentAccessTests.post(api, asker, #"{"parentId":\#(post),"body":"Ik kan!"}"#)
            #expect(try await Self.kinds(api, owner).first == "content.reply")
            _ = try await api.request(.post, "/api/v1/groups/zorg/join", token: invitee)
            _ = try await ContentAccessTests.post(api, invitee, #"{"parentId":\#(answer),"body":"Ik ook."}"#)
            #expect(try await Self.kinds(api, asker).first == "content.reply", "the author of the answered comment")
            #expect(try await Self.kinds(api, owner).prefix(2) == ["content.reply", "content.reply"], "and the thread's starter")

            let before = try await api.request(.get, "/api/v1/me/notifications?unread=true", token: owner)
            #expect(try before.jsonObject()["unread"] as? Int == 3)
            let marked = try await api.request(.post, "/api/v1/me/notifications/read", json: "{}", token: owner)
            #expect(try marked.jsonObject()["marked"] as? Int == 3)
            #expect(try marked.jsonObject()["unread"] as? Int == 0)
            let after = try await api.request(.get, "/api/v1/me/notifications?unread=true", token: owner)
            #expect((try after.jsonObject()["items"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("mentions are read from text", arguments: [
        ("Hoi @anna en @bert.", ["anna", "bert"]), ("mail me at x@example.nl", []), ("@a is te kort", []), ("@Anna", ["anna"]),
    ])
    func mentionParsing(text: String, expected: [String]) {
        #expect(NotificationService.mentionedUsernames(in: text) == expected)
    }

    @Test("a notification from a person of another node names them and their node and links to their profile here")
    func remoteSenderNamed() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let token = try await api.signUp("alice")
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Water","slug":"water","membershipMode":"closed"}"#, token: token)
            let alice = try #require(try await node.database.account(username: "alice"))
            let group = try #require(try await node.database.group(slug: "water"))
            let bob = try await node.database.saveRemoteAccount(actorId: "https://b.example:8443/users/bob", username: "bob@b.example:8443", displayName: "Bob Jansen")
            try await node.database.addNotifications([UserNotification(accountId: alice.id!, kind: .groupRequested, actorId: bob.id, groupId: group.id)])
            let local = try #require(try await node.database.account(username: node.admin.username))
            try await node.database.addNotifications([UserNotification(accountId: alice.id!, kind: .groupRequested, actorId: local.id, groupId: group.id)])

            let session = try await WebPageTests.session(api, "alice")
            let page = try await api.request(.get, "/notifications", headers: [.cookie: session.cookie])
            #expect(page.text.contains(#"<a href="/users/bob@b.example:8443">Bob Jansen (b.example:8443)</a> asks to join"#))
            #expect(!page.text.contains("https://b.example:8443/users/bob"), "no raw actor URL")
            #expect(page.text.contains(#"<a href="/users/\#(node.admin.username)">"#), "a local sender links to their profile, without a node")
            #expect(!page.text.contains(" ()"))

            let profile = try await api.request(.get, "/users/bob@b.example:8443", headers: [.cookie: session.cookie])
            #expect(profile.status == .ok)
            #expect(profile.text.contains("<h1>Bob Jansen</h1>") && profile.text.contains(#"<p class="handle">@bob@b.example:8443</p>"#))
            #expect(profile.text.contains(#"<a href="https://b.example:8443/users/bob" rel="nofollow">"#), "with a link to his profile on his own node")
            #expect(try await api.request(.get, "/users/bob@b.example:8443", headers: [.accept: "text/html"]).status == .seeOther,
                    "a visitor is sent to sign in")
            #expect(try await api.request(.get, "/users/kees@b.example", headers: [.cookie: session.cookie, .accept: "text/html"]).status == .notFound)

            let listed = try await api.request(.get, "/api/v1/me/notifications", token: token)
            let items = try #require(try listed.jsonObject()["items"] as? [[String: Any]])
            let fromBob = try #require(items.first { $0["actor"] as? String == "bob@b.example:8443" })
            #expect(fromBob["actorName"] as? String == "Bob Jansen")
            #expect(fromBob["actorNode"] as? String == "b.example:8443")
            #expect(items.first { $0["actor"] as? String == node.admin.username }?["actorNode"] == nil)
        }
    }
}
