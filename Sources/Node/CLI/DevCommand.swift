import ArgumentParser
import Foundation
import Storage

/// `meent dev …`: tools for developers and benchmarks, never needed in production.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Developer tools: generated data for benchmarks and demonstrations.",
        subcommands: [Seed.self])

    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fill a node with generated people, groups and content (repeatable: the same seed gives the same data).",
            discussion: """
                Every seeded person signs in with the password "\(SeedGenerator.password)" (they share one \
                precomputed bcrypt hash). Refuses a node that already holds users, groups or content unless --force.
                """)

        @OptionGroup var options: NodeOptions
        @Option(help: "People to create.") var users = SeedGenerator.Sizes.standard.users
        @Option(help: "Groups to create.") var groups = SeedGenerator.Sizes.standard.groups
        @Option(help: "Content items to create (status updates, blog posts, discussions and comments).") var items = SeedGenerator.Sizes.standard.items
        @Option(help: "Seed of the generator; the same seed and sizes give the same data.") var seed: UInt64 = 7
        @Flag(help: "Seed even when the node already holds users, groups or content (seeded usernames must still be free, so a seeded node cannot be seeded again).") var force = false

        func validate() throws {
            guard users >= 1 else { throw ValidationError("--users must be at least 1") }
            guard groups >= 0, items >= 0 else { throw ValidationError("--groups and --items cannot be negative") }
        }

        func run() async throws {
            try await reportingErrors {
                let services = try options.openServices()
                let baseline = try await services.database.seedBaseline()
                if !baseline.isEmpty && !force {
                    CLI.fail("the node already holds \(baseline.accounts) accounts, \(baseline.groups) groups and \(baseline.contentItems) content items; seed it anyway with --force")
                }
                let start = ContinuousClock.now
                let summary = try await SeedGenerator(database: services.database, sizes: .init(users: users, groups: groups, items: items), seed: seed)
                    .run { CLI.print("  \($0)") }
                try services.database.checkpoint()
                let seconds = (ContinuousClock.now - start) / .seconds(1)
                CLI.print("""
                    Seeded \(summary.people) people, \(summary.groups) groups (\(summary.memberships) memberships) and \
                    \(summary.items) content items (\(summary.comments) comments) in \(String(format: "%.1f", seconds)) s.
                    Every seeded person signs in with the password "\(SeedGenerator.password)", e.g. \(summary.firstUsername); \
                    the largest group is \(summary.firstGroupSlug).
                    """)
            }
        }
    }
}
