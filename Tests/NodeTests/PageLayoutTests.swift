import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Node
import Storage
import Testing

/// The layout around every page (node name and logo, the sign-up link, the
/// reader's name and unread count) is read in one go per page; each part
/// must still follow a change at once.
@Suite("Page layout")
struct PageLayoutTests {
    @Test("the layout follows at once the branding, the registration mode, the reader's name and unread count")
    func followsChanges() async throws {
        let node = try await TestNode.make()
        let branding = node.services.branding
        let admin = try #require(try await node.services.database.account(username: node.admin.username))
        try await node.withClient { api in
            let reader = try await api.signUp("femke")
            let writer = try await api.signUp("gerrit")
            func anonymous() async throws -> String { try await api.request(.get, "/login", headers: [.accept: "text/html"]).text }
            func dashboard() async throws -> String {
                let page = try await api.request(.get, "/dashboard", token: reader)
                #expect(page.status == .ok)
                return page.text
            }

            // Branding: name and logo, on anonymous and signed-in pages.
            #expect(!(try await anonymous()).contains("/branding/logo"))
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 16)
            try await branding.save(.init(name: "Waterschap Rivierenland", primaryColor: "#154273", accentColor: "#ffb612", logo: png, removeLogo: false), by: admin)
            for page in [try await anonymous(), try await dashboard()] {
                #expect(page.contains("<span>Waterschap Rivierenland</span>"))
                #expect(page.contains("/branding/logo?v="))
            }
            try await branding.save(.init(name: "Hoogheemraadschap", primaryColor: "#154273", accentColor: "#ffb612", logo: nil, removeLogo: true), by: admin)
            for page in [try await anonymous(), try await dashboard()] {
                #expect(page.contains("<span>Hoogheemraadschap</span>"))
                #expect(!page.contains("Waterschap Rivierenland"))
                #expect(!page.contains("/branding/logo"), "the removed logo is gone at once")
            }

            // Registration mode: the sign-up link goes and comes back.
            #expect(try await anonymous().contains(#"href="/signup""#))
            try await node.services.database.setRegistrationMode(.closed, by: admin)
            #expect(!(try await anonymous()).contains(#"href="/signup""#))
            try await node.services.database.setRegistrationMode(nil, by: admin)
            #expect(try await anonymous().contains(#"href="/signup""#))

            // The reader's name.
            #expect(try await dashboard().contains(#"<a href="/users/femke">"#))
            let renamed = try await api.request(.patch, "/api/v1/me/profile", json: #"{"displayName":"Femke de Vries"}"#, token: reader)
            #expect(renamed.status == .ok)
            #expect(try await dashboard().contains(#"<a href="/users/femke">Femke de Vries</a>"#))

            // Unread notifications: a mention counts, reading it clears the badge,
            // and one about an item the reader may no longer read does not count.
            #expect(!(try await dashboard()).contains(#"class="badge""#))
            let first = try await ContentAccessTests.post(api, writer, #"{"type":"status","body":"Hallo @femke","access":"public"}"#)
            _ = try await ContentAccessTests.post(api, writer, #"{"type":"status","body":"Nog eens @femke","access":"public"}"#)
            #expect(try await dashboard().contains(#"<span class="badge">2<"#))
            _ = try await api.request(.patch, "/api/v1/content/\(first)", json: #"{"access":"private"}"#, token: writer)
            #expect(try await dashboard().contains(#"<span class="badge">1<"#), "the item made private no longer counts")
            _ = try await api.request(.post, "/api/v1/me/notifications/read", json: "{}", token: reader)
            #expect(!(try await dashboard()).contains(#"class="badge""#))
        }
    }

    @Test("every template selects the page escaping, and it escapes a quote even when a combining mark follows it")
    func escaping() async throws {
        let templates = try Resources.directory().appendingPathComponent("templates")
        let names = try FileManager.default.contentsOfDirectory(atPath: templates.path).filter { $0.hasSuffix(".mustache") }
        #expect(names.count > 30)
        for name in names {
            let text = try String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)
            #expect(text.hasPrefix("{{% CONTENT_TYPE: HTML }}\n"), "\(name)")
        }
        let markup = "<a href=\"x\">'Tom' & Jerry</a>"
        let escapedMarkup = "&lt;a href=&quot;x&quot;&gt;&#39;Tom&#39; &amp; Jerry&lt;/a&gt;"
        #expect(HTML.escape(markup) == escapedMarkup)
        let plain = "Zoë \u{1F1F3}\u{1F1F1} ĳs"
        #expect(HTML.escape(plain) == plain, "other text unchanged")
        let combined = "\"\u{338}>\u{301}"
        let escapedCombined = "&quot;\u{338}&gt;\u{301}"
        #expect(HTML.escape(combined) == escapedCombined)

        let node = try await TestNode.make()
        try await node.withClient { api in
            let token = try await api.signUp("hanna")
            let name = "Hanna\"\u{338} onmouseover=alert(1) <b\u{301}>"
            let json = String(decoding: try JSONSerialization.data(withJSONObject: ["displayName": name]), as: UTF8.self)
            #expect(try await api.request(.patch, "/api/v1/me/profile", json: json, token: token).status == .ok)
            let _ = try await ContentAccessTests.post(api, token, #"{"type":"status","body":"Hallo","access":"public"}"#)
            let page = try await api.request(.get, "/dashboard", token: token).text
            let escapedName = "Hanna&quot;\u{338} onmouseover=alert(1) &lt;b\u{301}&gt;"
            let rawQuote = "Hanna\"\u{338}"
            let rawTag = "<b\u{301}>"
            #expect(page.contains(escapedName))
            #expect(!page.contains(rawQuote))
            #expect(!page.contains(rawTag))
        }
    }
}
