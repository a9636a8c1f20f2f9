import Foundation
import GRDB

/// Something a person wrote: a status update, a blog post, a discussion, or a
/// comment or reply on one of those. Every item has an owner (its author),
/// an access level, and optionally the group it belongs to.
public struct ContentItem: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "contentItem"

    public enum Kind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case status
        case blog
        case discussion
        /// A comment on an item, or a reply to another comment (threads).
        case comment
        /// A folder of files and folders; its title is its name.
        case folder
        /// An uploaded file with its versions (``FileVersion``); its title is its name.
        case file
    }

    /// Who may read an item.
    public enum Access: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        /// Anyone, also people who are not signed in.
        case `public`
        /// People signed in on this node.
        case users
        /// Members of the item's group.
        case members
        /// The author alone.
        case `private`
    }

    public var id: Int64?
    public var type: Kind
    public var groupId: Int64?
    public var authorId: Int64
    /// The item or comment this comment answers.
    public var parentId: Int64?
    /// The top item of the thread a comment belongs to.
    public var rootId: Int64?
    /// The folder a file or folder is in; `nil` at the top of its group or owner.
    public var folderId: Int64?
    public var title: String
    /// Markdown text.
    public var body: String
    /// Comments carry the access and group of their thread's top item.
    public var access: Access
    public var createdAt: Date
    public var updatedAt: Date
    /// The ActivityPub id of an item written on another node; `nil` for
    /// items written here (their id is derived from `id`).
    public var apId: String?

    public init(id: Int64? = nil, type: Kind, groupId: Int64?, authorId: Int64, parentId: Int64? = nil, rootId: Int64? = nil,
                folderId: Int64? = nil, title: String, body: String, access: Access, createdAt: Date = Date(), updatedAt: Date = Date(),
                apId: String? = nil) {
        self.apId = apId
        self.id = id
        self.type = type
        self.groupId = groupId
        self.authorId = authorId
        self.parentId = parentId
        self.rootId = rootId
        self.folderId = folderId
        self.title = title
        self.body = body
        self.access = access
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Reads a row column by column: listings read tens of items per page,
    /// and the generic `Decodable` path was a sixteenth of a dashboard's CPU.
    public init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        type = try row.decode(forColumn: "type")
        groupId = try row.decode(forColumn: "groupId")
        authorId = try row.decode(forColumn: "authorId")
        parentId = try row.decode(forColumn: "parentId")
        rootId = try row.decode(forColumn: "rootId")
        folderId = try row.decode(forColumn: "folderId")
        title = try row.decode(forColumn: "title")
        body = try row.decode(forColumn: "body")
        access = try row.decode(forColumn: "access")
        createdAt = try row.decode(forColumn: "createdAt")
        updatedAt = try row.decode(forColumn: "updatedAt")
        apId = try row.decode(forColumn: "apId")
    }

    /// Writes the columns one by one, dates as `DatabaseDate` text (what
    /// GRDB's own conversion stores): the generic `Encodable` path, with its
    /// runtime type lookups, was a share of every item the inbox worker
    /// stores, alone on the one writer.
    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["type"] = type
        container["groupId"] = groupId
        container["authorId"] = authorId
        container["parentId"] = parentId
        container["rootId"] = rootId
        container["folderId"] = folderId
        container["title"] = title
        container["body"] = body
        container["access"] = access
        container["createdAt"] = DatabaseDate.text(createdAt)
        container["updatedAt"] = DatabaseDate.text(updatedAt)
        container["apId"] = apId
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One person's like of one item.
public struct ContentLike: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "contentLike"

    public var itemId: Int64
    public var accountId: Int64
    public var createdAt: Date

    public init(itemId: Int64, accountId: Int64, createdAt: Date = Date()) {
        self.itemId = itemId
        self.accountId = accountId
        self.createdAt = createdAt
    }
}
