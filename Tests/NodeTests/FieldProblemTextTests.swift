import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Node
import Testing

@Suite("Validation problems in the visitor's language")
struct FieldProblemTextTests {
    static func post(_ api: APIClient, _ path: String, _ form: String, cookie: String, language: String) async throws -> TestResponse {
        try await api.request(.post, path, body: ByteBuffer(string: form),
                              headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded", .accept: "text/html",
                                        .acceptLanguage: language])
    }

    static func strings(_ language: String) throws -> [String: String] {
        let localizer = try Localizer(directory: try Resources.directory().appendingPathComponent("locales"), defaultLanguage: "en")
        return localizer.strings(for: language)
    }

    @Test("a Dutch visitor reads the problem next to the field in Dutch; an English one reads the service's words; the JSON API keeps them")
    func dutchNextToField() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let ria = try await FilePageTests.riaWithGroup(api)
            let dutch = try await Self.post(api, "/groups/dijken/folders", "name=+&_csrf=\(ria.csrf)", cookie: ria.cookie, language: "nl")
            #expect(dutch.status == .unprocessableContent)
            #expect(dutch.text.contains(#"<p id="folder-name-error" class="field-error">moet 1 tot 200 tekens lang zijn</p>"#))
            let english = try await Self.post(api, "/groups/dijken/folders", "name=+&_csrf=\(ria.csrf)", cookie: ria.cookie, language: "en")
            #expect(english.text.contains(#"<p id="folder-name-error" class="field-error">must be 1 to 200 characters</p>"#))

            // A form whose problems are listed at its top: the field's name and the problem in Dutch.
            let long = String(repeating: "a", count: 101)
            let settings = try await Self.post(api, "/groups/dijken/settings", "name=\(long)&_csrf=\(ria.csrf)", cookie: ria.cookie, language: "nl")
            #expect(settings.status == .unprocessableContent)
            #expect(settings.text.contains("<li>naam mag hoogstens 100 tekens lang zijn</li>"))

            let json = try await api.request(.post, "/api/v1/folders", json: #"{"name":" ","group":"dijken"}"#, token: ria.token,
                                             headers: [.acceptLanguage: "nl"])
            #expect(json.status == .unprocessableContent)
            #expect(json.text.contains(#""detail":"must be 1 to 200 characters""#))
        }
    }

    @Test("a Dutch visitor's refused profile names the administrator's field by its label, with the problem in Dutch")
    func profileFieldInDutch() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let admin = try await api.token(node.admin.username, node.admin.password)
            let field = #"{"key":"birthday","label":"Geboortedatum","kind":"date","position":1}"#
            #expect(try await api.request(.post, "/api/v1/admin/profile-fields", json: field, token: admin).status == .created)
            _ = try await api.signUp("karin")
            let (cookie, csrf) = try await WebPageTests.session(api, "karin")
            let refused = try await Self.post(api, "/settings/profile", "field.birthday=31-12-2020&_csrf=\(csrf)", cookie: cookie, language: "nl")
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("<li>Geboortedatum: moet een datum zijn, geschreven als JJJJ-MM-DD</li>"))
        }
    }

    @Test("every known English description reads, in the English locale, exactly as the service wrote it; unknown ones pass through")
    func englishUnchanged() throws {
        let en = try Self.strings("en")
        let nl = try Self.strings("nl")
        for (shape, key) in FieldProblemText.keys where !shape.contains("#rrggbb") {
            let english = try #require(en[key], "\(key) is missing")
            var detail = ""
            var filled = english
            for (index, part) in shape.components(separatedBy: "#").enumerated() {
                if index > 0 {
                    detail += "\(index * 7)"
                    filled = filled.replacingOccurrences(of: "{\(index)}", with: "\(index * 7)")
                }
                detail += part
            }
            #expect(filled == detail, "the English text of \(key) is the service's")
            #expect(FieldProblemText.text(detail, strings: en) == detail)
            #expect(FieldProblemText.text(detail, strings: nl) != detail, "\(key) has a Dutch text")
        }
        #expect(FieldProblemText.text("must be one of: ja, nee", strings: nl) == "moet een van deze keuzes zijn: ja, nee")
        #expect(FieldProblemText.text("has a problem nobody described", strings: nl) == "has a problem nobody described")
        #expect(FieldProblemText.line("title must not be empty", strings: nl) == "titel mag niet leeg zijn")
    }
}
