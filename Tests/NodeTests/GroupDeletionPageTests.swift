import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Node
import Testing

@Suite("Deleting a group from its settings page")
struct GroupDeletionPageTests {
    static func post(_ api: APIClient, _ path: String, _ form: String, cookie: String, language: String = "en") async throws -> TestResponse {
        try await api.request(.post, path, body: ByteBuffer(string: form),
                              headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded", .accept: "text/html",
                                        .acceptLanguage: language])
    }

    @Test("the owner deletes the group after typing its name; a member is refused, a post without the form token is refused, a wrong name is explained in the visitor's language")
    func ownerDeletesGroup() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let owner = try await api.signUp("olga")
            let member = try await api.signUp("mees")
            #expect(try await api.request(.post, "/api/v1/groups", json: #"{"name":"Dijkbeheer Noord","slug":"dijk"}"#, token: owner).status == .created)
            #expect(try await api.request(.post, "/api/v1/groups/dijk/join", token: member).status == .ok)
            let (olga, olgaToken) = try await WebPageTests.session(api, "olga")
            let (mees, meesToken) = try await WebPageTests.session(api, "mees")
            let exists = { try await api.request(.get, "/api/v1/groups/dijk", token: owner).status == .ok }

            let settings = try await api.request(.get, "/groups/dijk/settings", headers: [.cookie: olga])
            #expect(settings.text.contains(#"action="/groups/dijk/delete""#))
            #expect(settings.text.contains(#"<label for="delete-group-name">Type the group&#39;s name to confirm</label>"#))

            // A member who is not the owner: no settings page, and the form's address refuses even with the right name.
            #expect(try await api.request(.get, "/groups/dijk/settings", headers: [.cookie: mees, .accept: "text/html"]).status == .forbidden)
            let byMember = try await Self.post(api, "/groups/dijk/delete", "confirmName=Dijkbeheer+Noord&_csrf=\(meesToken)", cookie: mees)
            #expect(byMember.status == .forbidden)
            #expect(try await exists())

            // Without the session's form token nothing happens.
            #expect(try await Self.post(api, "/groups/dijk/delete", "confirmName=Dijkbeheer+Noord", cookie: olga).status == .forbidden)
            #expect(try await Self.post(api, "/groups/dijk/delete", "confirmName=Dijkbeheer+Noord&_csrf=forged", cookie: olga).status == .forbidden)
            #expect(try await exists())

            // Without the name, or with another one, the page says why next to the field.
            let unconfirmed = try await Self.post(api, "/groups/dijk/delete", "confirmName=&_csrf=\(olgaToken)", cookie: olga)
            #expect(unconfirmed.status == .unprocessableContent)
            #expect(unconfirmed.text.contains(#"id="delete-group-name-error" class="field-error">type the group&#39;s name exactly as shown"#))
            #expect(unconfirmed.text.contains(#"aria-invalid="true""#))
            let inDutch = try await Self.post(api, "/groups/dijk/delete", "confirmName=dijk&_csrf=\(olgaToken)", cookie: olga, language: "nl")
            #expect(inDutch.status == .unprocessableContent)
            #expect(inDutch.text.contains("typ de naam van de groep precies zoals hij er staat"))
            #expect(try await exists())

            let deleted = try await Self.post(api, "/groups/dijk/delete", "confirmName=Dijkbeheer+Noord&_csrf=\(olgaToken)", cookie: olga)
            #expect(deleted.status == .seeOther)
            #expect(deleted.headers[.location] == "/groups?deleted=1")
            #expect(try await api.request(.get, "/api/v1/groups/dijk", token: owner).status == .notFound)
            let list = try await api.request(.get, "/groups?deleted=1", headers: [.cookie: olga])
            #expect(list.text.contains(#"<p class="notice" role="status">The group has been deleted.</p>"#))
        }
    }

    @Test("a group admin who is not the owner sees the settings but is told who can delete the group; a node administrator can delete it")
    func adminsAndNodeAdministrators() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let owner = try await api.signUp("olga")
            let helper = try await api.signUp("hans")
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Haven","slug":"haven"}"#, token: owner)
            _ = try await api.request(.post, "/api/v1/groups/haven/join", token: helper)
            #expect(try await api.request(.patch, "/api/v1/groups/haven/members/hans", json: #"{"role":"admin"}"#, token: owner).status == .ok)
            let (hans, hansToken) = try await WebPageTests.session(api, "hans")
            let settings = try await api.request(.get, "/groups/haven/settings", headers: [.cookie: hans])
            #expect(settings.status == .ok)
            #expect(!settings.text.contains(#"action="/groups/haven/delete""#))
            #expect(settings.text.contains("Only the group&#39;s owner or a node administrator can delete the group."))
            #expect(try await Self.post(api, "/groups/haven/delete", "confirmName=Haven&_csrf=\(hansToken)", cookie: hans).status == .forbidden)

            let (admin, adminToken) = try await WebPageTests.session(api, node.admin.username, password: node.admin.password)
            #expect(try await api.request(.get, "/groups/haven/settings", headers: [.cookie: admin]).text.contains(#"action="/groups/haven/delete""#))
            #expect(try await Self.post(api, "/groups/haven/delete", "confirmName=Haven&_csrf=\(adminToken)", cookie: admin).status == .seeOther)
            #expect(try await api.request(.get, "/api/v1/groups/haven", token: owner).status == .notFound)
        }
    }
}
