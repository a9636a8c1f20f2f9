import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Node
import Storage
import Testing

@Suite("Bad input gets a problem response and changes nothing")
struct BadInputTests {
    static func expectProblem(_ response: TestResponse, _ status: HTTPResponse.Status, pointer: String? = nil) throws {
        #expect(response.status == status)
        #expect(response.headers[.contentType] == "application/problem+json")
        let body = try response.jsonObject()
        #expect(body["status"] as? Int == status.code)
        #expect(body["title"] is String)
        if let pointer {
            let errors = try #require(body["errors"] as? [[String: Any]])
            #expect(errors.contains { $0["pointer"] as? String == pointer }, "errors name \(pointer): \(errors)")
        }
    }

    @Test("malformed JSON")
    func malformedJSON() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let response = try await api.request(.post, "/api/v1/auth/signup", json: #"{"username":"olga","password":"#)
            try Self.expectProblem(response, .badRequest)
        }
        #expect(try await node.database.accountCount() == 1)
    }

    @Test("a field of the wrong type is named")
    func wrongType() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let response = try await api.request(.post, "/api/v1/auth/signup", json: #"{"username":42,"password":"a long password"}"#)
            try Self.expectProblem(response, .unprocessableContent, pointer: "/username")
            let token = try await api.signUp("piet")
            let profile = try await api.request(.patch, "/api/v1/me/profile", json: #"{"bio":["not","text"]}"#, token: token)
            try Self.expectProblem(profile, .unprocessableContent, pointer: "/bio")
            let visibility = try await api.request(.patch, "/api/v1/me/profile", json: #"{"fields":{"x":{"visibility":"friends"}}}"#, token: token)
            try Self.expectProblem(visibility, .unprocessableContent, pointer: "/fields/x/visibility")
        }
        #expect(try await node.database.accountCount() == 2)
    }

    @Test("an unknown field is refused rather than ignored")
    func unknownField() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let token = try await api.signUp("quinten")
            let response = try await api.request(.patch, "/api/v1/me/profile", json: #"{"displayname":"Typo"}"#, token: token)
            try Self.expectProblem(response, .unprocessableContent, pointer: "/displayname")
        }
        let id = try #require(try await node.database.account(username: "quinten")?.id)
        #expect(try await node.database.profile(accountId: id)?.displayName == "quinten")
    }

    @Test("a missing required field is named")
    func missingField() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let response = try await api.request(.post, "/api/v1/auth/signup", json: #"{"username":"rosa"}"#)
            try Self.expectProblem(response, .unprocessableContent, pointer: "/password")
        }
        #expect(try await node.database.account(username: "rosa") == nil)
    }

    @Test("an oversize body is refused with 413")
    func oversize() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let huge = #"{"username":"sven","password":"a long password","displayName":""# + String(repeating: "x", count: 1_100_000) + #""}"#
            let response = try await api.request(.post, "/api/v1/auth/signup", json: huge)
            try Self.expectProblem(response, .contentTooLarge)
        }
        #expect(try await node.database.account(username: "sven") == nil)
    }

    @Test("a body that is not JSON is refused with 415")
    func wrongMediaType() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let response = try await api.request(.post, "/api/v1/auth/signup", body: ByteBuffer(string: "username=tim"),
                                                 headers: [.contentType: "application/x-www-form-urlencoded"])
            try Self.expectProblem(response, .unsupportedMediaType)
        }
    }

    @Test("a duplicate username, in any case, is a conflict and changes nothing")
    func duplicateUsername() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            _ = try await api.signUp("ursula")
            let response = try await api.request(.post, "/api/v1/auth/signup", json: #"{"username":"ursula","password":"another password"}"#)
            try Self.expectProblem(response, .conflict, pointer: "/username")
            let admin = try await api.token(node.admin.username, node.admin.password)
            let upper = try await api.request(.post, "/api/v1/admin/users", json: #"{"username":"URSULA"}"#, token: admin)
            try Self.expectProblem(upper, .unprocessableContent, pointer: "/username")
        }
        #expect(try await node.database.accountCount() == 2)
        _ = try await node.withClient { api in try await api.token("ursula", "long enough password") }
    }

    @Test("invalid values are listed together")
    func validation() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let response = try await api.request(.post, "/api/v1/auth/signup", json: #"{"username":"-x","email":"not-an-address","password":"short"}"#)
            try Self.expectProblem(response, .unprocessableContent, pointer: "/username")
            let errors = try #require(try response.jsonObject()["errors"] as? [[String: Any]])
            #expect(Set(errors.compactMap { $0["pointer"] as? String }) == ["/username", "/email", "/password"])
        }
        #expect(try await node.database.accountCount() == 1)
    }

    @Test("unknown routes answer with a problem")
    func unknownRoute() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            try Self.expectProblem(try await api.request(.get, "/api/v1/nothing-here"), .notFound)
        }
    }
}
