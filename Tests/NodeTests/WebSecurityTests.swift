import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Node
import Storage
import Testing

/// Cookies and passwords, as DESIGN.md's security rules ask: sessions are
/// HttpOnly, SameSite cookies, Secure when the node is served over https;
/// passwords are stored as bcrypt hashes at the configured cost.
@Suite("Web security: cookies and passwords")
struct WebSecurityTests {
    /// The session cookie from signing in, and the visitor's CSRF cookie from the sign-in page.
    static func cookies(_ node: TestNode) async throws -> (session: String, csrf: String) {
        try await node.withClient { api in
            _ = try await api.signUp("gerrit")
            let login = try await api.request(.post, "/api/v1/auth/session", json: #"{"username":"gerrit","password":"long enough password"}"#)
            let session = try #require(login.setCookie(named: "meent_session"))
            let page = try await api.request(.get, "/login")
            let csrf = try #require(page.setCookie(named: "meent_csrf"))
            return (session, csrf)
        }
    }

    static func attributes(_ setCookie: String) -> Set<String> {
        Set(setCookie.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
    }

    @Test("over https the session and CSRF cookies are Secure, HttpOnly and SameSite")
    func secureOverHTTPS() async throws {
        let node = try await TestNode.make(["BASE_URL": "https://meent.example.nl"])
        let (session, csrf) = try await Self.cookies(node)
        #expect(Self.attributes(session).isSuperset(of: ["secure", "httponly", "samesite=lax"]), "\(session)")
        #expect(Self.attributes(csrf).isSuperset(of: ["secure", "httponly", "samesite=strict"]), "\(csrf)")
    }

    @Test("over plain http (local testing) the cookies are HttpOnly and SameSite but not Secure, which a browser would drop")
    func notSecureOverHTTP() async throws {
        let node = try await TestNode.make()
        let (session, csrf) = try await Self.cookies(node)
        #expect(Self.attributes(session).isSuperset(of: ["httponly", "samesite=lax"]))
        #expect(!Self.attributes(session).contains("secure"))
        #expect(Self.attributes(csrf).isSuperset(of: ["httponly", "samesite=strict"]))
    }

    @Test("an upload is never served as an ActivityStreams document, so no node takes it for an object of this origin")
    func uploadsAreNotObjects() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let token = try await api.signUp("olga")
            let actor = #"{"id":"http://127.0.0.1:8080/users/olga","type":"Person","inbox":"http://127.0.0.1:8080/users/olga/inbox"}"#
            for type in ["application/activity+json", #"application/ld+json; profile="https://www.w3.org/ns/activitystreams""#] {
                let created = try await FileTests.upload(api, token, Array(actor.utf8), filename: "olga.json", contentType: type,
                                                         fields: ["name": "olga.json", "access": "public"])
                #expect(created.status == .created)
                let id = try #require(try created.jsonObject()["id"] as? Int)
                let download = try await api.request(.get, "/api/v1/files/\(id)/download", token: token)
                #expect(download.status == .ok)
                #expect(download.headers[.contentType] == "application/octet-stream", "\(type)")
            }
            let json = try await FileTests.upload(api, token, Array("{}".utf8), filename: "data.json", contentType: "application/json",
                                                  fields: ["name": "data.json", "access": "public"])
            let id = try #require(try json.jsonObject()["id"] as? Int)
            #expect(try await api.request(.get, "/api/v1/files/\(id)/download", token: token).headers[.contentType] == "application/json", "other types are kept")
        }
    }

    @Test("passwords are stored as bcrypt hashes at the configured cost, and only the right password signs in")
    func bcryptPasswords() async throws {
        let node = try await TestNode.make(["BCRYPT_COST": "5"])
        try await node.withClient { api in
            _ = try await api.signUp("gerrit")
            let wrong = try await api.request(.post, "/api/v1/auth/session", json: #"{"username":"gerrit","password":"long enough passworD"}"#)
            #expect(wrong.status == .unauthorized)
        }
        let stored = try #require(try await node.database.account(username: "gerrit")).passwordHash
        #expect(stored.hasPrefix("$2b$05$") || stored.hasPrefix("$2a$05$") || stored.hasPrefix("$2y$05$"), "\(stored)")
        let bcrypt = PasswordHasher(cost: 5)
        #expect(try await bcrypt.verify("long enough password", hash: stored))
        #expect(try await !bcrypt.verify("long enough passworD", hash: stored))
        // The administrator's generated password is hashed the same way.
        #expect(try #require(try await node.database.account(username: node.admin.username)).passwordHash.hasPrefix("$2"))
    }
}
