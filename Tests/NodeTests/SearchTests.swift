import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Node
import Testing

@Suite("Search")
struct SearchTests {
    static func results(_ response: TestResponse, _ key: String) throws -> [[String: Any]] {
        try #require(try response.jsonObject()[key] as? [[String: Any]])
    }

    @Test("search finds content, groups and people, and only what the searcher may see")
    func visibility() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let world = try await ContentAccessTests.makeWorld(api)
            _ = try await api.request(.patch, "/api/v1/me/profile", json: #"{"displayName":"Olga Veenstra","organisation":"Waterschap Zuid"}"#, token: world.owner)
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Geheime Waterplannen","slug":"geheim","isHidden":true}"#, token: world.owner)

            for (reader, token) in [("A", nil), ("N", world.outsider), ("M", world.member), ("O", world.owner)] as [(Character, String?)] {
                // Every seeded item has a distinct word; search each and check who finds it.
                for (name, id) in world.items {
                    let word = ["personal-public": "Goedemorgen", "personal-users": "ingelogden", "personal-private": "Concept",
                                "open-public": "iedereen", "open-users": "discussie", "open-members": "leden", "open-private": "notitie",
                                "closed-asked-public": "Gesloten", "closed-members": "Vertrouwelijk"][name]!
                    let response = try await api.request(.get, "/api/v1/search?q=\(word)", token: token)
                    let found = try Self.results(response, "content").contains { $0["id"] as? Int == id }
                    #expect(found == ContentAccessTests.expected[name]!.contains(reader), "\(reader) searching \(word) for \(name)")
                }
            }
            let anonymous = try await api.request(.get, "/api/v1/search?q=waterschap")
            #expect(try Self.results(anonymous, "people").isEmpty, "people are found by signed-in searchers only")
            let signedIn = try await api.request(.get, "/api/v1/search?q=waterschap", token: world.outsider)
            #expect(try Self.results(signedIn, "people").map { $0["username"] as? String } == ["olga"])
            #expect(try Self.results(try await api.request(.get, "/api/v1/search?q=waterplannen", token: world.outsider), "groups").isEmpty)
            #expect(try Self.results(try await api.request(.get, "/api/v1/search?q=waterplannen", token: world.owner), "groups").count == 1)
            #expect(try Self.results(try await api.request(.get, "/api/v1/search?q=clos", token: world.outsider), "groups").map { $0["slug"] as? String } == ["closed-g"],
                    "prefixes match")
            let syntax = try await api.request(.get, "/api/v1/search?q=%22unbalanced%20AND%20(", token: world.outsider)
            #expect(syntax.status == .ok, "search syntax in the query is treated as words")
            #expect(try await api.request(.get, "/api/v1/search?q=%20", token: world.outsider).status == .badRequest)
        }
    }

    @Test("edited and deleted content is found by its current text only")
    func indexFollowsChanges() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let token = try await api.signUp("xavi")
            let id = try await ContentAccessTests.post(api, token, #"{"type":"status","body":"Fietsenstalling","access":"public"}"#)
            _ = try await api.request(.patch, "/api/v1/content/\(id)", json: #"{"body":"Parkeergarage"}"#, token: token)
            #expect(try Self.results(try await api.request(.get, "/api/v1/search?q=fietsenstalling"), "content").isEmpty)
            #expect(try Self.results(try await api.request(.get, "/api/v1/search?q=parkeergarage"), "content").count == 1)
            _ = try await api.request(.delete, "/api/v1/content/\(id)", token: token)
            #expect(try Self.results(try await api.request(.get, "/api/v1/search?q=parkeergarage"), "content").isEmpty)
        }
    }
}
