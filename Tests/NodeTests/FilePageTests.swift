import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Node
import Testing

/// The files pages: the upload form carries its CSRF token in the query
/// string (the body is multipart), and a too-large upload is refused
/// with nothing written.
@Suite("File pages")
struct FilePageTests {
    @Test("the page upload needs the session's CSRF token, refuses a too-large file and lists what it stored")
    func uploadThroughThePage() async throws {
        let node = try await TestNode.make(["MAX_UPLOAD_SIZE": "1K"])
        try await node.withClient { api in
            let token = try await api.signUp("ria")
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Dijken","slug":"dijken","membershipMode":"closed"}"#, token: token)
            let login = try await api.request(.post, "/api/v1/auth/session", json: #"{"username":"ria","password":"long enough password"}"#)
            let session = String(try #require(login.setCookie(named: "meent_session")).split(separator: ";")[0])
            let csrf = try #require(try login.jsonObject()["csrfToken"] as? String)

            let page = try await api.request(.get, "/groups/dijken/files", headers: [.cookie: session])
            #expect(page.text.contains("action=\"/groups/dijken/files?_csrf=\(csrf)\""))

            func post(_ bytes: [UInt8], filename: String, query: String) async throws -> TestResponse {
                var (body, headers) = FileTests.form(bytes, filename: filename)
                headers[.cookie] = session
                headers[.accept] = "text/html"
                return try await api.request(.post, "/groups/dijken/files\(query)", body: body, headers: headers)
            }
            #expect(try await post(Array("forged".utf8), filename: "forged.txt", query: "").status == .forbidden)
            #expect(try await post(Array("forged".utf8), filename: "forged.txt", query: "?_csrf=wrong").status == .forbidden)
            let tooLarge = try await post(Array(repeating: 0x41, count: 4096), filename: "large.txt", query: "?_csrf=\(csrf)")
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.text.contains("<html"))
            let stored = try await post(Array("notulen".utf8), filename: "notulen.txt", query: "?_csrf=\(csrf)")
            #expect(stored.status == .seeOther)
            let location = try #require(stored.headers[.location])
            #expect(location.hasPrefix("/files/"))

            let listing = try await api.request(.get, "/groups/dijken/files", headers: [.cookie: session])
            #expect(listing.text.contains("notulen.txt"))
            #expect(!listing.text.contains("forged.txt") && !listing.text.contains("large.txt"))
            let filePage = try await api.request(.get, location, headers: [.cookie: session])
            #expect(filePage.status == .ok && filePage.text.contains("notulen.txt"))

            _ = try await api.signUp("sam")
            let other = try await api.request(.post, "/api/v1/auth/session", json: #"{"username":"sam","password":"long enough password"}"#)
            let samSession = String(try #require(other.setCookie(named: "meent_session")).split(separator: ";")[0])
            #expect(try await api.request(.get, location, headers: [.cookie: samSession, .accept: "text/html"]).status == .notFound)
        }
    }
}
