import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Node
import Storage
import Testing

/// The administration pages added for the registration mode and the
/// data-flow ledger: administrators only, forms with the CSRF token, and a
/// registration mode that sign-up follows at once.
@Suite("Admin pages: registration mode and data-flow ledger")
struct AdminPageTests {
    static func adminSession(_ api: APIClient, _ node: TestNode) async throws -> (cookie: String, csrf: String) {
        let login = try await api.request(.post, "/api/v1/auth/session",
                                          json: #"{"username":"\#(node.admin.username)","password":"\#(node.admin.password)"}"#)
        let cookie = String(try #require(login.setCookie(named: "meent_session")).split(separator: ";")[0])
        return (cookie, try #require(try login.jsonObject()["csrfToken"] as? String))
    }

    static func signUpThroughAPI(_ api: APIClient, _ username: String) async throws -> HTTPResponse.Status {
        try await api.request(.post, "/api/v1/auth/signup", json: #"{"username":"\#(username)","password":"long enough password"}"#).status
    }

    @Test("an administrator sets the registration mode on a page; sign-up through the API and the page follows it at once")
    func registrationModeFromPage() async throws {
        let node = try await TestNode.make()  // node.conf says open
        try await node.withClient { api in
            let admin = try await Self.adminSession(api, node)
            let overview = try await api.request(.get, "/admin", headers: [.cookie: admin.cookie])
            #expect(overview.text.contains(#"action="/admin/registration""#))
            #expect(overview.text.contains(#"id="mode-configured" name="mode" value="configured" checked"#), "node.conf's mode is in force")

            let closed = try await WebPageTests.post(api, "/admin/registration", "mode=closed&_csrf=\(admin.csrf)", cookie: admin.cookie)
            #expect(closed.status == .seeOther)
            #expect(closed.headers[.location] == "/admin?registrationSaved=1")
            #expect(try await Self.signUpThroughAPI(api, "karel") == .forbidden, "the API refuses sign-up at once")
            let (visitor, token) = try await GroupPageTests.formToken(api, "/login")
            let page = try await WebPageTests.post(api, "/signup", "username=karel&password=long+enough+password&_csrf=\(token)", cookie: visitor)
            #expect(page.status == .forbidden, "and so does the page")
            let signUpPage = try await api.request(.get, "/signup")
            #expect(signUpPage.text.contains("This node does not accept new accounts.") && !signUpPage.text.contains(#"action="/signup""#))
            #expect(!signUpPage.text.contains(#"href="/signup""#), "no sign-up link in the header while closed")
            let summary = try await api.request(.get, "/api/v1/node")
            #expect(try summary.jsonObject()["registrationMode"] as? String == "closed")
            #expect(try await node.database.account(username: "karel") == nil)

            let inviteOnly = try await WebPageTests.post(api, "/admin/registration", "mode=invite-only&_csrf=\(admin.csrf)", cookie: admin.cookie)
            #expect(inviteOnly.status == .seeOther)
            #expect(try await Self.signUpThroughAPI(api, "karel") == .unprocessableContent, "an invitation code is needed now")
            #expect(try await api.request(.get, "/signup").text.contains(#"name="inviteCode""#))

            let back = try await WebPageTests.post(api, "/admin/registration", "mode=configured&_csrf=\(admin.csrf)", cookie: admin.cookie)
            #expect(back.status == .seeOther)
            #expect(try await Self.signUpThroughAPI(api, "karel") == .created, "node.conf's open mode applies again")
            #expect(try await node.database.setting("registrationMode") == nil)
        }
    }

    @Test("a person who is not an administrator, a form without its token, and an unknown mode change nothing")
    func registrationModeRefusals() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            _ = try await api.signUp("marit")
            let marit = try await WebPageTests.session(api, "marit")
            let refused = try await WebPageTests.post(api, "/admin/registration", "mode=closed&_csrf=\(marit.csrf)", cookie: marit.cookie)
            #expect(refused.status == .forbidden)
            #expect(try await api.request(.get, "/admin", headers: [.cookie: marit.cookie, .accept: "text/html"]).status == .forbidden)

            let admin = try await Self.adminSession(api, node)
            let forged = try await WebPageTests.post(api, "/admin/registration", "mode=closed", cookie: admin.cookie)
            #expect(forged.status == .forbidden)
            let wrongToken = try await WebPageTests.post(api, "/admin/registration", "mode=closed&_csrf=\(marit.csrf)", cookie: admin.cookie)
            #expect(wrongToken.status == .forbidden, "another session's token is no token")

            let unknown = try await WebPageTests.post(api, "/admin/registration", "mode=everyone&_csrf=\(admin.csrf)", cookie: admin.cookie)
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.text.contains(#"<fieldset role="radiogroup" aria-invalid="true" aria-describedby="registration-error">"#))
            #expect(unknown.text.contains(#"id="registration-error""#), "the problem is next to the choice it is about")

            #expect(try await node.database.setting("registrationMode") == nil)
            #expect(try await Self.signUpThroughAPI(api, "nina") == .created, "still open")
        }
    }

    @Test("the ledger page shows what went where, filters by object, host and open deletions, and is for administrators only")
    func ledgerPage() async throws {
        let node = try await TestNode.make(["FEDERATION_MODE": "open"])
        let base = node.services.configuration.baseURL.absoluteString
        try await node.withClient { api in
            _ = try await api.signUp("piet")
            _ = try await api.signUp("joke")
            let piet = "\(base)/users/piet"
            let joke = "\(base)/users/joke"
            try await node.database.recordFetch(LedgerSubject(piet, kind: .profile), host: "b.example")
            try await node.database.recordFetch(LedgerSubject(piet, kind: .profile), host: "c.example:8443")
            try await node.database.recordFetch(LedgerSubject(joke, kind: .profile), host: "b.example")
            // Joke's account is deleted: the nodes that got her profile are asked to delete it
            // (b.example is known by a person of it, whose inbox the Delete goes to).
            try await node.database.saveRemoteActor(RemoteActor(
                id: "https://b.example/users/kees", type: "Person", host: "b.example", preferredUsername: "kees", name: "Kees", summary: nil,
                inbox: "https://b.example/users/kees/inbox", sharedInbox: nil, rsaKeyId: nil, rsaPublicKeyPEM: nil,
                ed25519KeyId: nil, ed25519Multibase: nil, document: Data("{}".utf8), fetchedAt: Date()))
            try await node.services.deleteAccount(try #require(try await node.database.account(username: "joke")))

            let pietSession = try await WebPageTests.session(api, "piet")
            #expect(try await api.request(.get, "/admin/ledger", headers: [.cookie: pietSession.cookie, .accept: "text/html"]).status == .forbidden)
            #expect(try await api.request(.get, "/admin/ledger", headers: [.accept: "text/html"]).status == .seeOther, "a visitor is sent to sign in")

            let admin = try await Self.adminSession(api, node)
            let all = try await api.request(.get, "/admin/ledger", headers: [.cookie: admin.cookie])
            #expect(all.status == .ok)
            #expect(all.text.contains(#"href="/admin/ledger""#), "linked from the admin tabs")
            #expect(all.text.contains(piet) && all.text.contains(joke))
            #expect(all.text.contains("c.example:8443"))
            #expect(all.text.components(separatedBy: "<tr").count - 2 == 3, "three entries (and the header row)")

            let byHost = try await api.request(.get, "/admin/ledger?host=c.example%3A8443", headers: [.cookie: admin.cookie])
            #expect(byHost.text.contains(piet) && !byHost.text.contains(joke))

            let byObject = try await api.request(.get, "/admin/ledger?object=\(joke.urlQueryEncoded)", headers: [.cookie: admin.cookie])
            #expect(byObject.text.contains(joke) && !byObject.text.contains(">\(piet)<"))

            let open = try await api.request(.get, "/admin/ledger?open=1", headers: [.cookie: admin.cookie])
            #expect(open.text.contains(joke) && open.text.contains("open since"))
            #expect(!open.text.contains(">\(piet)<"), "Piet's profile has no deletion asked for")

            let badHost = try await api.request(.get, "/admin/ledger?host=not%20a%20host", headers: [.cookie: admin.cookie])
            #expect(badHost.status == .unprocessableContent)
            #expect(badHost.text.contains(#"aria-invalid="true" aria-describedby="ledger-host-error""#))
            #expect(badHost.text.contains(#"id="ledger-host-error""#))
        }
    }

    @Test("the ledger page shows 50 entries at a time with links to the next and previous pages")
    func ledgerPages() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            for number in 0..<55 {
                try await node.database.recordFetch(LedgerSubject("https://a.example/items/\(1000 + number)", kind: .content), host: "b.example")
            }
            let admin = try await Self.adminSession(api, node)
            let first = try await api.request(.get, "/admin/ledger?host=b.example", headers: [.cookie: admin.cookie])
            #expect(first.text.contains("/items/1049<") && !first.text.contains("/items/1050<"))
            #expect(first.text.contains(#"href="/admin/ledger?host=b%2Eexample&amp;page=2" rel="next""#))
            #expect(!first.text.contains(#"rel="prev""#))
            let second = try await api.request(.get, "/admin/ledger?host=b.example&page=2", headers: [.cookie: admin.cookie])
            #expect(second.text.contains("/items/1050<") && second.text.contains("/items/1054<"))
            #expect(!second.text.contains("/items/1049<"))
            #expect(second.text.contains(#"rel="prev""#) && !second.text.contains(#"rel="next""#))
        }
    }
}
