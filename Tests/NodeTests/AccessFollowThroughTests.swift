import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Node
import Testing

/// Places where access and consistency must hold beyond the main read
/// paths: sign-up through an invitation link, notifications, private
/// threads, deleted accounts and wiki conflicts.
@Suite("Access and consistency follow-through")
struct AccessFollowThroughTests {
    @Test("sign-up through a group invitation link makes the account and the membership together or not at all")
    func atomicSignUpThroughLink() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let owner = try await api.signUp("olga")
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Panel","slug":"panel","membershipMode":"closed"}"#, token: owner)
            let link = try await api.request(.post, "/api/v1/groups/panel/invitations", json: "{}", token: owner)
            let code = try #require(try link.jsonObject()["code"] as? String)
            // Several people race for one single-use link: one gets in, the others get no account at all.
            let names = ["een", "twee", "drie", "vier", "vijf"]
            let statuses = try await withThrowingTaskGroup(of: (String, HTTPResponse.Status).self) { group in
                for name in names {
                    group.addTask {
                        let response = try await api.request(.post, "/api/v1/auth/signup",
                                                             json: #"{"username":"\#(name)","password":"long enough password","groupInvitation":"\#(code)"}"#)
                        return (name, response.status)
                    }
                }
                return try await group.reduce(into: [String: HTTPResponse.Status]()) { $0[$1.0] = $1.1 }
            }
            let winners = statuses.filter { $0.value == .created }.map(\.key)
            #expect(winners.count == 1)
            #expect(statuses.values.filter { $0 == .unprocessableContent }.count == names.count - 1)
            for name in names {
                let account = try await node.database.account(username: name)
                #expect((account != nil) == winners.contains(name), "\(name) has an account only if they got in")
            }
            let winnerName = try #require(winners.first)
            let winner = try #require(try await node.database.account(username: winnerName))
            let group = try #require(try await node.database.group(slug: "panel"))
            #expect(try await node.database.membership(groupId: group.id!, accountId: winner.id!)?.isMember == true)
        }
    }

    @Test("notifications about an item disappear when the reader can no longer read it")
    func notificationsFollowAccess() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let world = try await ContentAccessTests.makeWorld(api)
            _ = try await ContentAccessTests.post(api, world.owner, #"{"type":"status","body":"Vraag voor @mark","group":"closed-g"}"#)
            let before = try await api.request(.get, "/api/v1/me/notifications", token: world.member)
            #expect(try (before.jsonObject()["items"] as? [[String: Any]])?.contains { $0["kind"] as? String == "content.mention" } == true)
            #expect(try await api.request(.delete, "/api/v1/groups/closed-g/members/mark", token: world.owner).status == .noContent)
            let after = try await api.request(.get, "/api/v1/me/notifications", token: world.member)
            let items = try #require(try after.jsonObject()["items"] as? [[String: Any]])
            #expect(!items.contains { $0["kind"] as? String == "content.mention" }, "the mention of a closed group's item is gone")
            #expect(try after.jsonObject()["unread"] as? Int == items.filter { $0["isRead"] as? Bool == false }.count)
        }
    }

    @Test("when a thread becomes private, its commenters no longer read even their own comments")
    func privateThreadComments() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let world = try await ContentAccessTests.makeWorld(api)
            let item = try await ContentAccessTests.post(api, world.owner, #"{"type":"status","body":"Wie doet mee?","access":"users"}"#)
            let comment = try await ContentAccessTests.post(api, world.member, #"{"parentId":\#(item),"body":"Ik, met de fiets"}"#)
            #expect(try await api.request(.get, "/api/v1/content/\(comment)", token: world.member).status == .ok)
            #expect(try await api.request(.patch, "/api/v1/content/\(item)", json: #"{"access":"private"}"#, token: world.owner).status == .ok)
            #expect(try await api.request(.get, "/api/v1/content/\(comment)", token: world.member).status == .notFound)
            let search = try await api.request(.get, "/api/v1/search?q=fiets", token: world.member)
            #expect(try (search.jsonObject()["content"] as? [[String: Any]])?.isEmpty == true)
            let thread = try await api.request(.get, "/api/v1/content/\(item)", token: world.owner)
            #expect(try (thread.jsonObject()["comments"] as? [[String: Any]])?.count == 1, "the thread's starter still reads it")
        }
    }

    @Test("deleting an account keeps other people's replies to its comments in the thread")
    func deletedAccountKeepsReplies() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let world = try await ContentAccessTests.makeWorld(api)
            let admin = try await api.token(node.admin.username, node.admin.password)
            let item = try await ContentAccessTests.post(api, world.owner, #"{"type":"discussion","title":"Fietsplan","body":"Ideeën?","access":"public"}"#)
            let marks = try await ContentAccessTests.post(api, world.member, #"{"parentId":\#(item),"body":"Meer stallingen."}"#)
            let marksAgain = try await ContentAccessTests.post(api, world.member, #"{"parentId":\#(marks),"body":"En bij het station."}"#)
            let ninas = try await ContentAccessTests.post(api, world.outsider, #"{"parentId":\#(marksAgain),"body":"Eens, goed plan."}"#)
            #expect(try await api.request(.delete, "/api/v1/admin/users/mark", token: admin).status == .noContent)
            let thread = try await api.request(.get, "/api/v1/content/\(item)", token: nil)
            let comments = try #require(try thread.jsonObject()["comments"] as? [[String: Any]])
            #expect(comments.map { $0["id"] as? Int } == [ninas], "the reply survives; the deleted person's comments are gone")
            #expect(comments.first?["parentId"] as? Int == item, "and now answers what the deleted comments answered")
            #expect(try thread.jsonObject()["item"].flatMap { ($0 as? [String: Any])?["commentCount"] as? Int } == 1)
        }
    }

    @Test("a wiki edit conflict names the request it refused, like every problem")
    func wikiConflictInstance() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let (owner, member, _, page) = try await WikiTests.setUp(api)
            _ = try await WikiTests.edit(api, page, token: owner, base: 1, body: WikiTests.original.replacingOccurrences(of: "maandag", with: "dinsdag"))
            let refused = try await WikiTests.edit(api, page, token: member, base: 1, body: WikiTests.original.replacingOccurrences(of: "maandag", with: "vrijdag"))
            #expect(refused.status == .conflict)
            #expect(try refused.jsonObject()["instance"] as? String == "/api/v1/wiki/\(page)")
        }
    }
}
