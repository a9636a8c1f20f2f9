import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Node
import Testing

@Suite("Group pages")
struct GroupPageTests {
    /// A visitor's form token: the cookie and the value the page embeds.
    static func formToken(_ api: APIClient, _ path: String, cookie: String? = nil) async throws -> (cookie: String, token: String) {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        let page = try await api.request(.get, path, headers: headers)
        let token = try #require(page.text.range(of: #"name="_csrf" value=""#).map { String(page.text[$0.upperBound...].prefix { $0 != "\"" }) })
        if let cookie { return (cookie, token) }
        let issued = try #require(page.setCookie(named: "meent_csrf"))
        return (String(issued.split(separator: ";")[0]), token)
    }

    @Test("someone without an account follows an invitation link, signs up and lands in the group")
    func invitationLinkInBrowser() async throws {
        let node = try await TestNode.make(["REGISTRATION_MODE": "invite-only"])
        try await node.withClient { api in
            let admin = try await api.token(node.admin.username, node.admin.password)
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Participatie","slug":"participatie","membershipMode":"closed","welcomeMessage":"Fijn dat je meedoet!"}"#, token: admin)
            let link = try await api.request(.post, "/api/v1/groups/participatie/invitations", json: "{}", token: admin)
            let url = try #require(try link.jsonObject()["url"] as? String)
            let path = try #require(URL(string: url)?.path)

            let landing = try await api.request(.get, path)
            #expect(landing.status == .ok)
            #expect(landing.text.contains("Participatie"))
            let code = String(path.split(separator: "/").last!)
            #expect(landing.text.contains("/signup?groupInvitation=\(code)"))

            let (cookie, token) = try await Self.formToken(api, "/signup?groupInvitation=\(code)")
            let form = "username=bewoner&password=long+enough+password&groupInvitation=\(code)&_csrf=\(token)"
            let signUp = try await api.request(.post, "/signup", body: ByteBuffer(string: form),
                                               headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookie])
            #expect(signUp.status == .found)
            #expect(signUp.headers[.location] == "/groups/participatie")
            let session = String(try #require(signUp.setCookie(named: "meent_session")).split(separator: ";")[0])
            let groupPage = try await api.request(.get, "/groups/participatie", headers: [.cookie: session])
            #expect(groupPage.text.contains("You are a member of this group."))
            #expect(try await api.request(.get, path).status == .notFound, "the link is used up")
        }
    }

    @Test("a signed-in person joins an open group from its page; hidden groups have no page for outsiders")
    func joinFromPage() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let owner = try await api.signUp("bas")
            _ = try await api.signUp("cas")
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Buurt","slug":"buurt","welcomeMessage":"Welkom in de buurt"}"#, token: owner)
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Stil","slug":"stil","isHidden":true}"#, token: owner)
            let login = try await api.request(.post, "/api/v1/auth/session", json: #"{"username":"cas","password":"long enough password"}"#)
            let session = String(try #require(login.setCookie(named: "meent_session")).split(separator: ";")[0])
            let csrf = try #require(try login.jsonObject()["csrfToken"] as? String)
            let page = try await api.request(.get, "/groups/buurt", headers: [.cookie: session])
            #expect(page.text.contains("action=\"/groups/buurt/join\""))
            let join = try await api.request(.post, "/groups/buurt/join", body: ByteBuffer(string: "_csrf=\(csrf)"),
                                             headers: [.cookie: session, .contentType: "application/x-www-form-urlencoded"])
            #expect(join.headers[.location] == "/groups/buurt?welcome=1")
            let welcomed = try await api.request(.get, "/groups/buurt?welcome=1", headers: [.cookie: session])
            #expect(welcomed.text.contains("Welkom in de buurt"))
            #expect(try await api.request(.get, "/groups/stil", headers: [.cookie: session, .accept: "text/html"]).status == .notFound)
        }
    }
}
