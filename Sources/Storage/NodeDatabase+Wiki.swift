import Foundation
import GRDB

extension NodeDatabase {
    /// The visibility rule for pages (aliased `c`): a private page is its author's.
    static let pageVisibility = visibility(privateOwner: "c.authorId")

    /// Creates a page with its first revision, in one transaction.
    public func createWikiPage(_ page: WikiPage, title: String, body: String,
                               deliveries: @Sendable (WikiPage, WikiRevision) throws -> [Delivery] = { _, _ in [] }) async throws -> WikiPage {
        try await pool.write { db in
            var page = page
            try page.insert(db)
            let revision = WikiRevision(pageId: page.id!, number: 1, title: title, body: body, authorId: page.authorId, createdAt: page.createdAt)
            try revision.insert(db)
            try Self.insert(try deliveries(page, revision), db)
            return page
        }
    }

    /// A mirrored page by the id it has on its group's home node.
    public func wikiPage(apId: String) async throws -> WikiPage? {
        try await pool.read { db in try WikiPage.filter(Column("apId") == apId).fetchOne(db) }
    }

    /// The page and its current revision, if `viewerId` may read it (the same
    /// rule as for content items).
    public func wikiPage(id: Int64, viewerId: Int64?) async throws -> (WikiPage, WikiRevision)? {
        try await pool.read { db in
            let sql = "SELECT c.* FROM wikiPage c LEFT JOIN groups g ON g.id = c.groupId WHERE c.id = :id AND \(Self.pageVisibility)"
            guard let page = try WikiPage.fetchOne(db, sql: sql, arguments: ["id": id, "viewer": viewerId ?? -1]),
                  let revision = try WikiRevision.fetchOne(db, key: ["pageId": id, "number": page.currentRevision]) else { return nil }
            return (page, revision)
        }
    }

    /// The pages of a group `viewerId` may read, with their current titles.
    public func wikiPages(groupId: Int64, viewerId: Int64?) async throws -> [(WikiPage, String)] {
        try await pool.read { db in
            let sql = """
                SELECT c.*, r.title AS currentTitle FROM wikiPage c LEFT JOIN groups g ON g.id = c.groupId
                JOIN wikiRevision r ON r.pageId = c.id AND r.number = c.currentRevision
                WHERE c.groupId = :group AND \(Self.pageVisibility) ORDER BY r.title
                """
            return try Row.fetchAll(db, sql: sql, arguments: ["group": groupId, "viewer": viewerId ?? -1]).map { (try WikiPage(row: $0), $0["currentTitle"]) }
        }
    }

    public func wikiRevisions(pageId: Int64) async throws -> [WikiRevision] {
        try await pool.read { db in try WikiRevision.filter(Column("pageId") == pageId).order(Column("number")).fetchAll(db) }
    }

    public func wikiRevision(pageId: Int64, number: Int) async throws -> WikiRevision? {
        try await pool.read { db in try WikiRevision.fetchOne(db, key: ["pageId": pageId, "number": number]) }
    }

    /// Appends a revision if the page's current revision is still
    /// `expectedCurrent`; returns false, writing nothing, when another edit
    /// was accepted in between.
    public func appendWikiRevision(_ revision: WikiRevision, expectedCurrent: Int, deliveries: [Delivery] = []) async throws -> Bool {
        try await pool.write { db in
            guard var page = try WikiPage.fetchOne(db, key: revision.pageId) else { throw StorageError.notFound("wiki page") }
            guard page.currentRevision == expectedCurrent, revision.number == expectedCurrent + 1 else { return false }
            try revision.insert(db)
            try Self.insert(deliveries, db)
            page.currentRevision = revision.number
            page.updatedAt = revision.createdAt
            try page.update(db)
            return true
        }
    }

    public func saveWikiConflict(_ conflict: WikiConflict) async throws -> WikiConflict {
        try await pool.write { db in
            var conflict = conflict
            try conflict.insert(db)
            return conflict
        }
    }

    public func wikiConflicts(pageId: Int64) async throws -> [WikiConflict] {
        try await pool.read { db in try WikiConflict.filter(Column("pageId") == pageId).order(Column("id")).fetchAll(db) }
    }
}

extension NodeDatabase {
    /// Wiki pages matching `text` that `viewerId` may read, best matches
    /// first, with their group's slug and current title.
    public func searchWiki(_ text: String, viewerId: Int64?, limit: Int) async throws -> [(page: WikiPage, groupSlug: String, title: String)] {
        guard let query = Self.ftsQuery(text) else { return [] }
        return try await pool.read { db in
            let sql = """
                SELECT c.*, g.slug AS groupSlug, s.title AS currentTitle FROM wikiSearch s
                JOIN wikiPage c ON c.id = s.rowid LEFT JOIN groups g ON g.id = c.groupId
                WHERE wikiSearch MATCH :query AND \(Self.pageVisibility)
                ORDER BY s.rank LIMIT :limit
                """
            return try Row.fetchAll(db, sql: sql, arguments: ["query": query, "viewer": viewerId ?? -1, "limit": limit])
                .map { (try WikiPage(row: $0), $0["groupSlug"], $0["currentTitle"]) }
        }
    }
}
