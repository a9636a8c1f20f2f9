import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Node
import Storage
import Testing

@Suite("Profiles and profile-field visibility")
struct ProfileTests {
    /// A node with three admin-defined fields and a user who filled each one
    /// in with a different visibility.
    static func nodeWithFilledProfile(_ api: APIClient, node: TestNode) async throws -> (owner: String, other: String) {
        let admin = try await api.token(node.admin.username, node.admin.password)
        for field in [
            #"{"key":"department","label":"Department","kind":"text","position":1}"#,
            #"{"key":"phone","label":"Phone","kind":"text","position":2}"#,
            #"{"key":"birthday","label":"Birthday","kind":"date","position":3}"#,
        ] {
            #expect(try await api.request(.post, "/api/v1/admin/profile-fields", json: field, token: admin).status == .created)
        }
        let owner = try await api.signUp("karin")
        let other = try await api.signUp("lucas")
        let update = try await api.request(.patch, "/api/v1/me/profile", json: """
            {"displayName":"Karin Jansen","organisation":"Waterschap Rivierenland","fields":{
              "department":{"value":"Waterkwaliteit","visibility":"public"},
              "phone":{"value":"+31 6 1234 5678","visibility":"users"},
              "birthday":{"value":"1984-03-09","visibility":"private"}}}
            """, token: owner)
        #expect(update.status == .ok)
        return (owner, other)
    }

    static func fieldValues(_ response: TestResponse) throws -> [String: String] {
        let fields = try #require(try response.jsonObject()["fields"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: fields.map { ($0["key"] as! String, $0["value"] as! String) })
    }

    @Test("anonymous visitors see public fields only")
    func anonymous() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            _ = try await Self.nodeWithFilledProfile(api, node: node)
            let response = try await api.request(.get, "/api/v1/users/karin")
            #expect(response.status == .ok)
            #expect(try Self.fieldValues(response) == ["department": "Waterkwaliteit"])
            #expect(try response.jsonObject()["email"] == nil)
            let page = try await api.request(.get, "/users/karin", headers: [.accept: "text/html"])
            #expect(page.text.contains("Waterkwaliteit"))
            #expect(!page.text.contains("1234 5678"))
            #expect(!page.text.contains("1984-03-09"))
        }
    }

    @Test("signed-in users see public and users-only fields, not private ones")
    func signedIn() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let (_, other) = try await Self.nodeWithFilledProfile(api, node: node)
            let response = try await api.request(.get, "/api/v1/users/karin", token: other)
            #expect(try Self.fieldValues(response) == ["department": "Waterkwaliteit", "phone": "+31 6 1234 5678"])
            let directory = try await api.request(.get, "/api/v1/users", token: other)
            let items = try #require(try directory.jsonObject()["items"] as? [[String: Any]])
            let karin = try #require(items.first { $0["username"] as? String == "karin" })
            #expect((karin["fields"] as? [[String: Any]])?.count == 2, "the directory applies the same rules")
        }
    }

    @Test("the owner sees every field with the visibility they chose")
    func owner() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let (owner, _) = try await Self.nodeWithFilledProfile(api, node: node)
            let response = try await api.request(.get, "/api/v1/users/karin", token: owner)
            #expect(try Self.fieldValues(response).count == 3)
            let fields = try #require(try response.jsonObject()["fields"] as? [[String: Any]])
            #expect(fields.first { $0["key"] as? String == "birthday" }?["visibility"] as? String == "private")
        }
    }

    @Test("the people directory is for signed-in users")
    func directoryNeedsSignIn() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let response = try await api.request(.get, "/api/v1/users")
            #expect(response.status == .unauthorized)
        }
    }

    @Test("an invalid field value is refused and nothing of the change is saved")
    func atomicProfileUpdate() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let (owner, _) = try await Self.nodeWithFilledProfile(api, node: node)
            let response = try await api.request(.patch, "/api/v1/me/profile", json: """
                {"jobTitle":"Should not be saved","email":"new@example.nl","fields":{"birthday":{"value":"1984-02-30"}}}
                """, token: owner)
            #expect(response.status == .unprocessableContent)
            let errors = try #require(try response.jsonObject()["errors"] as? [[String: Any]])
            #expect(errors.first?["pointer"] as? String == "/fields/birthday/value")
            let after = try await api.request(.get, "/api/v1/users/karin", token: owner)
            #expect(try after.jsonObject()["jobTitle"] as? String == "")
            #expect(try after.jsonObject()["email"] == nil, "the e-mail address was not changed either")
            #expect(try Self.fieldValues(after)["birthday"] == "1984-03-09")
        }
    }

    @Test("an avatar must be an image; the stored one is served with its type")
    func avatar() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let token = try await api.signUp("maria")
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 64)
            let notImage = try await api.request(.put, "/api/v1/me/avatar", body: ByteBuffer(string: "<svg onload=alert(1)>"), token: token,
                                                 headers: [.contentType: "image/png"])
            #expect(notImage.status == .unprocessableContent)
            let stored = try await api.request(.put, "/api/v1/me/avatar", body: ByteBuffer(bytes: png), token: token, headers: [.contentType: "image/png"])
            #expect(stored.status == .ok)
            let served = try await api.request(.get, "/users/maria/avatar")
            #expect(served.status == .ok)
            #expect(served.headers[.contentType] == "image/png")
            #expect(Array(buffer: served.body) == png)
        }
    }

    @Test("user content is escaped in pages")
    func escaping() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let token = try await api.signUp("nina")
            let update = try await api.request(.patch, "/api/v1/me/profile", json: #"{"bio":"<script>alert('x')</script>"}"#, token: token)
            #expect(update.status == .ok)
            let page = try await api.request(.get, "/users/nina")
            #expect(!page.text.contains("<script>alert"))
            #expect(page.text.contains("&lt;script&gt;"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
        }
    }
}
