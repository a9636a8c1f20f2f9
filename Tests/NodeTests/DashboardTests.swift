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
}
