import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A loopback address and port a process of the benchmark listens on.
struct Endpoint: Sendable {
    let host: String
    let port: Int

    var authority: String { "\(host):\(port)" }
    var base: String { "http://\(authority)" }

    /// Refuses anything but 127.0.0.0/8: the benchmark only ever talks to this machine.
    init(host: String, port: Int) throws {
        let parts = host.split(separator: ".")
        guard parts.count == 4, parts[0] == "127", parts.allSatisfy({ UInt8($0) != nil }) else {
            throw BenchError("\(host) is not a loopback (127.x.y.z) address")
        }
        self.host = host
        self.port = port
    }
}

/// A `meent serve` node in its own data directory, started and stopped as a separate process.
final class MeentNode: Sendable {
    let name: String
    let binary: String
    let endpoint: Endpoint
    let dataDirectory: URL
    let workDirectory: URL
    private let starts = Counter()

    init(name: String, binary: String, endpoint: Endpoint, workDirectory: URL, dataDirectory: URL? = nil) {
        self.name = name
        self.binary = binary
        self.endpoint = endpoint
        self.workDirectory = workDirectory
        self.dataDirectory = dataDirectory ?? workDirectory.appendingPathComponent("\(name)-data")
    }

    var databasePath: String { dataDirectory.appendingPathComponent("meent.sqlite").path }

    /// The arguments of `meent serve` for this node: open federation with
    /// loopback peers allowed (test only) and a cheap password hash.
    var serveArguments: [String] {
        ["serve", "--data-dir", dataDirectory.path, "--listen-host", endpoint.host, "--listen-port", "\(endpoint.port)",
         "--set", "BCRYPT_COST=4", "--set", "FEDERATION_MODE=open", "--set", "ALLOW_PRIVATE_NETWORK_PEERS=true",
         "--set", "LOG_LEVEL=info"]
    }

    /// Starts the node and waits until it serves; returns the process and the
    /// time from spawning it until `node is serving` appeared on its output.
    /// A start that first migrates a large database (a new full-text index
    /// on the seeded node) needs a longer `timeout`.
    func start(timeout: Duration = .seconds(60)) async throws -> (process: ChildProcess, startup: Duration) {
        let number = starts.next()
        let process = try ChildProcess(
            name: "\(name) node", executable: binary, arguments: serveArguments, directory: workDirectory,
            logFile: workDirectory.appendingPathComponent("\(name)-\(number).log"))
        do {
            try await process.waitFor("node is serving", timeout: timeout)
        } catch {
            process.killNow()
            throw error
        }
        guard let ready = process.firstSeen("node is serving") else { throw BenchError("no ready time for \(name)") }
        return (process, ready - process.startedAt)
    }

    /// The administrator login printed on first start.
    static func adminLogin(in output: String) throws -> (username: String, password: String) {
        var username: String?, password: String?
        for line in output.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("username:") { username = trimmed.dropFirst("username:".count).trimmingCharacters(in: .whitespaces) }
            if trimmed.hasPrefix("password:") { password = trimmed.dropFirst("password:".count).trimmingCharacters(in: .whitespaces) }
        }
        guard let username, let password else { throw BenchError("no administrator login in the first start's output:\n\(output)") }
        return (username, password)
    }

    // MARK: API calls for setting up

    /// Signs in as the administrator and creates a user; returns nothing but fails loudly.
    func createUser(_ username: String, admin: (username: String, password: String), client: HTTPClient) async throws {
        let token = try await Self.json(client, "POST", "\(endpoint.base)/api/v1/auth/token",
                                        body: ["username": admin.username, "password": admin.password, "tokenName": "bench"])
        guard let secret = token["token"] as? String else { throw BenchError("no token in \(token)") }
        _ = try await Self.json(client, "POST", "\(endpoint.base)/api/v1/admin/users",
                                body: ["username": username, "password": "benchmark password \(UUID().uuidString)"],
                                headers: ["Authorization": "Bearer \(secret)"])
    }

    /// Sends a JSON request; returns the decoded object of a 2xx answer.
    static func json(_ client: HTTPClient, _ method: String, _ url: String, body: [String: String]? = nil,
                     headers: [String: String] = [:], accept: String = "application/json") async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Accept", value: accept)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        guard (200..<300).contains(response.status.code) else {
            throw BenchError("\(method) \(url) answered \(response.status.code): \(String(buffer: bytes))")
        }
        return (try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any]) ?? [:]
    }
}

/// A thread-safe increasing counter.
final class Counter: Sendable {
    private let value = Mutex(0)

    /// The next number, starting at 1.
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}

import Synchronization
