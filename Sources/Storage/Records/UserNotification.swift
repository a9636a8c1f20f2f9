import Foundation
import GRDB

/// Something a person should know about: an invitation, a request to join
/// their group, a decision on their request, a reply, a mention.
public struct UserNotification: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "notification"

    public enum Kind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case groupInvited = "group.invited"
        case groupRequested = "group.requested"
        case groupApproved = "group.approved"
        case contentReply = "content.reply"
        case contentMention = "content.mention"
        /// A group the person was a member of was deleted on its home node.
        case groupDeleted = "group.deleted"
    }

    public var id: Int64?
    /// Who is notified.
    public var accountId: Int64
    public var kind: Kind
    /// Who caused it.
    public var actorId: Int64?
    public var groupId: Int64?
    public var itemId: Int64?
    /// The name of a group that is gone (`group.deleted`).
    public var groupName: String?
    public var createdAt: Date
    public var readAt: Date?

    public init(id: Int64? = nil, accountId: Int64, kind: Kind, actorId: Int64?, groupId: Int64? = nil, itemId: Int64? = nil,
                groupName: String? = nil, createdAt: Date = Date(), readAt: Date? = nil) {
        self.id = id
        self.accountId = accountId
        self.kind = kind
        self.actorId = actorId
        self.groupId = groupId
        self.itemId = itemId
        self.groupName = groupName
        self.createdAt = createdAt
        self.readAt = readAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
