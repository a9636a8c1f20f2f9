import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Node
import Testing

@Suite("Web pages: forms, language, branding, safe content")
struct WebPageTests {
    /// Signs in through the JSON API; returns the session cookie and its CSRF token, as a browser holds them.
    static func session(_ api: APIClient, _ username: String, password: String = "long enough password") async throws -> (cookie: String, csrf: String) {
        let login = try await api.request(.post, "/api/v1/auth/session", json: #"{"username":"\#(username)","password":"\#(password)"}"#)
        let cookie = String(try #require(login.setCookie(named: "meent_session")).split(separator: ";")[0])
        return (cookie, try #require(try login.jsonObject()["csrfToken"] as? String))
    }

    static func post(_ api: APIClient, _ path: String, _ form: String, cookie: String) async throws -> TestResponse {
        try await api.request(.post, path, body: ByteBuffer(string: form),
                              headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded", .accept: "text/html"])
    }

    @Test("a signed-in form posted without the session's token is refused and changes nothing")
    func formWithoutToken() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            _ = try await api.signUp("anna")
            let (cookie, csrf) = try await Self.session(api, "anna")
            let refused = try await Self.post(api, "/groups/new", "name=Zonder+token", cookie: cookie)
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains("This form has expired or was not sent from this site."), "explained on a page of the site")
            #expect(refused.text.contains("Sign out"), "with the site's navigation")
            let forged = try await Self.post(api, "/groups/new", "name=Vals&_csrf=not-the-token", cookie: cookie)
            #expect(forged.status == .forbidden)
            #expect(try await api.request(.get, "/groups", headers: [.cookie: cookie]).text.contains("Zonder token") == false)

            let created = try await Self.post(api, "/groups/new", "name=Met+token&membershipMode=closed&_csrf=\(csrf)", cookie: cookie)
            #expect(created.status == .seeOther)
            #expect(created.headers[.location] == "/groups/met-token")
        }
    }

    @Test("pages follow Accept-Language, fall back to the configured default, and the switch sets a cookie")
    func languages() async throws {
        let node = try await TestNode.make(["DEFAULT_LANGUAGE": "nl"])
        try await node.withClient { api in
            let dutch = try await api.request(.get, "/login")
            #expect(dutch.text.contains(#"<html lang="nl">"#))
            #expect(dutch.text.contains("Inloggen"))
            let english = try await api.request(.get, "/login", headers: [.acceptLanguage: "en-GB,en;q=0.9,nl;q=0.5"])
            #expect(english.text.contains(#"<html lang="en">"#))

            let (cookie, token) = try await GroupPageTests.formToken(api, "/login")
            let switched = try await Self.post(api, "/language", "lang=en&back=%2Fsignup&_csrf=\(token)", cookie: cookie)
            #expect(switched.status == .seeOther)
            #expect(switched.headers[.location] == "/signup")
            let chosen = String(try #require(switched.setCookie(named: "meent_lang")).split(separator: ";")[0])
            #expect(chosen == "meent_lang=en")
            let page = try await api.request(.get, "/signup", headers: [.cookie: "\(cookie); \(chosen)", .acceptLanguage: "nl"])
            #expect(page.text.contains("Create an account"), "the chosen language wins over the browser's")

            let offsite = try await Self.post(api, "/language", "lang=en&back=%2F%2Fevil.example%2F&_csrf=\(token)", cookie: cookie)
            #expect(offsite.headers[.location] == "/", "the switch never sends a visitor to another site")
        }
    }

    @Test("every locale has the same keys, and every key a template uses exists")
    func localesComplete() throws {
        let resources = try Resources.directory()
        let localizer = try Localizer(directory: resources.appendingPathComponent("locales"), defaultLanguage: "en")
        let english = Set(localizer.strings(for: "en").keys)
        #expect(english == Set(localizer.strings(for: "nl").keys))
        let templates = try FileManager.default.contentsOfDirectory(at: resources.appendingPathComponent("templates"), includingPropertiesForKeys: nil)
        let pattern = try Regex(#"\{\{t\.([A-Za-z]+)\}\}"#)
        for template in templates {
            let text = try String(contentsOf: template, encoding: .utf8)
            for match in text.matches(of: pattern) {
                let key = String(text[match.range].dropFirst(4).dropLast(2))
                #expect(english.contains(key), "\(template.lastPathComponent) uses t.\(key), which no locale has")
            }
        }
    }

    @Test("an administrator's colours are validated and text on them keeps AA contrast")
    func branding() async throws {
        let node = try await TestNode.make()
        let service = node.services.branding
        let admin = try #require(try await node.services.database.account(username: node.admin.username))
        await #expect(throws: ServiceError.self) {
            try await service.save(.init(name: "", primaryColor: "red", accentColor: "#ffb612", logo: nil, removeLogo: false), by: admin)
        }
        await #expect(throws: ServiceError.self) {
            try await service.save(.init(name: "", primaryColor: "#154273", accentColor: "#ffb612", logo: Array("not an image".utf8), removeLogo: false), by: admin)
        }
        for color in ["#ffff00", "#154273", "#777777", "#00a000", "#e60000", "#FFF"] {
            try await service.save(.init(name: "Waterschap", primaryColor: color, accentColor: color, logo: nil, removeLogo: false), by: admin)
            let brand = try await service.current()
            #expect(BrandingService.contrast(brand.primaryColor, brand.primaryText) >= 4.5, "text on \(color)")
            #expect(BrandingService.contrast(brand.linkColor, "#ffffff") >= 4.5, "links for \(color) on white")
            #expect(brand.name == "Waterschap")
        }
        try await node.withClient { api in
            let css = try await api.request(.get, "/branding.css")
            #expect(css.text.contains("--brand: #ffffff; --brand-contrast: #000000;"))
            #expect(try await api.request(.get, "/login").text.contains("Waterschap"))
        }
    }

    @Test("Markdown becomes markup, raw HTML and script links stay text")
    func markdownIsSafe() {
        let html = Markdown.html("# Kop\n\n**vet** en *schuin* <script>alert(1)</script>\n\n- [ok](https://example.org/a?b=1&c=2)\n- [fout](javascript:alert(1))\n\n<img src=x onerror=alert(1)>")
        #expect(html.contains("<h2>Kop</h2>"))
        #expect(html.contains("<strong>vet</strong> en <em>schuin</em> &lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains(#"<a href="https://example.org/a?b=1&amp;c=2">ok</a>"#))
        #expect(!html.contains("href=\"javascript"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(!html.contains("<img"))
        #expect(!Markdown.html("[x](\" onmouseover=\"alert(1))").contains("onmouseover=\"alert"))
    }

    @Test("a stale wiki edit through the form shows the conflict screen with both versions and keeps the refused text")
    func wikiConflictPage() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            _ = try await api.signUp("lies")
            let (cookie, csrf) = try await Self.session(api, "lies")
            _ = try await Self.post(api, "/groups/new", "name=Redactie&membershipMode=closed&_csrf=\(csrf)", cookie: cookie)
            let created = try await Self.post(api, "/groups/redactie/wiki", "title=Plan&body=een%0Atwee%0Adrie&_csrf=\(csrf)", cookie: cookie)
            let page = try #require(created.headers[.location])
            let first = try await Self.post(api, "\(page)/edit", "title=Plan&body=een%0ATWEE%0Adrie&baseRevision=1&_csrf=\(csrf)", cookie: cookie)
            #expect(first.headers[.location] == "\(page)?saved=1")
            let stale = try await Self.post(api, "\(page)/edit", "title=Plan&body=een%0A%3Cb%3Ezwei%3C%2Fb%3E%0Adrie&baseRevision=1&_csrf=\(csrf)", cookie: cookie)
            #expect(stale.status == .conflict)
            #expect(stale.text.contains("TWEE"), "the current version is shown")
            #expect(stale.text.contains("&lt;b&gt;zwei&lt;/b&gt;"), "the refused text is kept, escaped, in the editor")
            #expect(stale.text.contains(#"name="baseRevision" value="2""#), "saving from the conflict screen builds on the current revision")
            let search = try await api.request(.get, "/search?q=TWEE", headers: [.cookie: cookie])
            #expect(search.text.contains("href=\"\(page)\""), "search finds the wiki page by its current text")
            let outsider = try await api.request(.get, "/search?q=TWEE")
            #expect(!outsider.text.contains("href=\"\(page)\""), "a closed group's wiki is not found by outsiders")
        }
    }
}
