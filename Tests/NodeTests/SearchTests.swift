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

    @Test("the best matches come first, and readable matches ranked below many unreadable ones are still found")
    func rankingAndVisibility() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let owner = try await api.signUp("olga")
            let reader = try await api.signUp("nina")
            // A word once in a long text ranks below the same word twice in a short one.
            let filler = Array(repeating: "over de planning van het overleg", count: 6).joined(separator: " ")
            let weak = try await ContentAccessTests.post(api, owner, #"{"type":"status","body":"Waterberging \#(filler)","access":"public"}"#)
            let strong = try await ContentAccessTests.post(api, owner, #"{"type":"status","body":"Waterberging, waterberging!","access":"public"}"#)
            let ranked = try Self.results(try await api.request(.get, "/api/v1/search?q=waterberging", token: reader), "content")
            #expect(ranked.map { $0["id"] as? Int } == [strong, weak])

            // Many short private matches outrank the few long public ones: the
            // reader must still get the public ones, and only those.
            for index in 0..<90 {
                _ = try await ContentAccessTests.post(api, owner, #"{"type":"status","body":"Dijkbewaking \#(index)","access":"private"}"#)
            }
            var readable: Set<Int> = []
            for _ in 0..<3 {
                readable.insert(try await ContentAccessTests.post(api, owner, #"{"type":"status","body":"Dijkbewaking \#(filler)","access":"users"}"#))
            }
            let found = try Self.results(try await api.request(.get, "/api/v1/search?q=dijkbewaking", token: reader), "content")
            #expect(Set(found.compactMap { $0["id"] as? Int }) == readable)
            #expect(found.count == 3)
            #expect(try Self.results(try await api.request(.get, "/api/v1/search?q=dijkbewaking"), "content").isEmpty, "users-only items are not for anonymous searchers")
            let own = try Self.results(try await api.request(.get, "/api/v1/search?q=dijkbewaking", token: owner), "content")
            #expect(own.count == 20, "the owner reads all 93 and gets one page")
            #expect(own.allSatisfy { !readable.contains($0["id"] as? Int ?? 0) }, "the short private items rank first")
        }
    }

    @Test("words are matched whole, except the last one, which also matches the start of a longer word (search as you type)")
    func lastWordIsAPrefix() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let token = try await api.signUp("xavi")
            let compound = try await ContentAccessTests.post(api, token, #"{"type":"status","body":"Dijkversterking bij de rivier","access":"public"}"#)
            let words = try await ContentAccessTests.post(api, token, #"{"type":"status","body":"Dijk versterken langs de kust","access":"public"}"#)
            let plural = try await ContentAccessTests.post(api, token, #"{"type":"status","body":"Versterking van de dijken","access":"public"}"#)
            func found(_ query: String) async throws -> Set<Int> {
                let response = try await api.request(.get, "/api/v1/search?q=\(query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", token: token)
                return Set(try Self.results(response, "content").compactMap { $0["id"] as? Int })
            }
            #expect(try await found("dijk") == [compound, words, plural], "a single word is a prefix")
            #expect(try await found("di") == [compound, words, plural], "so are two letters")
            #expect(try await found("dijk vers") == [words], "the first word whole, the last one a prefix")
            #expect(try await found("vers dijk").isEmpty, "a word before the last is not a prefix")
            #expect(try await found("versterking dijk") == [plural])
            #expect(try await found("rivier d").isEmpty, "a single letter matches only itself")
            #expect(try await found("rivier de") == [compound])
        }
    }
}
