import Foundation
import GRDB

/// A profile field that the node's administrators define for everyone on the
/// node, such as "Department" or "Phone". Each person fills it in and chooses
/// who may see their value.
public struct ProfileField: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "profileField"

    public enum Kind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case text
        case longText
        case choice
        case date
    }

    public var id: Int64?
    /// Stable machine name, unique on the node (`department`).
    public var key: String
    public var label: String
    public var kind: Kind
    /// The allowed values of a `choice` field, in order; empty for other kinds.
    public var options: [String]
    public var position: Int
    public var createdAt: Date

    public init(id: Int64? = nil, key: String, label: String, kind: Kind, options: [String] = [], position: Int = 0, createdAt: Date = Date()) {
        self.id = id
        self.key = key
        self.label = label
        self.kind = kind
        self.options = options
        self.position = position
        self.createdAt = createdAt
    }

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let key = Column(CodingKeys.key)
        public static let position = Column(CodingKeys.position)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// Who may see a person's value of a profile field.
public enum Visibility: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Anyone, including anonymous visitors and other nodes.
    case `public`
    /// People signed in on this node.
    case users
    /// Only the person themselves.
    case `private`
}

/// One person's value of one ``ProfileField``, with the visibility they chose.
public struct ProfileFieldValue: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "profileFieldValue"

    public var accountId: Int64
    public var fieldId: Int64
    public var value: String
    public var visibility: Visibility

    public init(accountId: Int64, fieldId: Int64, value: String, visibility: Visibility) {
        self.accountId = accountId
        self.fieldId = fieldId
        self.value = value
        self.visibility = visibility
    }

    public enum Columns {
        public static let accountId = Column(CodingKeys.accountId)
        public static let fieldId = Column(CodingKeys.fieldId)
    }
}
