import Foundation
import GRDB
import Synchronization

/// The node's SQLite database: one file in WAL mode, one `DatabasePool` per
/// process.
///
/// Each public method is one transaction that keeps the schema's invariants;
/// callers never see SQL. The operator CLI may open the same file while the
/// server runs, so writers wait on a busy timeout instead of failing at once.
public final class NodeDatabase: Sendable {
    /// The underlying pool, for access methods defined in other files of this module.
    let pool: DatabasePool
    public let path: String
    /// A read-only connection of its own for ``federationCacheVersion()``,
    /// opened on first use.
    let versionConnection = Mutex<DatabaseQueue?>(nil)

    /// WAL pages after which the writer checkpoints (see ``init(path:migrate:)``).
    static let checkpointPages = 4_000

    /// Opens (creating if needed) the database at `path` and migrates it to the
    /// latest schema.
    public init(path: String, migrate: Bool = true) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // Keep WAL checkpoints small so the file on disk stays compact.
            try db.execute(sql: "PRAGMA journal_size_limit = 16777216")
            // Used by the triggers that keep the list of search words.
            try SearchTerms.install(in: db)
        }
        self.pool = try DatabasePool(path: path, configuration: configuration)
        self.path = path
        // The one writer's page cache: 32 MiB instead of SQLite's 2 MiB.
        // Applying a batch of group activities dirties several megabytes
        // (an activity's delivery rows are about 12 kB); with the default,
        // SQLite spilled dirty pages to the WAL in the middle of the
        // transaction and read index pages back from the file. Pages are
        // only allocated as they are used: an idle node keeps its size.
        //
        // The writer checkpoints the WAL once it holds 4,000 pages (16 MB,
        // the size `journal_size_limit` keeps the file at), not SQLite's
        // 1,000. A checkpoint is two `fdatasync`s (5–50 ms here) on the
        // writer's thread, after a commit; under a stream of group
        // activities the default threshold checkpointed after every
        // second batch, and copied the same index pages each time.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA cache_size = -32768; PRAGMA wal_autocheckpoint = \(Self.checkpointPages)")
        }
        if migrate {
            try Migrations.migrator.migrate(pool)
        }
    }

    /// Applies the migrations up to and including `name` only; for tests of
    /// upgrades from an older schema.
    public func migrate(upTo name: String) throws {
        try Migrations.migrator.migrate(pool, upTo: name)
    }

    /// Applies every pending migration.
    public func migrate() throws {
        try Migrations.migrator.migrate(pool)
    }

    /// Names of all migrations the code knows, in order.
    public static var knownMigrations: [String] { Migrations.migrator.migrations }

    /// Names of the migrations applied to this file, and whether the file
    /// carries migrations this code does not know (written by a newer version).
    public func migrationState() throws -> (applied: [String], hasUnknown: Bool) {
        try pool.read { db in
            let applied = try Migrations.migrator.appliedMigrations(db)
            let superseded = try Migrations.migrator.hasBeenSuperseded(db)
            return (applied, superseded)
        }
    }

    /// Runs SQLite's integrity check; returns the problems found (empty when sound).
    public func integrityProblems() throws -> [String] {
        try pool.read { db in
            let rows = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            return rows == ["ok"] ? [] : rows
        }
    }

    /// Runs a WAL checkpoint so that the main file holds every committed write;
    /// called on graceful shutdown.
    public func checkpoint() throws {
        try pool.writeWithoutTransaction { db in
            _ = try db.checkpoint(.truncate)
        }
    }
}

extension DatabaseError {
    /// Maps a UNIQUE constraint failure to the column it names (`account.username` → `username`).
    var uniqueColumn: String? {
        guard extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY,
              let message else { return nil }
        // "UNIQUE constraint failed: account.username"
        guard let colon = message.range(of: ": ") else { return "value" }
        let names = message[colon.upperBound...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return names.first.map { String($0.split(separator: ".").last ?? Substring($0)) }
    }
}

/// Runs `body`, turning SQLite constraint failures into ``StorageError``s.
func mappingConstraintErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as DatabaseError {
        if let column = error.uniqueColumn { throw StorageError.duplicate(column) }
        if error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY { throw StorageError.invalidReference("reference") }
        throw error
    }
}
