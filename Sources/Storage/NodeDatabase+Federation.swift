import Foundation
import GRDB

/// The durable effects of applying one received activity, written together
/// with the activity's new state so that an activity is applied exactly once
/// even if the node stops half-way.
public struct InboxEffects: Sendable {
    public var followsToSave: [Follow] = []
    public var followsToDelete: [(follower: String, followee: String)] = []
    public var actorsToSave: [RemoteActor] = []
    public var actorsToDelete: [String] = []
    public var deliveries: [Delivery] = []
    /// Changes to groups, members and content.
    public var changes: [FederatedChange] = []

    public init() {}
}

/// How applying one received activity came out: its new state, why it was
/// ignored or failed, and the effects to write with it.
public struct InboxCompletion: Sendable {
    public var id: Int64
    public var state: InboxActivity.State
    public var error: String?
    public var effects: InboxEffects

    public init(id: Int64, state: InboxActivity.State, error: String? = nil, effects: InboxEffects = InboxEffects()) {
        self.id = id
        self.state = state
        self.error = error
        self.effects = effects
    }
}

/// Counts for `meent queue status`.
public struct DeliveryStatus: Sendable {
    public struct HostRow: Sendable {
        public let host: String
        public let queued: Int
        public let failed: Int
        public let delivered: Int
        public let oldestQueuedAt: Date?
    }

    public let queued: Int
    public let delivered: Int
    public let failed: Int
    public let hosts: [HostRow]
}

/// Where the peers' policies and the cached remote actors stand: each
/// counter grows whenever a row changes, by any connection or process
/// (database triggers), so an in-memory copy taken at one version is
/// current as long as the version is unchanged.
public struct FederationCacheVersion: Sendable, Equatable {
    /// Bumped when a peer's policy changes (or a peer with a policy is added or removed).
    public let peers: Int64
    /// Bumped when a remote actor is stored, updated or deleted.
    public let actors: Int64

    public init(peers: Int64, actors: Int64) {
        self.peers = peers
        self.actors = actors
    }
}

extension NodeDatabase {
    // MARK: Cache version

    /// The current ``FederationCacheVersion``, read synchronously on the
    /// caller's thread from a connection of its own (a few microseconds, no
    /// hop to the pool's queues): callers compare it on every use of a
    /// cached peer policy or actor. Nil when it cannot be read (a database
    /// not migrated that far): then nothing may be served from a cache.
    public func federationCacheVersion() -> FederationCacheVersion? {
        versionConnection.withLock { connection -> FederationCacheVersion? in
            do {
                if connection == nil {
                    var configuration = Configuration()
                    configuration.readonly = true
                    configuration.busyMode = .timeout(10)
                    configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = 16") }
                    connection = try DatabaseQueue(path: path, configuration: configuration)
                }
                return try connection!.inDatabase { db in
                    let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT peers, actors FROM federationCacheVersion WHERE id = 1"))
                    return row.map { FederationCacheVersion(peers: $0[0], actors: $0[1]) }
                }
            } catch {
                return nil
            }
        }
    }

    // MARK: Peers

    /// (Read for every inbox request and delivery batch: a cached statement
    /// skips building and compiling the SQL each time.)
    public func peer(host: String) async throws -> Peer? {
        try await pool.read { db in
            try Peer.fetchOne(db.cachedStatement(sql: "SELECT * FROM peer WHERE host = ?"), arguments: [host])
        }
    }

    /// The stored peers among `hosts`, by host, in one read (a delivery batch's peers).
    public func peers(hosts: some Collection<String>) async throws -> [String: Peer] {
        guard !hosts.isEmpty else { return [:] }
        let list = String(decoding: try JSONEncoder().encode(Array(hosts)), as: UTF8.self)
        return try await pool.read { db in
            let peers = try Peer.fetchAll(db.cachedStatement(sql: "SELECT * FROM peer WHERE host IN (SELECT value FROM json_each(?))"),
                                          arguments: [list])
            return Dictionary(peers.map { ($0.host, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    public func peers() async throws -> [Peer] {
        try await pool.read { db in try Peer.order(Column("host")).fetchAll(db) }
    }

    /// Sets the operator's decision on a peer, creating the peer if needed.
    @discardableResult
    public func setPeerPolicy(host: String, _ policy: Peer.Policy, note: String? = nil, now: Date = Date()) async throws -> Peer {
        try await pool.write { db in
            var peer = try Peer.fetchOne(db, key: host) ?? Peer(host: host, createdAt: now)
            peer.policy = policy
            if let note { peer.note = note }
            if policy != .blocked { peer.pausedUntil = nil }
            try peer.save(db)
            return peer
        }
    }

    /// Records a delivery attempt's outcome on the peer.
    public func recordPeerAttempt(host: String, succeeded: Bool, error: String?, pausedUntil: Date?,
                                  scheme: Peer.SignatureScheme?, now: Date = Date()) async throws {
        try await pool.write { db in
            var peer = try Peer.fetchOne(db, key: host) ?? Peer(host: host, createdAt: now)
            peer.lastAttemptAt = now
            if succeeded {
                peer.consecutiveFailures = 0
                peer.lastSuccessAt = now
                peer.pausedUntil = nil
                if let scheme { peer.signatureScheme = scheme }
            } else {
                peer.consecutiveFailures += 1
                peer.lastError = error
                peer.pausedUntil = pausedUntil
            }
            try peer.save(db)
        }
    }

    public func setPeerSignatureScheme(host: String, _ scheme: Peer.SignatureScheme, now: Date = Date()) async throws {
        try await pool.write { db in
            var peer = try Peer.fetchOne(db, key: host) ?? Peer(host: host, createdAt: now)
            peer.signatureScheme = scheme
            try peer.save(db)
        }
    }

    // MARK: Remote actors

    /// (Read for every inbox request: a cached statement skips building and
    /// compiling the SQL each time.)
    public func remoteActor(id: String) async throws -> RemoteActor? {
        try await pool.read { db in
            try RemoteActor.fetchOne(db.cachedStatement(sql: "SELECT * FROM remoteActor WHERE id = ?"), arguments: [id])
        }
    }

    public func saveRemoteActor(_ actor: RemoteActor) async throws {
        try await pool.write { db in try actor.save(db) }
    }

    public func remoteActors(ids: [String]) async throws -> [RemoteActor] {
        try await pool.read { db in try RemoteActor.fetchAll(db, keys: ids) }
    }

    // MARK: Inbox

    /// Stores a received activity; returns false, storing nothing, when an
    /// activity with the same id was received before.
    public func storeInboxActivity(_ activity: InboxActivity) async throws -> Bool {
        try await pool.write { db in
            var activity = activity
            try activity.insert(db, onConflict: .ignore)
            return db.changesCount > 0
        }
    }

    /// Stores several received activities in one transaction; for each, true
    /// when it was new and false when its activity id was already stored
    /// (also by an earlier row of the same batch).
    public func storeInboxActivities(_ activities: [InboxActivity]) async throws -> [Bool] {
        try await pool.write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO inboxActivity (activityId, actorId, type, recipient, body, signatureKeyId, receivedAt, state, appliedAt, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            return try activities.map { activity in
                try insert.execute(arguments: [activity.activityId, activity.actorId, activity.type, activity.recipient, activity.body,
                                               activity.signatureKeyId, DatabaseDate.text(activity.receivedAt), activity.state,
                                               activity.appliedAt.map(DatabaseDate.text), activity.error])
                return db.changesCount > 0
            }
        }
    }

    public func hasInboxActivity(activityId: String) async throws -> Bool {
        try await pool.read { db in
            try InboxActivity.filter(Column("activityId") == activityId).fetchCount(db) > 0
        }
    }

    public func pendingInboxActivities(limit: Int = 100) async throws -> [InboxActivity] {
        try await pool.read { db in
            try InboxActivity.filter(Column("state") == InboxActivity.State.pending).order(Column("id")).limit(limit).fetchAll(db)
        }
    }

    public func inboxActivity(activityId: String) async throws -> InboxActivity? {
        try await pool.read { db in try InboxActivity.filter(Column("activityId") == activityId).fetchOne(db) }
    }

    /// Marks a received activity as handled and writes its effects, in one
    /// transaction. Returns the digests of file versions that went with
    /// dropped items, for ``removeUnusedBlobs(_:from:)``.
    @discardableResult
    public func completeInboxActivity(id: Int64, state: InboxActivity.State, error: String? = nil,
                                      effects: InboxEffects = InboxEffects(), now: Date = Date()) async throws -> [String] {
        try await completeInboxActivities([InboxCompletion(id: id, state: state, error: error, effects: effects)], now: now)
    }

    /// Marks several received activities as handled and writes their
    /// effects, in the order given, in one transaction: all of them or, when
    /// one fails, none. Returns the digests of file versions that went with
    /// dropped items, for ``removeUnusedBlobs(_:from:)``.
    ///
    /// Each activity's effects are written after the previous one's, so a
    /// later item sees an earlier one (a reply finds its parent, a second
    /// `Create` of an object updates it).
    @discardableResult
    public func completeInboxActivities(_ completions: [InboxCompletion], now: Date = Date()) async throws -> [String] {
        guard !completions.isEmpty else { return [] }
        return try await pool.write { db in
            let markDone = try db.cachedStatement(sql: "UPDATE inboxActivity SET state = ?, error = ?, appliedAt = ? WHERE id = ?")
            let appliedAt = DatabaseDate.text(now)
            // The items of the batch are indexed together at its end.
            return try ContentIndexDeferral.indexingAtEnd(db) {
                var dropped: [String] = []
                for completion in completions {
                    let effects = completion.effects
                    for follow in effects.followsToSave { try follow.save(db) }
                    for pair in effects.followsToDelete {
                        _ = try Follow.deleteOne(db, key: ["follower": pair.follower, "followee": pair.followee])
                    }
                    for actor in effects.actorsToSave { try actor.save(db) }
                    for id in effects.actorsToDelete {
                        _ = try RemoteActor.deleteOne(db, key: id)
                        try Follow.filter(Column("follower") == id || Column("followee") == id).deleteAll(db)
                    }
                    dropped += try Self.apply(effects.changes, db)
                    try Self.insert(effects.deliveries, db)
                    try markDone.execute(arguments: [completion.state, completion.error, appliedAt, completion.id])
                }
                return dropped
            }
        }
    }

    // MARK: Deliveries

    /// Inserts delivery rows (a row whose activity id and inbox are already
    /// queued is left out). Up to ``deliveryRowsPerInsert`` rows go in one
    /// multi-row statement (an applied group activity queues one row per
    /// member node), each row count's statement prepared once per
    /// connection; the ledger subjects, which the rows of one activity
    /// share, are encoded once.
    static func insert(_ deliveries: [Delivery], _ db: Database) throws {
        var encodedSubjects: (subjects: [LedgerSubject], text: String)?
        // The rows of one activity share their dates too: each is formatted once.
        var formattedDate: (date: Date, text: String)?
        func text(_ date: Date) -> String {
            if let formattedDate, formattedDate.date == date { return formattedDate.text }
            let text = DatabaseDate.text(date)
            formattedDate = (date, text)
            return text
        }
        var start = deliveries.startIndex
        while start < deliveries.endIndex {
            let rows = deliveries[start..<min(start + deliveryRowsPerInsert, deliveries.endIndex)]
            var values: [(any DatabaseValueConvertible)?] = []
            values.reserveCapacity(rows.count * 14)
            for delivery in rows {
                if encodedSubjects?.subjects != delivery.subjects {
                    encodedSubjects = (delivery.subjects, LedgerSubject.databaseText(delivery.subjects))
                }
                values += [delivery.activityId, delivery.inbox, delivery.host, delivery.body, delivery.signer,
                           delivery.signerActorId, delivery.state, delivery.attempts, text(delivery.nextAttemptAt),
                           delivery.lastError, delivery.lastStatus, text(delivery.createdAt),
                           delivery.deliveredAt.map(text), encodedSubjects!.text]
            }
            try db.cachedStatement(sql: insertDeliveriesSQL[rows.count]).execute(arguments: StatementArguments(values))
            start = rows.endIndex
        }
    }

    /// Rows per `INSERT` of ``insert(_:_:)``.
    static let deliveryRowsPerInsert = 16

    /// The `INSERT` of 1 to ``deliveryRowsPerInsert`` delivery rows, by row count.
    private static let insertDeliveriesSQL: [String] = (0...deliveryRowsPerInsert).map { rows in
        """
        INSERT OR IGNORE INTO delivery (activityId, inbox, host, body, signer, signerActorId, state, attempts, nextAttemptAt,
                                        lastError, lastStatus, createdAt, deliveredAt, subjects)
        VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", "))
        """
    }

    /// Queues deliveries on their own (for changes that write nothing else).
    public func enqueueDeliveries(_ deliveries: [Delivery]) async throws {
        try await pool.write { db in try Self.insert(deliveries, db) }
    }

    /// Queued deliveries whose time has come, oldest first, leaving out peers
    /// that are paused or blocked. A row waits while an older row for the
    /// same host waits for its retry, so a node that was down receives what
    /// it missed in the order it was sent.
    public func dueDeliveries(now: Date = Date(), limit: Int = 200) async throws -> [Delivery] {
        // (Read before every batch the delivery worker sends: a cached statement skips compiling the SQL.)
        // Text, not a Date argument: GRDB formats a Date with DateFormatter (ICU).
        let now = DatabaseDate.text(now)
        return try await pool.read { db in
            try Delivery.fetchAll(db.cachedStatement(sql: """
                SELECT delivery.* FROM delivery
                LEFT JOIN peer ON peer.host = delivery.host
                WHERE delivery.state = 'queued' AND delivery.nextAttemptAt <= ?
                  AND (peer.host IS NULL OR (peer.policy != 'blocked' AND (peer.pausedUntil IS NULL OR peer.pausedUntil <= ?)))
                  AND NOT EXISTS (SELECT 1 FROM delivery older WHERE older.host = delivery.host AND older.state = 'queued'
                                  AND older.id < delivery.id AND older.nextAttemptAt > ?)
                ORDER BY delivery.nextAttemptAt, delivery.id
                LIMIT ?
                """), arguments: [now, now, now, limit])
        }
    }

    /// The earliest time a queued delivery becomes due, for the worker's sleep.
    public func nextDeliveryDue() async throws -> Date? {
        try await pool.read { db in
            try Date.fetchOne(db, sql: """
                SELECT MIN(MAX(delivery.nextAttemptAt, COALESCE(peer.pausedUntil, delivery.nextAttemptAt))) FROM delivery
                LEFT JOIN peer ON peer.host = delivery.host
                WHERE delivery.state = 'queued' AND (peer.host IS NULL OR peer.policy != 'blocked')
                """)
        }
    }

    public func markDelivered(id: Int64, status: Int, now: Date = Date()) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE delivery SET state = 'delivered', attempts = attempts + 1, lastStatus = ?, lastError = NULL, deliveredAt = ? WHERE id = ?",
                           arguments: [status, now, id])
            if let delivery = try Delivery.fetchOne(db, key: id), !delivery.subjects.isEmpty {
                try Self.recordLedger(delivery.subjects, host: delivery.host, at: now, db)
            }
        }
    }

    /// Marks several deliveries delivered and records a successful attempt on
    /// each of their peers (with the signature scheme it took, when known),
    /// in one transaction.
    public func markDelivered(_ deliveries: [(id: Int64, status: Int)], peerSchemes: [String: Peer.SignatureScheme?], now: Date = Date()) async throws {
        guard !deliveries.isEmpty || !peerSchemes.isEmpty else { return }
        let ids = String(decoding: try JSONEncoder().encode(deliveries.map(\.id)), as: UTF8.self)
        try await pool.write { db in
            let nowValue = DatabaseDate.text(now)
            let update = try db.cachedStatement(sql: """
                UPDATE delivery SET state = 'delivered', attempts = attempts + 1, lastStatus = ?, lastError = NULL, deliveredAt = ? WHERE id = ?
                """)
            for delivery in deliveries { try update.execute(arguments: [delivery.status, nowValue, delivery.id]) }
            // The data-flow ledger: what the delivered rows carried, to which
            // node; one statement for the whole batch.
            if !deliveries.isEmpty {
                try db.cachedStatement(sql: """
                    INSERT INTO ledgerEntry (objectId, kind, host, firstSentAt, lastSentAt)
                    SELECT json_extract(subject.value, '$.objectId'), json_extract(subject.value, '$.kind'), delivery.host, ?1, ?1
                    FROM delivery, json_each(delivery.subjects) AS subject
                    WHERE delivery.id IN (SELECT value FROM json_each(?2)) AND delivery.subjects != '[]'
                    ON CONFLICT (objectId, host) DO UPDATE SET lastSentAt = excluded.lastSentAt
                    """).execute(arguments: [nowValue, ids])
            }
            let succeeded = try db.cachedStatement(sql: """
                INSERT INTO peer (host, policy, signatureScheme, consecutiveFailures, lastAttemptAt, lastSuccessAt, pausedUntil, createdAt)
                VALUES (?1, 'none', ?2, 0, ?3, ?3, NULL, ?3)
                ON CONFLICT (host) DO UPDATE SET consecutiveFailures = 0, lastAttemptAt = ?3, lastSuccessAt = ?3, pausedUntil = NULL,
                    signatureScheme = COALESCE(?2, peer.signatureScheme)
                """)
            for (host, scheme) in peerSchemes {
                try succeeded.execute(arguments: [host, scheme, nowValue])
            }
        }
    }

    public func rescheduleDelivery(id: Int64, nextAttemptAt: Date, error: String, status: Int?) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE delivery SET attempts = attempts + 1, nextAttemptAt = ?, lastError = ?, lastStatus = ? WHERE id = ?",
                           arguments: [nextAttemptAt, error, status, id])
        }
    }

    public func failDelivery(id: Int64, error: String, status: Int?) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE delivery SET state = 'failed', attempts = attempts + 1, lastError = ?, lastStatus = ? WHERE id = ?",
                           arguments: [error, status, id])
        }
    }

    public func deliveries(state: Delivery.State? = nil, host: String? = nil, limit: Int = 100) async throws -> [Delivery] {
        try await pool.read { db in
            var request = Delivery.all()
            if let state { request = request.filter(Column("state") == state) }
            if let host { request = request.filter(Column("host") == host) }
            return try request.order(Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    public func deliveryStatus() async throws -> DeliveryStatus {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT host,
                  SUM(state = 'queued') AS queued, SUM(state = 'failed') AS failed, SUM(state = 'delivered') AS delivered,
                  MIN(CASE WHEN state = 'queued' THEN createdAt END) AS oldest
                FROM delivery GROUP BY host ORDER BY host
                """)
            let hosts = rows.map { row in
                DeliveryStatus.HostRow(host: row["host"], queued: row["queued"], failed: row["failed"], delivered: row["delivered"], oldestQueuedAt: row["oldest"])
            }
            return DeliveryStatus(queued: hosts.reduce(0) { $0 + $1.queued }, delivered: hosts.reduce(0) { $0 + $1.delivered },
                                  failed: hosts.reduce(0) { $0 + $1.failed }, hosts: hosts)
        }
    }

    /// Makes queued (and, with `includeFailed`, failed) deliveries due now and
    /// lifts the peers' pauses; returns how many deliveries were touched.
    @discardableResult
    public func retryDeliveries(host: String? = nil, includeFailed: Bool, now: Date = Date()) async throws -> Int {
        try await pool.write { db in
            let states = includeFailed ? "'queued', 'failed'" : "'queued'"
            let hostFilter = host == nil ? "" : " AND host = ?"
            var arguments: StatementArguments = [now]
            if let host { arguments += [host] }
            try db.execute(sql: "UPDATE delivery SET state = 'queued', nextAttemptAt = ? WHERE state IN (\(states))\(hostFilter)", arguments: arguments)
            let touched = db.changesCount
            if let host {
                try db.execute(sql: "UPDATE peer SET pausedUntil = NULL WHERE host = ?", arguments: [host])
            } else {
                try db.execute(sql: "UPDATE peer SET pausedUntil = NULL")
            }
            return touched
        }
    }

    // MARK: Follows

    public func follow(follower: String, followee: String) async throws -> Follow? {
        try await pool.read { db in try Follow.fetchOne(db, key: ["follower": follower, "followee": followee]) }
    }

    /// Saves a follow and queues the deliveries that announce it, in one transaction.
    public func saveFollow(_ follow: Follow, deliveries: [Delivery]) async throws {
        try await pool.write { db in
            try follow.save(db)
            try Self.insert(deliveries, db)
        }
    }

    /// Removes a follow and queues the deliveries that announce it, in one transaction.
    public func deleteFollow(follower: String, followee: String, deliveries: [Delivery]) async throws {
        try await pool.write { db in
            _ = try Follow.deleteOne(db, key: ["follower": follower, "followee": followee])
            try Self.insert(deliveries, db)
        }
    }

    public func followers(of followee: String, state: Follow.State? = .accepted) async throws -> [Follow] {
        try await pool.read { db in
            var request = Follow.filter(Column("followee") == followee)
            if let state { request = request.filter(Column("state") == state) }
            return try request.order(Column("createdAt")).fetchAll(db)
        }
    }

    public func following(of follower: String, state: Follow.State? = nil) async throws -> [Follow] {
        try await pool.read { db in
            var request = Follow.filter(Column("follower") == follower)
            if let state { request = request.filter(Column("state") == state) }
            return try request.order(Column("createdAt")).fetchAll(db)
        }
    }
}

extension NodeDatabase {
    /// Received activities of one type, newest first, in any state (for operators and tests).
    public func receivedActivities(type: String, limit: Int = 100) async throws -> [InboxActivity] {
        try await pool.read { db in
            try InboxActivity.filter(Column("type") == type).order(Column("id").desc).limit(limit).fetchAll(db)
        }
    }
}
