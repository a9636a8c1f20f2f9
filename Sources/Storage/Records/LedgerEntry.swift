import Foundation
import GRDB

/// One thing that went to another node, for the data-flow ledger.
public struct LedgerSubject: Codable, Sendable, Equatable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// A person's profile (the actor document, or an `Update` of it).
        case profile
        /// A content item: a post, a comment, a like.
        case content
        /// A group's description and membership.
        case group
    }

    public var objectId: String
    public var kind: Kind

    public init(_ objectId: String, kind: Kind) {
        self.objectId = objectId
        self.kind = kind
    }

    /// A list of subjects as the JSON text a delivery row stores, written
    /// by hand (`JSONEncoder` was a tenth of inserting an activity's
    /// delivery rows); read back with `JSONDecoder` like any other.
    static func databaseText(_ subjects: [LedgerSubject]) -> String {
        var json: [UInt8] = [UInt8(ascii: "[")]
        for (index, subject) in subjects.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            json += Array(#"{"kind":"#.utf8)
            JSONString.append(subject.kind.rawValue, to: &json)
            json += Array(#","objectId":"#.utf8)
            JSONString.append(subject.objectId, to: &json)
            json.append(UInt8(ascii: "}"))
        }
        json.append(UInt8(ascii: "]"))
        return String(decoding: json, as: UTF8.self)
    }
}

/// Which node received an object, when, and whether a deletion of it was
/// asked for and confirmed.
public struct LedgerEntry: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "ledgerEntry"

    public var id: Int64?
    public var objectId: String
    public var kind: LedgerSubject.Kind
    public var host: String
    public var firstSentAt: Date
    public var lastSentAt: Date
    /// The `Delete` sent to `host` for this object.
    public var deletionActivityId: String?
    public var deletionRequestedAt: Date?
    /// When `host` confirmed it applied the deletion.
    public var deletionConfirmedAt: Date?

    public init(id: Int64? = nil, objectId: String, kind: LedgerSubject.Kind, host: String, firstSentAt: Date, lastSentAt: Date,
                deletionActivityId: String? = nil, deletionRequestedAt: Date? = nil, deletionConfirmedAt: Date? = nil) {
        self.id = id
        self.objectId = objectId
        self.kind = kind
        self.host = host
        self.firstSentAt = firstSentAt
        self.lastSentAt = lastSentAt
        self.deletionActivityId = deletionActivityId
        self.deletionRequestedAt = deletionRequestedAt
        self.deletionConfirmedAt = deletionConfirmedAt
    }

    /// A deletion was asked for and is not confirmed yet.
    public var isDeletionOpen: Bool { deletionRequestedAt != nil && deletionConfirmedAt == nil }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension LedgerSubject.Kind: DatabaseValueConvertible {}
