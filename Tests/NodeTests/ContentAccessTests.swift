import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Node
import Storage
import Testing

/// Every access level of every content type, read by an anonymous visitor,
/// a signed-in non-member, a member and the author (the group's owner).
@Suite("Content and access")
struct ContentAccessTests {
    struct World {
        let owner: String   // olga: owner of both groups, author of everything
        let member: String  // mark: member of both groups
        let outsider: String  // nina: signed in, in no group
        var items: [String: Int] = [:]
    }

    static func post(_ api: APIClient, _ token: String, _ json: String) async throws -> Int {
        let response = try await api.request(.post, "/api/v1/content", json: json, token: token)
        guard response.status == .created, let id = try response.jsonObject()["id"] as? Int else {
            throw TestFailure("content not created: \(response.status) \(response.text)")
        }
        return id
    }

    static func makeWorld(_ api: APIClient) async throws -> World {
        var world = World(owner: try await api.signUp("olga"), member: try await api.signUp("mark"), outsider: try await api.signUp("nina"))
        _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Open G","slug":"open-g"}"#, token: world.owner)
        _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Closed G","slug":"closed-g","membershipMode":"closed"}"#, token: world.owner)
        _ = try await api.request(.post, "/api/v1/groups/open-g/join", token: world.member)
        _ = try await api.request(.post, "/api/v1/groups/closed-g/members", json: #"{"username":"mark"}"#, token: world.owner)
        _ = try await api.request(.post, "/api/v1/groups/closed-g/join", token: world.member)
        let drafts: [(String, String)] = [
            ("personal-public", #"{"type":"status","body":"Goedemorgen allemaal","access":"public"}"#),
            ("personal-users", #"{"type":"status","body":"Alleen voor ingelogden","access":"users"}"#),
            ("personal-private", #"{"type":"blog","title":"Concept","body":"Nog niet klaar","access":"private"}"#),
            ("open-public", #"{"type":"blog","title":"Open blog","body":"Voor iedereen","access":"public","group":"open-g"}"#),
            ("open-users", #"{"type":"discussion","title":"Open discussie","body":"Voor ingelogden","access":"users","group":"open-g"}"#),
            ("open-members", #"{"type":"status","body":"Voor leden","access":"members","group":"open-g"}"#),
            ("open-private", #"{"type":"blog","title":"Eigen notitie","body":"Alleen ik","access":"private","group":"open-g"}"#),
            ("closed-asked-public", #"{"type":"discussion","title":"Gesloten","body":"Leden alleen","access":"public","group":"closed-g"}"#),
            ("closed-members", #"{"type":"status","body":"Vertrouwelijk","group":"closed-g"}"#),
        ]
        for (name, json) in drafts { world.items[name] = try await post(api, world.owner, json) }
        return world
    }

    /// Who sees each item: A anonymous, N non-member, M member, O owner/author.
    static let expected: [String: Set<Character>] = [
        "personal-public": ["A", "N", "M", "O"], "personal-users": ["N", "M", "O"], "personal-private": ["O"],
        "open-public": ["A", "N", "M", "O"], "open-users": ["N", "M", "O"], "open-members": ["M", "O"], "open-private": ["O"],
        "closed-asked-public": ["M", "O"], "closed-members": ["M", "O"],
    ]

    @Test("each item is readable by exactly the people its access level and group allow")
    func readAccess() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let world = try await Self.makeWorld(api)
            let readers: [(Character, String?)] = [("A", nil), ("N", world.outsider), ("M", world.member), ("O", world.owner)]
            for (name, id) in world.items {
                for (reader, token) in readers {
                    let response = try await api.request(.get, "/api/v1/content/\(id)", token: token)
                    let shouldSee = Self.expected[name]!.contains(reader)
                    #expect(response.status == (shouldSee ? .ok : .notFound), "\(reader) reading \(name)")
                }
            }
            // Listings apply the same rule.
            for (reader, token) in readers {
                let openList = try await api.request(.get, "/api/v1/groups/open-g/content", token: token)
                let ids = Set((try JSONSerialization.jsonObject(with: Data(buffer: openList.body)) as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int })
                let expectedIds = Set(["open-public", "open-users", "open-members", "open-private"].filter { Self.expected[$0]!.contains(reader) }.map { world.items[$0]! })
                #expect(ids == expectedIds, "\(reader) listing open-g")
                let personal = try await api.request(.get, "/api/v1/users/olga/content", token: token)
                let personalIds = Set((try JSONSerialization.jsonObject(with: Data(buffer: personal.body)) as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int })
                let expectedPersonal = Set(Self.expected.filter { $0.value.contains(reader) }.map { world.items[$0.key]! })
                #expect(personalIds == expectedPersonal, "\(reader) listing olga's items")
            }
            let closedList = try await api.request(.get, "/api/v1/groups/closed-g/content", token: world.outsider)
            #expect(closedList.text == "[]")
            let closedItem = try await api.request(.get, "/api/v1/content/\(world.items["closed-asked-public"]!)", token: world.member)
            #expect(try (closedItem.jsonObject()["item"] as? [String: Any])?["access"] as? String == "members", "content in a closed group is for members")
        }
    }

    @Test("comments follow their thread's access, and a removed member loses access at once")
    func commentsAndRemoval() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let world = try await Self.makeWorld(api)
            let discussion = world.items["closed-asked-public"]!
            let reply = try await Self.post(api, world.member, #"{"parentId":\#(discussion),"body":"Eens!"}"#)
            let nested = try await Self.post(api, world.owner, #"{"parentId":\#(reply),"body":"Fijn."}"#)
            let thread = try await api.request(.get, "/api/v1/content/\(discussion)", token: world.owner)
            let comments = try #require(try thread.jsonObject()["comments"] as? [[String: Any]])
            #expect(comments.map { $0["id"] as? Int } == [reply, nested])
            #expect(comments.last?["parentId"] as? Int == reply)
            #expect(try await api.request(.get, "/api/v1/content/\(reply)", token: world.outsider).status == .notFound)
            #expect(try await api.request(.post, "/api/v1/content", json: #"{"parentId":\#(discussion),"body":"Mag ik?"}"#, token: world.outsider).status == .notFound)

            #expect(try await api.request(.get, "/api/v1/content/\(discussion)", token: world.member).status == .ok)
            #expect(try await api.request(.delete, "/api/v1/groups/closed-g/members/mark", token: world.owner).status == .noContent)
            #expect(try await api.request(.get, "/api/v1/content/\(discussion)", token: world.member).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/content/\(reply)", token: world.member).status == .notFound, "not even their own comment")
            #expect(try await api.request(.get, "/api/v1/groups/closed-g/content", token: world.member).text == "[]")
        }
    }

    @Test("only members write in a group; only authors edit; authors and group admins delete")
    func writeRules() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let world = try await Self.makeWorld(api)
            let outsiderPost = try await api.request(.post, "/api/v1/content", json: #"{"type":"status","body":"Hoi","group":"open-g"}"#, token: world.outsider)
            #expect(outsiderPost.status == .forbidden)
            let open = world.items["open-public"]!
            #expect(try await api.request(.patch, "/api/v1/content/\(open)", json: #"{"body":"Gekaapt"}"#, token: world.member).status == .forbidden)
            let edit = try await api.request(.patch, "/api/v1/content/\(open)", json: #"{"body":"Bijgewerkt"}"#, token: world.owner)
            #expect(try edit.jsonObject()["body"] as? String == "Bijgewerkt")
            let widen = try await api.request(.patch, "/api/v1/content/\(world.items["closed-members"]!)", json: #"{"access":"public"}"#, token: world.owner)
            #expect(widen.status == .unprocessableContent)

            let memberPost = try await Self.post(api, world.member, #"{"type":"status","body":"Van mark","group":"open-g","access":"public"}"#)
            #expect(try await api.request(.delete, "/api/v1/content/\(memberPost)", token: world.outsider).status == .forbidden)
            #expect(try await api.request(.delete, "/api/v1/content/\(memberPost)", token: world.owner).status == .noContent, "the group's owner moderates")
            #expect(try await api.request(.get, "/api/v1/content/\(memberPost)", token: world.member).status == .notFound)
            let missing = try await api.request(.post, "/api/v1/content", json: #"{"type":"blog","body":"Zonder titel"}"#, token: world.member)
            #expect(missing.status == .unprocessableContent)
        }
    }

    @Test("people who can read an item like it once")
    func likes() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let world = try await Self.makeWorld(api)
            let open = world.items["open-public"]!
            let liked = try await api.request(.put, "/api/v1/content/\(open)/like", token: world.member)
            #expect(try liked.jsonObject()["likeCount"] as? Int == 1)
            #expect(try liked.jsonObject()["likedByMe"] as? Bool == true)
            let twice = try await api.request(.put, "/api/v1/content/\(open)/like", token: world.member)
            #expect(try twice.jsonObject()["likeCount"] as? Int == 1)
            #expect(try await api.request(.put, "/api/v1/content/\(world.items["closed-members"]!)/like", token: world.outsider).status == .notFound)
            let unliked = try await api.request(.delete, "/api/v1/content/\(open)/like", token: world.member)
            #expect(try unliked.jsonObject()["likeCount"] as? Int == 0)
        }
    }
}
