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

    /// Content matching `text` that `viewerId` may read, best matches first.
    public func searchContent(_ text: String, viewerId: Int64?, limit: Int) async throws -> [ContentRow] {
        guard let query = Self.ftsQuery(text) else { return [] }
        return try await pool.read { db in
            let sql = """
                \(Self.rowSelect) JOIN contentSearch s ON s.rowid = c.id
                WHERE contentSearch MATCH :query AND \(Self.visibility)
                ORDER BY s.rank LIMIT :limit
                """
            return try Row.fetchAll(db, sql: sql, arguments: ["query": query, "viewer": viewerId ?? -1, "limit": limit]).map(Self.row)
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
