import ArgumentParser
import Foundation
import Storage

/// `meent ledger`: which objects and profiles went to which node and when,
/// and which deletions other nodes have not confirmed yet.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Show what this node sent to which node, and the deletions still open.",
        discussion: """
            Every delivery that carried a profile, group or content item, and every signed fetch of one, is recorded \
            per receiving node. When an account is deleted, each of those nodes is sent a Delete and asked to confirm; \
            a deletion is open until that node confirms it applied it.
            """)

    @OptionGroup var options: NodeOptions
    @Option(help: "Only this object (an ActivityPub id, such as a person's URL) and the objects under it.") var object: String?
    @Option(help: "Only what went to this node (host or host:port).") var host: String?
    @Flag(name: .customLong("open"), help: "Only deletions asked for and not yet confirmed.") var openOnly = false
    @Flag(help: "Print JSON lines instead of a table.") var json = false

    func run() async throws {
        try await reportingErrors {
            let host = try self.host.map(PeerCommand.validate)
            let services = try options.openServices()
            let entries = try await services.database.ledgerEntries(objectPrefix: object, host: host, openDeletionsOnly: openOnly, limit: 100_000)
            if json {
                let encoder = JSONEncoder()
                encoder.dateEncodingStrategy = .iso8601
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for entry in entries { CLI.print(String(decoding: try encoder.encode(entry), as: UTF8.self)) }
                return
            }
            for entry in entries { CLI.print(Self.describe(entry)) }
            let open = entries.filter(\.isDeletionOpen).count
            let confirmed = entries.filter { $0.deletionConfirmedAt != nil }.count
            CLI.print("\(entries.count) entr\(entries.count == 1 ? "y" : "ies"); deletions: \(open) open, \(confirmed) confirmed")
        }
    }

    static func describe(_ entry: LedgerEntry) -> String {
        let deletion: String
        if let confirmed = entry.deletionConfirmedAt {
            deletion = "deletion confirmed \(confirmed.formatted(.iso8601))"
        } else if let requested = entry.deletionRequestedAt {
            deletion = "deletion OPEN since \(requested.formatted(.iso8601))"
        } else {
            deletion = "-"
        }
        return "\(entry.host)\t\(entry.kind.rawValue)\t\(entry.objectId)\tfirst \(entry.firstSentAt.formatted(.iso8601))\tlast \(entry.lastSentAt.formatted(.iso8601))\t\(deletion)"
    }
}
