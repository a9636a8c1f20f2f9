import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Node
import Testing

/// Group icons, filtering groups by tag, and managing invitation links.
@Suite("Group icons, tags and invitation links")
struct GroupIconTagInvitationTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 9, count: 64)

    @Test("a group's managers set an icon checked by its bytes; it is served with caching headers to whoever may see the group")
    func icons() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let owner = try await api.signUp("olga")
            let member = try await api.signUp("mark")
            let outsider = try await api.signUp("nina")
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Zichtbaar","slug":"zichtbaar"}"#, token: owner)
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Verborgen","slug":"verborgen","isHidden":true,"membershipMode":"closed"}"#, token: owner)
            _ = try await api.request(.post, "/api/v1/groups/zichtbaar/join", token: member)
            _ = try await api.request(.post, "/api/v1/groups/verborgen/members", json: #"{"username":"mark"}"#, token: owner)
            _ = try await api.request(.post, "/api/v1/groups/verborgen/join", token: member)

            let html = try await api.request(.put, "/api/v1/groups/zichtbaar/icon", body: ByteBuffer(string: "<svg onload=alert(1)>"), token: owner,
                                             headers: [.contentType: "image/png"])
            #expect(html.status == .unprocessableContent, "the claimed type does not count, the bytes do")
            #expect(try (html.jsonObject()["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/icon")
            let byMember = try await api.request(.put, "/api/v1/groups/zichtbaar/icon", body: ByteBuffer(bytes: Self.png), token: member)
            #expect(byMember.status == .forbidden)
            let set = try await api.request(.put, "/api/v1/groups/zichtbaar/icon", body: ByteBuffer(bytes: Self.png), token: owner)
            #expect(set.status == .ok)
            #expect((try set.jsonObject()["iconURL"] as? String)?.contains("/api/v1/groups/zichtbaar/icon") == true)

            let served = try await api.request(.get, "/api/v1/groups/zichtbaar/icon", token: nil)
            #expect(served.status == .ok)
            #expect(served.headers[.contentType] == "image/png")
            #expect(Array(buffer: served.body) == Self.png)
            #expect(served.headers[.cacheControl] == "public, max-age=300")
            let etag = try #require(served.headers[.eTag])
            #expect(try await api.request(.get, "/api/v1/groups/zichtbaar/icon", token: nil, headers: [.ifNoneMatch: etag]).status == .notModified)

            #expect(try await api.request(.put, "/api/v1/groups/verborgen/icon", body: ByteBuffer(bytes: Self.png), token: owner).status == .ok)
            #expect(try await api.request(.get, "/api/v1/groups/verborgen/icon", token: nil).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/groups/verborgen/icon", token: outsider).status == .notFound)
            let forMember = try await api.request(.get, "/api/v1/groups/verborgen/icon", token: member)
            #expect(forMember.status == .ok)
            #expect(forMember.headers[.cacheControl] == "private, max-age=300", "shared caches do not keep a hidden group's icon")

            // Both groups use the same bytes: removing one icon keeps the other.
            #expect(try await api.request(.delete, "/api/v1/groups/zichtbaar/icon", token: owner).status == .noContent)
            #expect(try await api.request(.get, "/api/v1/groups/zichtbaar/icon", token: nil).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/groups/verborgen/icon", token: member).status == .ok)
        }
    }

    @Test("the group list filters by tag")
    func tagFilter() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let owner = try await api.signUp("olga")
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Water","slug":"water","tags":["Klimaat","water"]}"#, token: owner)
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Bodem","slug":"bodem","tags":["bodem"]}"#, token: owner)
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Lucht","slug":"lucht","tags":["klimaatbeleid"]}"#, token: owner)
            let page = try await api.request(.get, "/api/v1/groups?tag=KLIMAAT", token: nil)
            let slugs = try #require(try page.jsonObject()["items"] as? [[String: Any]]).compactMap { $0["slug"] as? String }
            #expect(slugs == ["water"], "exactly the tag, in any case")
        }
    }

    @Test("a group's managers list and revoke its invitation links; a revoked link lets nobody in")
    func invitationLinks() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let owner = try await api.signUp("olga")
            let member = try await api.signUp("mark")
            let guest = try await api.signUp("gast")
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Klimaat","slug":"klimaat","membershipMode":"closed"}"#, token: owner)
            _ = try await api.request(.post, "/api/v1/groups/klimaat/members", json: #"{"username":"mark"}"#, token: owner)
            _ = try await api.request(.post, "/api/v1/groups/klimaat/join", token: member)
            let made = try await api.request(.post, "/api/v1/groups/klimaat/invitations", json: #"{"email":"sara@example.nl"}"#, token: owner)
            let code = try #require(try made.jsonObject()["code"] as? String)
            let id = try #require(try made.jsonObject()["id"] as? Int)

            #expect(try await api.request(.get, "/api/v1/groups/klimaat/invitations", token: member).status == .forbidden)
            #expect(try await api.request(.delete, "/api/v1/groups/klimaat/invitations/\(id)", token: member).status == .forbidden)
            let listed = try await api.request(.get, "/api/v1/groups/klimaat/invitations", token: owner)
            let links = try #require(try JSONSerialization.jsonObject(with: Data(buffer: listed.body)) as? [[String: Any]])
            #expect(links.count == 1)
            #expect(links.first?["id"] as? Int == id)
            #expect(links.first?["email"] as? String == "sara@example.nl")
            #expect(links.first?["createdBy"] as? String == "olga")
            #expect(links.first?["isUsable"] as? Bool == true)
            #expect(!listed.text.contains(code), "the code is never shown again")

            #expect(try await api.request(.delete, "/api/v1/groups/klimaat/invitations/\(id)", token: owner).status == .noContent)
            #expect(try await api.request(.delete, "/api/v1/groups/klimaat/invitations/\(id)", token: owner).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/groups/klimaat/invitations", token: owner).text == "[]")
            let accept = try await api.request(.post, "/api/v1/group-invitations/accept", json: #"{"code":"\#(code)"}"#, token: guest)
            #expect(accept.status == .unprocessableContent)
            let signUp = try await api.request(.post, "/api/v1/auth/signup",
                                               json: #"{"username":"sara","password":"long enough password","groupInvitation":"\#(code)"}"#)
            #expect(signUp.status == .unprocessableContent)
            #expect(try await node.database.account(username: "sara") == nil)
        }
    }
}
