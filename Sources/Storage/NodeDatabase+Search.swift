import Foundation
import GRDB

extension NodeDatabase {
    /// Turns what a person typed into an FTS5 query: each word quoted (so no
    /// FTS5 syntax can be injected); all words must match. Words are matched
    /// whole, except the last one, which also matches as the start of a
    /// longer word when it has two letters or more (search as you type:
    /// `dijk ver` finds "dijk versterken"). Only the last word is a prefix
    /// because a prefix costs FTS5 a merge of the lists of every word it
    /// starts (the prefix index makes that one list for two and three
    /// letters); a single letter matches only itself.
    static func ftsQuery(_ text: String) -> String? {
        let words = searchWords(text)
        guard let last = words.indices.last else { return nil }
        return words.indices.map { index in
            let word = words[index]
            return index == last && word.count > 1 ? quoted(word) + "*" : quoted(word)
        }.joined(separator: " ")
    }

    /// The words of what a person typed, at most ten.
    private static func searchWords(_ text: String) -> [Substring] {
        Array(text.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).prefix(10))
    }

    /// A word as an FTS5 string: quoted, any quote doubled.
    private static func quoted(_ word: some StringProtocol) -> String {
        "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The FTS5 query for a content search: ``ftsQuery(_:)``, except that a
    /// last word of four letters or more is spelled out as the indexed words
    /// it starts (`dijk water` → `"dijk" AND ("water" OR "waterschap")`), which
    /// FTS5 reads newest first and can stop at the limit, where a prefix
    /// costs a merge of every such word's whole list (see ``SearchTerms``).
    /// The matches are the same.
    static func contentQuery(_ text: String, in db: Database) throws -> String? {
        let words = searchWords(text)
        guard let last = words.last else { return nil }
        guard last.count > 1, let terms = try SearchTerms.expansion(of: String(last), in: db) else { return ftsQuery(text) }
        let alternatives = "(" + terms.map(quoted).joined(separator: " OR ") + ")"
        return (words.dropLast().map(quoted) + [alternatives]).joined(separator: " AND ")
    }

    /// How many matches a content search ranks by relevance. A query that
    /// matches more items than this lists the newest matches first instead.
    public static let contentSearchRankLimit = 2_000

    /// Content matching `text` that `viewerId` may read: the best matches
    /// first (FTS5's bm25 rank) when the query matches at most `rankLimit`
    /// items, the newest first when it matches more.
    ///
    /// The plan matters on a large node, where a common word matches hundreds
    /// of thousands of items. Ranking costs a bm25 score for every match (about
    /// a second for 350,000 matches), while the full-text index reads its
    /// matches newest first at almost no cost and can stop at any point. So
    /// the index alone finds the candidates (no join, no per-row visibility,
    /// no counts): the newest `rankLimit + 1` matches tell whether the query is
    /// narrow enough to rank. The rule of who may read an item is then applied
    /// to the candidates a slice at a time, in result order, until `limit`
    /// readable items are found, and only those are read in full with their
    /// counts. Applying the rule before the limit, as this does, keeps the
    /// results exactly those of filtering every match.
    public func searchContent(_ text: String, viewerId: Int64?, limit: Int,
                              rankLimit: Int = NodeDatabase.contentSearchRankLimit) async throws -> [ContentRow] {
        guard limit > 0 else { return [] }
        let viewer = viewerId ?? -1
        return try await pool.read { db in
            guard let query = try Self.contentQuery(text, in: db) else { return [] }
            var found: [Int64] = []
            var slice: [Int64] = []
            let sliceSize = max(limit * 4, 64)
            func keepReadable() throws {
                guard !slice.isEmpty, found.count < limit else { return slice.removeAll(keepingCapacity: true) }
                let readable = try Set(Int64.fetchAll(db.cachedStatement(sql: """
                    SELECT c.id FROM contentItem c LEFT JOIN groups g ON g.id = c.groupId
                    WHERE c.id IN (SELECT value FROM json_each(:ids)) AND \(Self.visibility)
                    """), arguments: ["ids": Self.jsonList(slice), "viewer": viewer]))
                found += slice.lazy.filter(readable.contains).prefix(limit - found.count)
                slice.removeAll(keepingCapacity: true)
            }
            /// Candidates in result order, checked a slice at a time; false once enough were found.
            func consider(_ id: Int64) throws -> Bool {
                slice.append(id)
                if slice.count == sliceSize { try keepReadable() }
                return found.count < limit
            }
            let newest = try Int64.fetchCursor(db.cachedStatement(sql: """
                SELECT rowid FROM contentSearch WHERE contentSearch MATCH ? ORDER BY rowid DESC
                """), arguments: [query])
            var head: [Int64] = []
            while head.count <= rankLimit, let id = try newest.next() { head.append(id) }
            if head.count <= rankLimit {
                // Few enough matches to rank them all.
                let ranked = try Int64.fetchCursor(db.cachedStatement(sql: """
                    SELECT rowid FROM contentSearch WHERE contentSearch MATCH ? ORDER BY rank
                    """), arguments: [query])
                while let id = try ranked.next(), try consider(id) {}
            } else {
                // Newest first: what was read already, then further down the index.
                var more = true
                for id in head where more { more = try consider(id) }
                while more, let id = try newest.next() { more = try consider(id) }
            }
            try keepReadable()
            guard !found.isEmpty else { return [] }
            let rows = try Row.fetchAll(db.cachedStatement(sql: "\(Self.rowSelect) WHERE c.id IN (SELECT value FROM json_each(:ids))"),
                                        arguments: ["ids": Self.jsonList(found), "viewer": viewer]).map(Self.row)
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
            return try Group.fetchAll(db.cachedStatement(sql: sql), arguments: ["query": query, "viewer": viewerId ?? -1, "everything": everything, "limit": limit])
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
            return try Account.fetchAll(db.cachedStatement(sql: sql), arguments: ["query": query, "prefix": escaped + "%", "limit": limit])
        }
    }
}
