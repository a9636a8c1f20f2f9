import ArgumentParser
import Foundation
import Storage

/// `meent check`: is the configuration valid and the database sound?
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check the configuration, data directory and database; exit 1 on any problem.")

    @OptionGroup var options: NodeOptions

    func run() async throws {
        var failures = 0
        func report(_ ok: Bool, _ what: String) {
            CLI.print("\(ok ? "ok  " : "FAIL") \(what)")
            if !ok { failures += 1 }
        }
        let configuration: NodeConfiguration
        do {
            configuration = try options.load()
            report(true, "configuration is valid (\(configuration.baseURL.absoluteString), data in \(configuration.dataDirectory.path))")
        } catch {
            report(false, "configuration: \(error)")
            throw ExitCode.failure
        }
        do {
            try DataDirectory.prepare(configuration.dataDirectory)
            report(true, "data directory is writable")
        } catch {
            report(false, "\(error)")
            throw ExitCode.failure
        }
        guard FileManager.default.fileExists(atPath: configuration.databasePath) else {
            report(false, "no database at \(configuration.databasePath); run `meent init` or `meent serve` first")
            throw ExitCode.failure
        }
        do {
            let database = try NodeDatabase(path: configuration.databasePath, migrate: false)
            let problems = try database.integrityProblems()
            report(problems.isEmpty, problems.isEmpty ? "database integrity" : "database integrity: \(problems.prefix(5).joined(separator: "; "))")
            let (applied, hasUnknown) = try database.migrationState()
            let pending = NodeDatabase.knownMigrations.filter { !applied.contains($0) }
            report(!hasUnknown, hasUnknown ? "the database was written by a newer version of meent" : "schema is known to this version")
            report(true, pending.isEmpty ? "schema is up to date (\(applied.count) migrations)" : "\(pending.count) migrations will be applied on next start")
            let keys = try await database.signingKeys(owner: SigningKey.nodeOwner)
            report(keys.count == SigningKey.Algorithm.allCases.count, "node signing keys (\(keys.keys.map(\.rawValue).sorted().joined(separator: ", ")))")
            report(try await database.adminCount() > 0, "at least one enabled administrator")
        } catch {
            report(false, "database: \(error)")
        }
        if failures > 0 { throw ExitCode.failure }
    }
}
