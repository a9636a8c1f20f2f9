import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
@testable import Node
import Testing

@Suite("Deleting a mirrored group from a page")
struct MirroredGroupDeletionPageTests {
    /// A browser's request: the session cookie, and a form when there is one.
    static func page(_ method: HTTPMethod, _ url: String, cookie: String, form: String? = nil) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Cookie", value: cookie)
        request.headers.add(name: "Accept", value: "text/html")
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    @Test("on a member's node the mirror of a group has no deletion form, and posting one anyway is refused and names the home node")
    func mirrorIsNotDeletedHere() async throws {
        let a = try await LiveNode.start()
        let b = try await LiveNode.start()
        defer { Task { await a.stop(); await b.stop() } }
        let (_, anna) = try await a.user("anna")
        let (bobAccount, _) = try await b.user("bob")
        #expect(try await GroupFederationTests.api(.POST, a, "/groups", #"{"name":"Water","slug":"water","membershipMode":"closed"}"#, token: anna).status == 201)
        _ = try await GroupFederationTests.api(.POST, a, "/groups/water/members", #"{"username":"bob@\#(b.authority)"}"#, token: anna)
        try await eventually("B shows Bob the invitation") {
            guard let mirror = try await b.database.group(actorId: "\(a.base)/groups/water") else { return false }
            return try await b.database.membership(groupId: mirror.id!, accountId: bobAccount.id!)?.state == .invited
        }

        var login = HTTPClientRequest(url: "\(b.base)/api/v1/auth/session")
        login.method = .POST
        login.headers.add(name: "Content-Type", value: "application/json")
        login.body = .bytes(ByteBuffer(string: #"{"username":"bob","password":"long enough password"}"#))
        let signedIn = try await HTTPClient.shared.execute(login, timeout: .seconds(60))
        let cookie = try #require(signedIn.headers["Set-Cookie"].first { $0.hasPrefix("meent_session=") }.map { String($0.split(separator: ";")[0]) })
        let json = try JSONSerialization.jsonObject(with: Data(buffer: try await signedIn.body.collect(upTo: 1 << 16))) as? [String: Any]
        let csrf = try #require(json?["csrfToken"] as? String)

        let slug = "water@\(a.authority)"
        let groupPage = try await Self.page(.GET, "\(b.base)/groups/\(slug)", cookie: cookie)
        #expect(groupPage.status == 200 && !groupPage.body.contains("/delete\""))
        #expect(try await Self.page(.GET, "\(b.base)/groups/\(slug)/settings", cookie: cookie).status == 403)
        let refused = try await Self.page(.POST, "\(b.base)/groups/\(slug)/delete", cookie: cookie, form: "confirmName=Water&_csrf=\(csrf)")
        #expect(refused.status == 409)
        #expect(refused.body.contains("managed on its home node, \(a.authority)"))
        #expect(try await b.database.group(actorId: "\(a.base)/groups/water") != nil, "the mirror is still here")
        #expect(try await a.database.group(slug: "water") != nil)
    }
}
