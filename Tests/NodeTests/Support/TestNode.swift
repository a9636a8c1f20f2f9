import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import Node
import Storage

/// A real node for a test: its own SQLite file and blob store in a fresh
/// temporary directory, the real router, and the administrator created on
/// first start.
struct TestNode {
    let services: NodeServices
    let directory: URL
    let admin: FirstStart.AdminLogin

    var database: NodeDatabase { services.database }

    static func make(_ settings: [String: String] = [:]) async throws -> TestNode {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("meent-test-\(UUID().uuidString)")
        var overrides = ["DATA_DIR": directory.path, "BCRYPT_COST": "4", "LISTEN_HOST": "127.0.0.1", "LISTEN_PORT": "8080"]
        overrides.merge(settings) { $1 }
        let configuration = try NodeConfiguration.load(environment: [:], overrides: overrides)
        let services = try NodeServices(configuration: configuration)
        guard let admin = try await FirstStart.run(services) else { throw TestFailure("first start made no administrator") }
        return TestNode(services: services, directory: directory, admin: admin)
    }

    /// Runs `body` against the node's router, in process.
    func withClient<T: Sendable>(_ body: @Sendable (APIClient) async throws -> T) async throws -> T {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = Application(responder: try await NodeApplication.makeResponder(services: services), logger: logger)
        return try await app.test(.router) { client in try await body(APIClient(client: client)) }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A thin JSON client over Hummingbird's test client.
struct APIClient: Sendable {
    let client: any TestClientProtocol

    @discardableResult
    func request(
        _ method: HTTPRequest.Method, _ uri: String, json: String? = nil, body: ByteBuffer? = nil,
        token: String? = nil, headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var payload = body
        if let json {
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
            payload = ByteBuffer(string: json)
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: payload)
    }

    /// Exchanges a username and password for an API token.
    func token(_ username: String, _ password: String) async throws -> String {
        let response = try await request(.post, "/api/v1/auth/token", json: #"{"username":"\#(username)","password":"\#(password)"}"#)
        guard response.status == .created, let token = try response.jsonObject()["token"] as? String else {
            throw TestFailure("no token for \(username): \(response.status) \(String(buffer: response.body))")
        }
        return token
    }

    /// Signs up a user on an open node and returns an API token for them.
    func signUp(_ username: String, password: String = "long enough password") async throws -> String {
        let response = try await request(.post, "/api/v1/auth/signup", json: #"{"username":"\#(username)","password":"\#(password)"}"#)
        guard response.status == .created else { throw TestFailure("sign-up of \(username) failed: \(String(buffer: response.body))") }
        return try await token(username, password)
    }
}

extension TestResponse {
    func jsonObject() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
            throw TestFailure("body is not a JSON object: \(String(buffer: body))")
        }
        return object
    }

    var text: String { String(buffer: body) }

    /// The `Set-Cookie` header that sets `name`, if any.
    func setCookie(named name: String) -> String? {
        headers[values: .setCookie].first { $0.hasPrefix("\(name)=") }
    }
}
