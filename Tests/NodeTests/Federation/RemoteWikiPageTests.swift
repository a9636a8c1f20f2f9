import AsyncHTTPClient
import Federation
import Foundation
import NIOCore
import NIOHTTP1
@testable import Node
import Storage
import Testing

/// New wiki pages written on a member's node: the group's home node makes
/// them, and the member's node shows them at once.
@Suite("Wiki pages from a member's node")
struct RemoteWikiPageTests {
    /// A POST to `endpoint` signed with the person's key on `node`, as a member's node sends a new page.
    static func signedPost(_ json: String, to endpoint: String, from node: LiveNode, as username: String) async throws -> (status: Int, body: String) {
        let account = try #require(try await node.database.account(username: username))
        let keys = try await node.services.federation.keyring.keys(owner: "account:\(account.id!)")
        let answer = try await node.services.federation.client.exchange(endpoint, json: Data(json.utf8),
                                                                        signing: .rfc9421(keys.ed25519, keyId: LocalActorURLs.ed25519KeyId(node.personId(username))))
        return (answer.status, String(decoding: answer.body, as: UTF8.self))
    }

    @Test("Bob of B creates pages of A's group by API and by the web form: B shows each at once, A orders and announces it; bad input and non-members get a problem and store nothing")
    func pagesFromMemberNode() async throws {
        let api = GroupFederationTests.api
        let a = try await LiveNode.start()
        let b = try await LiveNode.start()
        let c = try await LiveNode.start()
        defer { Task { await a.stop(); await b.stop(); await c.stop() } }
        let (_, anna) = try await a.user("anna")
        let (_, bob) = try await b.user("bob")
        let (_, carl) = try await c.user("carl")
        #expect(try await api(.POST, a, "/groups", #"{"name":"Plans","slug":"plans"}"#, anna).status == 201)
        let slug = "plans@\(a.authority)"
        let endpoint = "\(a.base)/groups/plans/wiki/pages"
        #expect(try await api(.POST, b, "/groups/lookup", #"{"group":"\#(slug)"}"#, bob).status == 200)
        #expect(try await api(.POST, b, "/groups/\(slug)/join", nil, bob).status == 200)
        #expect(try await api(.POST, c, "/groups/lookup", #"{"group":"\#(slug)"}"#, carl).status == 200)
        try await eventually("Bob is a member") {
            ((try await api(.GET, b, "/groups/\(slug)", nil, bob).json as? [String: Any])?["membership"] as? [String: Any])?["state"] as? String == "member"
        }
        let parent = try await api(.POST, a, "/groups/plans/wiki", #"{"title":"Overview","body":"all plans"}"#, anna)
        let parentURL = "\(a.base)/wiki/\(try #require((parent.json as? [String: Any])?["id"] as? Int))"
        try await eventually("B mirrors Anna's page") { try await b.database.wikiPage(apId: parentURL) != nil }
        let parentOnB = try #require(try await b.database.wikiPage(apId: parentURL)?.id)

        // Bob writes a page under Anna's from B: the answer is the page, at once.
        let created = try await api(.POST, b, "/groups/\(slug)/wiki", #"{"title":"Budget","body":"line one\nline two","parentId":\#(parentOnB)}"#, bob)
        #expect(created.status == 201)
        let page = try #require(created.json as? [String: Any])
        #expect(page["title"] as? String == "Budget")
        #expect(page["body"] as? String == "line one\nline two")
        #expect(page["parentId"] as? Int == Int(parentOnB))
        let pageOnB = try #require(page["id"] as? Int)
        #expect(try await api(.GET, b, "/wiki/\(pageOnB)", nil, bob).status == 200)
        let bobId = try await b.database.account(username: "bob")?.id
        let apId = try #require(try await b.database.wikiPage(id: Int64(pageOnB), viewerId: bobId)?.0.apId)
        #expect(apId.hasPrefix("\(a.base)/wiki/"))

        // A made it, with Bob as its author, under Anna's page; Anna edits it and B follows.
        let pageOnA = try #require(Int64(apId.split(separator: "/").last.map(String.init) ?? ""))
        let onA = try #require(try await api(.GET, a, "/wiki/\(pageOnA)", nil, anna).json as? [String: Any])
        #expect(onA["title"] as? String == "Budget")
        #expect(onA["parentId"] as? Int == Int(parentURL.split(separator: "/").last!)!)
        let history = try await api(.GET, a, "/wiki/\(pageOnA)/revisions", nil, anna)
        #expect(Self.items(history).first?["author"] as? String == "bob@\(b.authority)")
        #expect(try await api(.PUT, a, "/wiki/\(pageOnA)", #"{"baseRevision":1,"body":"line one\nline two\nline three"}"#, anna).status == 200)
        try await eventually("B shows Anna's edit of Bob's page") {
            (try await api(.GET, b, "/wiki/\(pageOnB)", nil, bob).json as? [String: Any])?["revision"] as? Int == 2
        }
        // Bob's page is listed once on B (the announce of it changed nothing).
        #expect(Self.items(try await api(.GET, b, "/groups/\(slug)/wiki", nil, bob)).filter { $0["title"] as? String == "Budget" }.count == 1)

        // The web form on B works the same way and lands on the new page.
        let (cookie, csrf) = try await Self.session(b, "bob")
        let form = try await Self.postForm("\(b.base)/groups/\(slug)/wiki", "title=Minutes&body=agreed&_csrf=\(csrf)", cookie: cookie)
        #expect(form.status == 303)
        let location = try #require(form.location)
        #expect(location.hasPrefix("/wiki/"))
        let shown = try await Self.get(b.base + location, cookie: cookie)
        #expect(shown.status == 200 && shown.body.contains("Minutes") && shown.body.contains("agreed"))
        try await eventually("A has the page from the form") {
            Self.items(try await api(.GET, a, "/groups/plans/wiki", nil, anna)).contains { $0["title"] as? String == "Minutes" }
        }

        // Bad input and outsiders: a problem, and nothing stored on either node.
        let pagesOnA = Self.items(try await api(.GET, a, "/groups/plans/wiki", nil, anna)).count
        let pagesOnB = Self.items(try await api(.GET, b, "/groups/\(slug)/wiki", nil, bob)).count
        let empty = try await api(.POST, b, "/groups/\(slug)/wiki", #"{"title":"","body":"x"}"#, bob)
        #expect(empty.status == 422)
        let direct = try await Self.signedPost(#"{"title":"","body":"x"}"#, to: endpoint, from: b, as: "bob")
        #expect(direct.status == 422 && direct.body.contains("title"))
        #expect(try await Self.signedPost(#"{"title":"Odd","body":"x","access":"everyone"}"#, to: endpoint, from: b, as: "bob").status == 422)
        #expect(try await Self.signedPost(#"{"title":"Odd","body":"x","parent":"\#(c.base)/wiki/1"}"#, to: endpoint, from: b, as: "bob").status == 422)
        #expect(try await Self.signedPost(#"{"text":"no title"}"#, to: endpoint, from: b, as: "bob").status == 400)
        let outsider = try await Self.signedPost(#"{"title":"Carl's page","body":"spam"}"#, to: endpoint, from: c, as: "carl")
        #expect(outsider.status == 403)
        #expect(outsider.body.contains("member"))
        #expect(try await api(.POST, c, "/groups/\(slug)/wiki", #"{"title":"Carl's page","body":"spam"}"#, carl).status == 403)
        let unsigned = try await LiveHTTP.request(.POST, endpoint, json: #"{"title":"Anonymous","body":"x"}"#)
        #expect(unsigned.status == 403)
        #expect(Self.items(try await api(.GET, a, "/groups/plans/wiki", nil, anna)).count == pagesOnA)
        #expect(Self.items(try await api(.GET, b, "/groups/\(slug)/wiki", nil, bob)).count == pagesOnB)
    }

    static func items(_ response: (status: Int, json: Any?)) -> [[String: Any]] { GroupFederationTests.items(response) }

    /// Signs `username` in on `node` with a session cookie; returns the cookie and the CSRF token.
    static func session(_ node: LiveNode, _ username: String) async throws -> (cookie: String, csrf: String) {
        var request = HTTPClientRequest(url: "\(node.base)/api/v1/auth/session")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"username":"\#(username)","password":"long enough password"}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        let cookie = try #require(response.headers["Set-Cookie"].first { $0.hasPrefix("meent_session=") }?.split(separator: ";").first.map(String.init))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
        return (cookie, try #require(json["csrfToken"] as? String))
    }

    /// A browser's form POST, without following the redirect.
    static func postForm(_ url: String, _ form: String, cookie: String) async throws -> (status: Int, location: String?) {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        defer { _ = client.shutdown() }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Cookie", value: cookie)
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await client.execute(request, timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers["Location"].first)
    }

    static func get(_ url: String, cookie: String) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Cookie", value: cookie)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }
}
