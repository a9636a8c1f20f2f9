import Foundation
import GRDB

/// A cached actor of another node (a person, group or node actor), refreshed
/// from its home node, which stays the source of truth.
public struct RemoteActor: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "remoteActor"

    /// The actor's id (URI).
    public var id: String
    public var type: String
    /// Authority (`host` or `host:port`) of the actor's id.
    public var host: String
    public var preferredUsername: String?
    public var name: String?
    public var summary: String?
    public var inbox: String
    public var sharedInbox: String?
    public var rsaKeyId: String?
    public var rsaPublicKeyPEM: String?
    public var ed25519KeyId: String?
    public var ed25519Multibase: String?
    /// The actor document as received, for fields not mapped above.
    public var document: Data
    public var fetchedAt: Date

    public init(id: String, type: String, host: String, preferredUsername: String?, name: String?, summary: String?,
                inbox: String, sharedInbox: String?, rsaKeyId: String?, rsaPublicKeyPEM: String?,
                ed25519KeyId: String?, ed25519Multibase: String?, document: Data, fetchedAt: Date) {
        self.id = id
        self.type = type
        self.host = host
        self.preferredUsername = preferredUsername
        self.name = name
        self.summary = summary
        self.inbox = inbox
        self.sharedInbox = sharedInbox
        self.rsaKeyId = rsaKeyId
        self.rsaPublicKeyPEM = rsaPublicKeyPEM
        self.ed25519KeyId = ed25519KeyId
        self.ed25519Multibase = ed25519Multibase
        self.document = document
        self.fetchedAt = fetchedAt
    }

    /// Where deliveries for this actor go: the node's shared inbox when it has one.
    public var deliveryInbox: String { sharedInbox ?? inbox }
}

/// What this node knows about and has decided about another node.
public struct Peer: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "peer"

    public enum Policy: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        /// Seen, no decision: allowed in `open` federation mode only.
        case undecided = "none"
        case allowed
        case blocked
    }

    /// Which signature scheme the peer accepted last.
    public enum SignatureScheme: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case rfc9421
        case cavage
    }

    /// Authority of the peer (`host` or `host:port`).
    public var host: String
    public var policy: Policy
    public var signatureScheme: SignatureScheme?
    public var consecutiveFailures: Int
    public var lastError: String?
    public var lastAttemptAt: Date?
    public var lastSuccessAt: Date?
    /// While set and in the future, deliveries to the peer wait.
    public var pausedUntil: Date?
    public var note: String?
    public var createdAt: Date

    public init(host: String, policy: Policy = .undecided, signatureScheme: SignatureScheme? = nil, consecutiveFailures: Int = 0,
                lastError: String? = nil, lastAttemptAt: Date? = nil, lastSuccessAt: Date? = nil, pausedUntil: Date? = nil,
                note: String? = nil, createdAt: Date = Date()) {
        self.host = host
        self.policy = policy
        self.signatureScheme = signatureScheme
        self.consecutiveFailures = consecutiveFailures
        self.lastError = lastError
        self.lastAttemptAt = lastAttemptAt
        self.lastSuccessAt = lastSuccessAt
        self.pausedUntil = pausedUntil
        self.note = note
        self.createdAt = createdAt
    }
}

/// An activity received in an inbox: stored as raw bytes before the sender
/// gets its 202, applied later by a worker. The unique activity id makes
/// redelivery harmless.
public struct InboxActivity: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "inboxActivity"

    public enum State: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case pending
        case applied
        case ignored
        case failed
    }

    public var id: Int64?
    public var activityId: String
    public var actorId: String
    public var type: String
    /// Which local inbox received it: `shared` or `account:<id>`.
    public var recipient: String
    public var body: Data
    public var signatureKeyId: String
    public var receivedAt: Date
    public var state: State
    public var appliedAt: Date?
    public var error: String?

    public init(id: Int64? = nil, activityId: String, actorId: String, type: String, recipient: String, body: Data,
                signatureKeyId: String, receivedAt: Date = Date(), state: State = .pending, appliedAt: Date? = nil, error: String? = nil) {
        self.id = id
        self.activityId = activityId
        self.actorId = actorId
        self.type = type
        self.recipient = recipient
        self.body = body
        self.signatureKeyId = signatureKeyId
        self.receivedAt = receivedAt
        self.state = state
        self.appliedAt = appliedAt
        self.error = error
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One activity to deliver to one inbox of another node. Written in the same
/// transaction as the change that caused it; signed only when sent.
public struct Delivery: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "delivery"

    public enum State: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case queued
        case delivered
        /// Given up: a permanent refusal, or retries ran out.
        case failed
    }

    public var id: Int64?
    public var activityId: String
    public var inbox: String
    /// Authority of `inbox`; deliveries are paced and paused per host.
    public var host: String
    public var body: Data
    /// Whose keys sign it: `node`, `account:<id>` or `group:<id>`.
    public var signer: String
    /// The actor id the signing key belongs to.
    public var signerActorId: String
    public var state: State
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var lastStatus: Int?
    public var createdAt: Date
    public var deliveredAt: Date?
    /// The objects and profiles the activity carries (ActivityPub ids); the
    /// data-flow ledger records them for `host` once the delivery succeeds.
    public var subjects: [LedgerSubject]

    public init(id: Int64? = nil, activityId: String, inbox: String, host: String, body: Data, signer: String, signerActorId: String,
                state: State = .queued, attempts: Int = 0, nextAttemptAt: Date = Date(), lastError: String? = nil,
                lastStatus: Int? = nil, createdAt: Date = Date(), deliveredAt: Date? = nil, subjects: [LedgerSubject] = []) {
        self.subjects = subjects
        self.id = id
        self.activityId = activityId
        self.inbox = inbox
        self.host = host
        self.body = body
        self.signer = signer
        self.signerActorId = signerActorId
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.lastStatus = lastStatus
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Reads a row by column, without the Codable decoder (the delivery
    /// worker reads hundreds of rows per batch): `subjects` is JSON text,
    /// decoded only when it lists something.
    public init(row: Row) throws {
        id = row["id"]
        activityId = row["activityId"]
        inbox = row["inbox"]
        host = row["host"]
        body = row["body"]
        signer = row["signer"]
        signerActorId = row["signerActorId"]
        state = row["state"]
        attempts = row["attempts"]
        nextAttemptAt = row["nextAttemptAt"]
        lastError = row["lastError"]
        lastStatus = row["lastStatus"]
        createdAt = row["createdAt"]
        deliveredAt = row["deliveredAt"]
        let subjects: String? = row["subjects"]
        if let subjects, subjects != "[]", !subjects.isEmpty {
            self.subjects = try JSONDecoder().decode([LedgerSubject].self, from: Data(subjects.utf8))
        } else {
            self.subjects = []
        }
    }
}

/// A follow relation between two actors, local or remote, by actor id.
public struct Follow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "follow"

    public enum State: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case pending
        case accepted
    }

    public var follower: String
    public var followee: String
    public var state: State
    /// The id of the `Follow` activity, so `Accept` and `Undo` can name it.
    public var activityId: String
    public var createdAt: Date

    public init(follower: String, followee: String, state: State, activityId: String, createdAt: Date = Date()) {
        self.follower = follower
        self.followee = followee
        self.state = state
        self.activityId = activityId
        self.createdAt = createdAt
    }
}
