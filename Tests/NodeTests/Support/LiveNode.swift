import Federation
import Foundation
import Hummingbird
import Logging
@testable import Node
import NIOConcurrencyHelpers
import ServiceLifecycle
import Storage

/// A real node serving HTTP on its own loopback address, in this process,
/// with its inbox and delivery workers running: what federation tests use.
final class LiveNode: Sendable {
    let services: NodeServices
    let admin: FirstStart.AdminLogin
    let host: String
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    var base: String { "http://\(host):\(port)" }
    var authority: String { "\(host):\(port)" }
    var database: NodeDatabase { services.database }

    /// Starts a node on `host:port` that federates openly over loopback; with
    /// a `DATA_DIR` setting it starts again on an existing node's data.
    static func start(host: String = LoopbackAddress.next(), port: Int = 8080, settings: [String: String] = [:],
                      tuning: FederationTuning = FederationTuning(retrySchedule: .scaled(by: 0.002), requestTimeout: .seconds(30))) async throws -> LiveNode {
        let directory = try settings["DATA_DIR"].map { URL(fileURLWithPath: $0) } ?? makeTemporaryDirectory()
        var overrides = [
            "DATA_DIR": directory.path, "BCRYPT_COST": "4", "LISTEN_HOST": host, "LISTEN_PORT": String(port),
            "FEDERATION_MODE": "open", "ALLOW_PRIVATE_NETWORK_PEERS": "true", "NODE_NAME": "Node \(host)",
        ]
        overrides.merge(settings) { $1 }
        let configuration = try NodeConfiguration.load(environment: [:], overrides: overrides)
        var logger = Logger(label: "node-\(host)")
        logger.logLevel = .warning
        let services = try NodeServices(configuration: configuration, logger: logger, tuning: tuning)
        let firstStart = try await FirstStart.run(services)
        guard let admin = firstStart ?? (settings["DATA_DIR"] != nil ? FirstStart.AdminLogin(username: "admin", password: "") : nil) else {
            throw TestFailure("no admin")
        }
        let started = AsyncStream.makeStream(of: Void.self)
        let app = try await NodeApplication.build(services: services, logger: logger) { started.continuation.yield() }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = started.stream.makeAsyncIterator()
        _ = await iterator.next()
        return LiveNode(services: services, admin: admin, host: host, port: port, group: group, task: task)
    }

    private init(services: NodeServices, admin: FirstStart.AdminLogin, host: String, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.services = services
        self.admin = admin
        self.host = host
        self.port = port
        self.group = group
        self.task = task
    }

    /// Stops the node gracefully and waits until it has.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Creates a user and returns an API token for them.
    func user(_ username: String) async throws -> (account: Account, token: String) {
        let account = try await services.accounts.createByAdministrator(
            .init(username: username, email: nil, password: "long enough password", displayName: username.capitalized), role: .user)
        let (secret, _) = try await services.accounts.createAPIToken(for: account, name: "test")
        return (account, secret)
    }

    func personId(_ username: String) -> String { "\(base)/users/\(username)" }
}

/// Waits until `condition` holds, checking every 50 ms, for at most `timeout`.
func eventually(_ what: String, timeout: Duration = .seconds(60), _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestFailure("timed out waiting until \(what)")
}
