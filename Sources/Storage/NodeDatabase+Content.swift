import Foundation
import GRDB

/// What a listing of content asks for.
public struct ContentQuery: Sendable {
    public var groupId: Int64?
    public var authorId: Int64?
    /// Only top-level items of these kinds (never comments).
    public var types: [ContentItem.Kind]
    public var before: Int64?
    public var limit: Int

    public init(groupId: Int64? = nil, authorId: Int64? = nil, types: [ContentItem.Kind] = [.status, .blog, .discussion],
                before: Int64? = nil, limit: Int = 50) {
        self.groupId = groupId
        self.authorId = authorId
        self.types = types
        self.before = before
        self.limit = limit
    }
}

/// An item with the counts a listing shows.
public struct ContentRow: Sendable, Equatable {
    public let item: ContentItem
    public let likeCount: Int
    public let commentCount: Int
    public let likedByViewer: Bool
}

extension NodeDatabase {
    /// The one rule of who may read an item, as SQL over `c` (the item) and
    /// `g` (its group), for the viewer bound as the first argument (-1 when
    /// nobody is signed in). Items in a closed or hidden group are for its
    /// members only, whatever their access level; `private` items are for
    /// their author (and, in a group, only while a member); nobody else,
    /// node administrators included, reads them. A comment carries its
    /// thread's access, and a private thread is its starter's alone: the
    /// private rule looks at the thread's author, so someone who commented
    /// before the thread became private no longer reads even their own comment.
    static let visibility = visibility(privateOwner: threadAuthor)

    /// The rule itself, with the column that names who owns a private item
    /// (wiki pages, which have no threads, use their author).
    static func visibility(privateOwner owner: String) -> String {
        """
        ((c.groupId IS NULL AND (c.access = 'public' OR (c.access = 'users' AND :viewer > 0) OR (c.access = 'private' AND \(owner) = :viewer)))
         OR (c.groupId IS NOT NULL AND (
              (EXISTS (SELECT 1 FROM membership m WHERE m.groupId = c.groupId AND m.accountId = :viewer AND m.state = 'member')
               AND (c.access != 'private' OR \(owner) = :viewer))
              OR (g.membershipMode != 'closed' AND g.isHidden = 0 AND (c.access = 'public' OR (c.access = 'users' AND :viewer > 0))))))
        """
    }

    /// The author of the thread `c` belongs to: its own author for a top item.
    private static let threadAuthor = "(CASE WHEN c.rootId IS NULL THEN c.authorId ELSE (SELECT r.authorId FROM contentItem r WHERE r.id = c.rootId) END)"

    /// The item's columns are named one by one, in the order ``row(_:)``
    /// reads them by position (looking each up by name cost a few percent of
    /// a listing's CPU).
    static let rowSelect = """
        SELECT c.id, c.type, c.groupId, c.authorId, c.parentId, c.rootId, c.folderId, c.title, c.body, c.access, c.createdAt, c.updatedAt, c.apId,
          (SELECT COUNT(*) FROM contentLike l WHERE l.itemId = c.id) AS likeCount,
          (SELECT COUNT(*) FROM contentItem r WHERE r.rootId = c.id) AS commentCount,
          EXISTS (SELECT 1 FROM contentLike l WHERE l.itemId = c.id AND l.accountId = :viewer) AS likedByViewer
        FROM contentItem c LEFT JOIN groups g ON g.id = c.groupId
        """

    /// A row of ``rowSelect``, read by position.
    static func row(_ row: Row) throws -> ContentRow {
        let item = ContentItem(
            id: try row.decode(atIndex: 0), type: try row.decode(atIndex: 1), groupId: try row.decode(atIndex: 2), authorId: try row.decode(atIndex: 3),
            parentId: try row.decode(atIndex: 4), rootId: try row.decode(atIndex: 5), folderId: try row.decode(atIndex: 6),
            title: try row.decode(atIndex: 7), body: try row.decode(atIndex: 8), access: try row.decode(atIndex: 9),
            createdAt: try row.decode(atIndex: 10), updatedAt: try row.decode(atIndex: 11), apId: try row.decode(atIndex: 12))
        return ContentRow(item: item, likeCount: try row.decode(atIndex: 13), commentCount: try row.decode(atIndex: 14),
                          likedByViewer: try row.decode(atIndex: 15))
    }

    public func createContent(_ item: ContentItem) async throws -> ContentItem {
        try await pool.write { db in
            try mappingConstraintErrors {
                var item = item
                try item.insert(db)
                return item
            }
        }
    }

    /// The item if `viewerId` may read it; `nil` when it does not exist or is not theirs to see.
    public func content(id: Int64, viewerId: Int64?) async throws -> ContentRow? {
        try await pool.read { db in
            let sql = "\(Self.rowSelect) WHERE c.id = :id AND \(Self.visibility)"
            return try Row.fetchOne(db.cachedStatement(sql: sql), arguments: ["id": id, "viewer": viewerId ?? -1]).map(Self.row)
        }
    }

    /// The item regardless of who asks (for permission checks on changes).
    public func contentItem(id: Int64) async throws -> ContentItem? {
        try await pool.read { db in try ContentItem.fetchOne(db, key: id) }
    }

    /// Top-level items matching `query` that `viewerId` may read, newest first.
    public func content(_ query: ContentQuery, viewerId: Int64?) async throws -> [ContentRow] {
        try await pool.read { db in
            var conditions = ["c.parentId IS NULL", Self.visibility]
            var arguments: [String: (any DatabaseValueConvertible)?] = ["viewer": viewerId ?? -1, "limit": query.limit]
            if let groupId = query.groupId { conditions.append("c.groupId = :group"); arguments["group"] = groupId }
            if let authorId = query.authorId { conditions.append("c.authorId = :author"); arguments["author"] = authorId }
            if let before = query.before { conditions.append("c.id < :before"); arguments["before"] = before }
            let types = query.types.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            conditions.append("c.type IN (\(types))")
            // A handful of distinct texts (which filters, which kinds): each compiled once per connection.
            let sql = "\(Self.rowSelect) WHERE \(conditions.joined(separator: " AND ")) ORDER BY c.id DESC LIMIT :limit"
            return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(arguments)).map(Self.row)
        }
    }

    /// A person's dashboard: top-level items from the groups they are a member
    /// of, from the people they follow (by actor id) and their own, that they
    /// may read, newest first, `limit` at a time before the item id `before`.
    public func dashboard(accountId: Int64, followedActorIds: [String], actorIdPrefix: String, types: [ContentItem.Kind],
                          before: Int64?, limit: Int) async throws -> [ContentRow] {
        try await pool.read { db in
            var arguments: [String: (any DatabaseValueConvertible)?] = ["viewer": accountId, "limit": limit, "before": before ?? Int64.max]
            let followedUsernames = followedActorIds.compactMap { id -> String? in
                guard id.hasPrefix(actorIdPrefix) else { return nil }
                return String(id.dropFirst(actorIdPrefix.count))
            }
            // The followed usernames go in as one JSON list, so that the
            // statement is the same text each time and compiled once per connection.
            var followed = "0"
            if !followedUsernames.isEmpty {
                arguments["followed"] = String(decoding: try JSONEncoder().encode(followedUsernames), as: UTF8.self)
                followed = "c.authorId IN (SELECT id FROM account WHERE username IN (SELECT value FROM json_each(:followed)))"
            }
            let sql = """
                \(Self.rowSelect)
                WHERE c.parentId IS NULL AND c.id < :before AND c.type IN (\(types.map { "'\($0.rawValue)'" }.joined(separator: ", "))) AND \(Self.visibility)
                  AND (c.authorId = :viewer OR \(followed)
                       OR c.groupId IN (SELECT groupId FROM membership WHERE accountId = :viewer AND state = 'member'))
                ORDER BY c.id DESC LIMIT :limit
                """
            return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(arguments)).map(Self.row)
        }
    }

    /// The comments of a thread, oldest first (the caller checked the top item is visible).
    public func comments(rootId: Int64, viewerId: Int64?) async throws -> [ContentRow] {
        try await pool.read { db in
            let sql = "\(Self.rowSelect) WHERE c.rootId = :root ORDER BY c.id"
            return try Row.fetchAll(db, sql: sql, arguments: ["root": rootId, "viewer": viewerId ?? -1]).map(Self.row)
        }
    }

    /// Changes an item; a top item's new access and group carry over to its comments.
    public func updateContent(_ item: ContentItem, deliveries: [Delivery] = []) async throws {
        try await pool.write { db in
            guard try ContentItem.exists(db, key: item.id) else { throw StorageError.notFound("content") }
            try item.update(db)
            if item.parentId == nil {
                try db.execute(sql: "UPDATE contentItem SET access = ? WHERE rootId = ?", arguments: [item.access, item.id])
            }
            try Self.insert(deliveries, db)
        }
    }

    /// Deletes an item with its comments and likes (a folder with everything
    /// in it). Returns the digests of the file versions that went with it, for
    /// ``removeUnusedBlobs(_:from:)``.
    @discardableResult
    public func deleteContent(id: Int64) async throws -> [String] {
        try await pool.write { db in
            let digests = try Self.fileDigests(db, under: id)
            guard try ContentItem.deleteOne(db, key: id) else { throw StorageError.notFound("content") }
            return digests
        }
    }

    public func setLike(itemId: Int64, accountId: Int64, _ liked: Bool) async throws {
        try await pool.write { db in
            if liked {
                try ContentLike(itemId: itemId, accountId: accountId).insert(db, onConflict: .ignore)
            } else {
                _ = try ContentLike.deleteOne(db, key: ["itemId": itemId, "accountId": accountId])
            }
        }
    }
}
