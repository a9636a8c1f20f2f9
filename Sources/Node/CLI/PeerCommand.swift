import ArgumentParser
import Foundation
import Storage

/// `meent peer …`: whom this node federates with.
struct PeerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer", abstract: "Show and decide which nodes this node federates with.",
        subcommands: [List.self, Show.self, Allow.self, Block.self, Unblock.self])

    static func describe(_ peer: Peer) -> String {
        let state = peer.pausedUntil.map { $0 > Date() ? "paused until \($0.formatted(.iso8601))" : "active" } ?? "active"
        return "\(peer.host)\t\(peer.policy == .undecided ? "-" : peer.policy.rawValue)\t\(peer.signatureScheme?.rawValue ?? "-")\t\(peer.consecutiveFailures) failures\t\(state)"
    }

    /// A peer is named by its authority: `host` or `host:port`, without scheme or path.
    static func validate(_ host: String) throws(ServiceError) -> String {
        let trimmed = host.lowercased().trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.contains("/"), !trimmed.contains("@"), !trimmed.contains(" ") else {
            throw ServiceError(.invalid, "a peer is a host name, optionally with :port, such as meent.gemeente.example")
        }
        return trimmed
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List known peers: policy, signature scheme, failures.")
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let services = try options.openServices()
                let peers = try await services.database.peers()
                CLI.print("federation mode: \(services.configuration.federationMode.rawValue)")
                for peer in peers { CLI.print(PeerCommand.describe(peer)) }
                CLI.print("\(peers.count) peer\(peers.count == 1 ? "" : "s")")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one peer and its deliveries.")
        @OptionGroup var options: NodeOptions
        @Argument var host: String

        func run() async throws {
            try await reportingErrors {
                let host = try PeerCommand.validate(self.host)
                let services = try options.openServices()
                let allowed = try await services.federation.policy.isAllowed(host: host)
                guard let peer = try await services.database.peer(host: host) else {
                    CLI.print("\(host): no contact yet; \(allowed ? "allowed" : "not allowed") in \(services.configuration.federationMode.rawValue) mode")
                    return
                }
                CLI.print("""
                    host:          \(peer.host)
                    policy:        \(peer.policy == .undecided ? "none (\(allowed ? "allowed" : "not allowed") in \(services.configuration.federationMode.rawValue) mode)" : peer.policy.rawValue)
                    signatures:    \(peer.signatureScheme?.rawValue ?? "unknown")
                    failures:      \(peer.consecutiveFailures) in a row
                    last error:    \(peer.lastError ?? "-")
                    last success:  \(peer.lastSuccessAt?.formatted(.iso8601) ?? "-")
                    paused until:  \(peer.pausedUntil?.formatted(.iso8601) ?? "-")
                    note:          \(peer.note ?? "-")
                    """)
                let status = try await services.database.deliveryStatus()
                if let row = status.hosts.first(where: { $0.host == host }) {
                    CLI.print("deliveries:    \(row.queued) queued, \(row.delivered) delivered, \(row.failed) failed")
                }
            }
        }
    }

    /// Records the operator's decision on a peer.
    static func decide(_ options: NodeOptions, host: String, _ policy: Peer.Policy, note: String?, done: String) async throws {
        try await reportingErrors {
            let services = try options.openServices()
            let peer = try await services.database.setPeerPolicy(host: try PeerCommand.validate(host), policy, note: note)
            CLI.print("\(done) \(peer.host).")
        }
    }

    struct Allow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allow federation with a peer (needed in allowlist mode).")
        @OptionGroup var options: NodeOptions
        @Argument var host: String
        @Option(help: "Why, for the record.") var note: String?

        func run() async throws { try await PeerCommand.decide(options, host: host, .allowed, note: note, done: "Allowed") }
    }

    struct Block: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Block a peer: nothing is received from or sent to it.")
        @OptionGroup var options: NodeOptions
        @Argument var host: String
        @Option(help: "Why, for the record.") var note: String?

        func run() async throws { try await PeerCommand.decide(options, host: host, .blocked, note: note, done: "Blocked") }
    }

    struct Unblock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a block; the peer falls back to the federation mode's default.")
        @OptionGroup var options: NodeOptions
        @Argument var host: String

        func run() async throws {
            try await reportingErrors {
                let services = try options.openServices()
                let host = try PeerCommand.validate(self.host)
                guard try await services.database.peer(host: host)?.policy == .blocked else { CLI.fail("\(host) is not blocked") }
                try await services.database.setPeerPolicy(host: host, .undecided)
                CLI.print("Unblocked \(host).")
            }
        }
    }
}

/// `meent queue …`: the outgoing delivery queue.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Inspect and nudge outgoing deliveries.", subcommands: [Status.self, List.self, Retry.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Count deliveries per peer; say what is stuck.")
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let services = try options.openServices()
                let status = try await services.database.deliveryStatus()
                CLI.print("queued \(status.queued), delivered \(status.delivered), failed \(status.failed)")
                let peers = Dictionary(uniqueKeysWithValues: try await services.database.peers().map { ($0.host, $0) })
                for row in status.hosts {
                    var line = "\(row.host)\tqueued \(row.queued)\tdelivered \(row.delivered)\tfailed \(row.failed)"
                    if let oldest = row.oldestQueuedAt { line += "\toldest queued \(oldest.formatted(.iso8601))" }
                    if let peer = peers[row.host], peer.consecutiveFailures > 0 {
                        line += "\tstuck: \(peer.consecutiveFailures) failures, last: \(peer.lastError ?? "?")"
                    }
                    CLI.print(line)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List recent deliveries.")
        @OptionGroup var options: NodeOptions
        @Option(help: "queued, delivered or failed.") var state: String?
        @Option(help: "Only deliveries to this peer.") var host: String?
        @Option(help: "How many (newest first).") var limit = 50

        func run() async throws {
            try await reportingErrors {
                var filter: Delivery.State?
                if let state {
                    guard let parsed = Delivery.State(rawValue: state) else { CLI.fail("--state must be queued, delivered or failed") }
                    filter = parsed
                }
                let services = try options.openServices()
                for delivery in try await services.database.deliveries(state: filter, host: host, limit: limit) {
                    let next = delivery.state == .queued ? "\tnext \(delivery.nextAttemptAt.formatted(.iso8601))" : ""
                    CLI.print("\(delivery.id!)\t\(delivery.state.rawValue)\t\(delivery.inbox)\t\(delivery.attempts) attempts\(next)\t\(delivery.activityId)\t\(delivery.lastError ?? "")")
                }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send queued deliveries now (and, with --failed, failed ones again); lifts peer pauses.")
        @OptionGroup var options: NodeOptions
        @Option(help: "Only deliveries to this peer.") var host: String?
        @Flag(help: "Also requeue deliveries that failed.") var failed = false

        func run() async throws {
            try await reportingErrors {
                let services = try options.openServices()
                let count = try await services.database.retryDeliveries(host: host, includeFailed: failed)
                CLI.print("\(count) deliveries will be sent at once\(host.map { " to \($0)" } ?? "").")
            }
        }
    }
}
