import Foundation
import GRDB

/// A wiki page of a group; its text lives in numbered revisions.
public struct WikiPage: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "wikiPage"

    public var id: Int64?
    public var groupId: Int64
    /// The page this one is nested under.
    public var parentId: Int64?
    /// Who created the page; `nil` once their account is deleted.
    public var authorId: Int64?
    public var access: ContentItem.Access
    public var currentRevision: Int
    public var createdAt: Date
    public var updatedAt: Date
    /// The ActivityPub id of a page of another node's group, mirrored here;
    /// `nil` for pages of this node's groups.
    public var apId: String?

    public init(id: Int64? = nil, groupId: Int64, parentId: Int64?, authorId: Int64?, access: ContentItem.Access,
                currentRevision: Int = 1, createdAt: Date = Date(), updatedAt: Date = Date(), apId: String? = nil) {
        self.apId = apId
        self.id = id
        self.groupId = groupId
        self.parentId = parentId
        self.authorId = authorId
        self.access = access
        self.currentRevision = currentRevision
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One version of a wiki page. Revisions are numbered by the group's home
/// node in the order they were accepted and never change.
public struct WikiRevision: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "wikiRevision"

    public var pageId: Int64
    public var number: Int
    public var title: String
    public var body: String
    /// `nil` once the author's account is deleted; the revision stays.
    public var authorId: Int64?
    /// For a merged edit: the revision the editor started from.
    public var mergedFrom: Int?
    public var createdAt: Date

    public init(pageId: Int64, number: Int, title: String, body: String, authorId: Int64?, mergedFrom: Int? = nil, createdAt: Date = Date()) {
        self.pageId = pageId
        self.number = number
        self.title = title
        self.body = body
        self.authorId = authorId
        self.mergedFrom = mergedFrom
        self.createdAt = createdAt
    }
}

/// An edit that could not be merged: kept so that nothing typed is lost.
public struct WikiConflict: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "wikiConflict"

    public var id: Int64?
    public var pageId: Int64
    public var baseRevision: Int
    public var title: String
    public var body: String
    public var authorId: Int64
    public var createdAt: Date

    public init(id: Int64? = nil, pageId: Int64, baseRevision: Int, title: String, body: String, authorId: Int64, createdAt: Date = Date()) {
        self.id = id
        self.pageId = pageId
        self.baseRevision = baseRevision
        self.title = title
        self.body = body
        self.authorId = authorId
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
