import Foundation
import GRDB

extension NodeDatabase {
    /// Turns what a person typed into an FTS5 query: each word quoted (so no
    /// FTS5 syntax can be injected) and matched as a prefix; all words must match.
    static func ftsQuery(_ text: String) -> String? {
        let words = text.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).prefix(10)
        guard !words.isEmpty else { return nil }
        return words.map { "\"\($0)\"*" }.joined(separator: " ")
    }

    /// Content matching `text` that `viewerId` may read, best matches first
    /// (FTS5's bm25 rank).
    ///
    /// The plan matters on a large node: a common word matches hundreds of
    /// thousands of items. The full-text index ranks its matches on its own
    /// (no join, no per-row visibility, no counts), and the rule of who may
    /// read an item is applied to those ranked ids a slice at a time until
    /// `limit` readable items are found; only those items are then read in
    /// full with their counts. The result is the same as applying the rule
    /// to every match before ranking, at a fraction of the work.
    public func searchContent(_ text: String, viewerId: Int64?, limit: Int) async throws -> [ContentRow] {
        guard let query = Self.ftsQuery(text), limit > 0 else { return [] }
        let viewer = viewerId ?? -1
        return try await pool.read { db in
            let ranked = try Int64.fetchCursor(db.cachedStatement(sql: """
                SELECT rowid FROM contentSearch WHERE contentSearch MATCH ? ORDER BY rank
                """), arguments: [query])
            var found: [Int64] = []
            var slice: [Int64] = []
            let sliceSize = max(limit * 4, 64)
            func keepReadable() throws {
                guard !slice.isEmpty else { return }
                let readable = try Set(Int64.fetchAll(db, sql: """
                    SELECT c.id FROM contentItem c LEFT JOIN groups g ON g.id = c.groupId
                    WHERE c.id IN (\(slice.map(String.init).joined(separator: ", "))) AND \(Self.visibility)
                    """, arguments: ["viewer": viewer]))
                found += slice.lazy.filter(readable.contains).prefix(limit - found.count)
                slice.removeAll(keepingCapacity: true)
            }
            while found.count < limit, let id = try ranked.next() {
                slice.append(id)
                if slice.count == sliceSize { try keepReadable() }
            }
            if found.count < limit { try keepReadable() }
            guard !found.isEmpty else { return [] }
            let rows = try Row.fetchAll(db, sql: "\(Self.rowSelect) WHERE c.id IN (\(found.map(String.init).joined(separator: ", ")))",
                                        arguments: ["viewer": viewer]).map(Self.row)
            let byId = Dictionary(uniqueKeysWithValues: rows.map { ($0.item.id!, $0) })
            return found.compactMap { byId[$0] }
        }
    }

    /// Groups matching `text` that `viewerId` may see listed.
    public func searchGroups(_ text: String, viewerId: Int64?, everything: Bool, limit: Int) async throws -> [Group] {
        guard let query = Self.ftsQuery(text) else { return [] }
        return try await pool.read { db in
            let sql = """
                SELECT groups.* FROM groupSearch s JOIN groups ON groups.id = s.rowid
                WHERE groupSearch MATCH :query AND (:everything OR groups.isHidden = 0
                  OR EXISTS (SELECT 1 FROM membership m WHERE m.groupId = groups.id AND m.accountId = :viewer AND m.state IN ('member', 'invited')))
                ORDER BY s.rank LIMIT :limit
                """
            return try Group.fetchAll(db, sql: sql, arguments: ["query": query, "viewer": viewerId ?? -1, "everything": everything, "limit": limit])
        }
    }

    /// Enabled accounts whose profile or username matches `text`.
    public func searchPeople(_ text: String, limit: Int) async throws -> [Account] {
        guard let query = Self.ftsQuery(text) else { return [] }
        let usernamePrefix = text.trimmingCharacters(in: .whitespaces).lowercased()
        return try await pool.read { db in
            let sql = """
                SELECT account.* FROM account
                WHERE account.isDisabled = 0 AND (account.id IN (SELECT rowid FROM peopleSearch WHERE peopleSearch MATCH :query)
                  OR account.username LIKE :prefix ESCAPE '\\')
                ORDER BY account.username LIMIT :limit
                """
            let escaped = usernamePrefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            return try Account.fetchAll(db, sql: sql, arguments: ["query": query, "prefix": escaped + "%", "limit": limit])
        }
    }
}
