import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Node
import Testing

@Suite("Dashboard")
struct DashboardTests {
    static func ids(_ response: TestResponse) throws -> [Int] {
        try #require(try response.jsonObject()["items"] as? [[String: Any]]).compactMap { $0["id"] as? Int }
    }

    @Test("the dashboard shows a person's groups, the people they follow and their own posts, newest first, a page at a time")
    func stream() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let reader = try await api.signUp("piet")
            let colleague = try await api.signUp("roos")
            let stranger = try await api.signUp("sem")
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Team Data","slug":"team-data"}"#, token: colleague)
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Elders","slug":"elders"}"#, token: stranger)
            _ = try await api.request(.post, "/api/v1/groups/team-data/join", token: reader)
            let follow = try await api.request(.post, "/api/v1/follows", json: #"{"account":"sem"}"#, token: reader)
            #expect(follow.status == .created)

            let inGroup = try await ContentAccessTests.post(api, colleague, #"{"type":"status","body":"Standup om 9u","group":"team-data"}"#)
            let elsewhere = try await ContentAccessTests.post(api, stranger, #"{"type":"status","body":"Elders","group":"elders"}"#)
            let followedPublic = try await ContentAccessTests.post(api, stranger, #"{"type":"status","body":"Publiek","access":"public"}"#)
            let followedPrivate = try await ContentAccessTests.post(api, stranger, #"{"type":"status","body":"Privé","access":"private"}"#)
            let colleaguePersonal = try await ContentAccessTests.post(api, colleague, #"{"type":"status","body":"Niet gevolgd","access":"public"}"#)
            let own = try await ContentAccessTests.post(api, reader, #"{"type":"blog","title":"Mijn blog","body":"Tekst"}"#)

            let page = try await api.request(.get, "/api/v1/me/dashboard", token: reader)
            #expect(try Self.ids(page) == [own, followedPublic, inGroup])
            #expect(![elsewhere, followedPrivate, colleaguePersonal].contains { try! Self.ids(page).contains($0) })

            let first = try await api.request(.get, "/api/v1/me/dashboard?limit=2", token: reader)
            #expect(try Self.ids(first) == [own, followedPublic])
            let cursor = try #require(try first.jsonObject()["next"] as? String)
            let second = try await api.request(.get, "/api/v1/me/dashboard?limit=2&before=\(cursor)", token: reader)
            #expect(try Self.ids(second) == [inGroup])
            #expect(try second.jsonObject()["next"] == nil)

            let blogs = try await api.request(.get, "/api/v1/me/dashboard?type=blog", token: reader)
            #expect(try Self.ids(blogs) == [own])
            #expect(try await api.request(.get, "/api/v1/me/dashboard").status == .unauthorized)
        }
    }

    @Test("pages show an edited item's new text at once, and an item that is no longer readable leaves other readers' pages")
    func renderedBodiesFollowEdits() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let author = try await api.signUp("roos")
            let reader = try await api.signUp("piet")
            let outsider = try await api.signUp("sem")
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Team Data","slug":"team-data","membershipMode":"closed"}"#, token: author)
            _ = try await api.request(.post, "/api/v1/groups/team-data/members", json: #"{"username":"piet"}"#, token: author)
            _ = try await api.request(.post, "/api/v1/groups/team-data/join", token: reader)
            let id = try await ContentAccessTests.post(api, author, #"{"type":"status","body":"**Eerste** versie van het plan","group":"team-data"}"#)
            let pages = ["/dashboard", "/groups/team-data/updates", "/content/\(id)"]

            // The reader's pages render the body (and keep its HTML).
            for path in pages {
                let page = try await api.request(.get, path, token: reader)
                #expect(page.status == .ok, "\(path)")
                #expect(page.text.contains("<strong>Eerste</strong> versie van het plan"), "\(path)")
            }
            // Someone outside the closed group gets none of it, although its HTML is kept.
            let search = try await api.request(.get, "/search?q=versie", token: outsider)
            #expect(search.status == .ok)
            #expect(!search.text.contains("versie van het plan"))
            #expect(!(try await api.request(.get, "/dashboard", token: outsider)).text.contains("versie van het plan"))
            #expect(try await api.request(.get, "/content/\(id)", token: outsider).status == .notFound)

            // An edit shows at once, on every page.
            let edit = try await api.request(.patch, "/api/v1/content/\(id)", json: #"{"body":"*Tweede* versie van het plan"}"#, token: author)
            #expect(edit.status == .ok)
            for path in pages {
                let page = try await api.request(.get, path, token: reader)
                #expect(page.text.contains("<em>Tweede</em> versie van het plan"), "\(path)")
                #expect(!page.text.contains("Eerste"), "\(path) shows no stale HTML")
            }

            // Made private: gone from the reader's pages, still on the author's.
            _ = try await api.request(.patch, "/api/v1/content/\(id)", json: #"{"access":"private"}"#, token: author)
            #expect(!(try await api.request(.get, "/dashboard", token: reader)).text.contains("versie van het plan"))
            #expect(!(try await api.request(.get, "/groups/team-data/updates", token: reader)).text.contains("versie van het plan"))
            #expect(!(try await api.request(.get, "/groups/team-data", token: reader)).text.contains("/content/\(id)\""), "nor listed on the group's page")
            #expect(try await api.request(.get, "/content/\(id)", token: reader).status == .notFound)
            #expect(try await api.request(.get, "/dashboard", token: author).text.contains("<em>Tweede</em> versie van het plan"))
        }
    }
}
