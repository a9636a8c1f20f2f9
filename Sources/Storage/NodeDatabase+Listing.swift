import Foundation
import GRDB

/// The names a page of content items shows beside the items: each author's
/// username and display name, each group's slug.
public struct ListingNames: Sendable, Equatable {
    public struct Author: Sendable, Equatable {
        public let username: String
        /// The profile's display name, or the username when there is no profile.
        public let displayName: String
    }

    public var authors: [Int64: Author]
    public var groupSlugs: [Int64: String]

    public init(authors: [Int64: Author] = [:], groupSlugs: [Int64: String] = [:]) {
        self.authors = authors
        self.groupSlugs = groupSlugs
    }
}

extension NodeDatabase {
    /// The authors and groups named by a page of items, in one read (one
    /// statement each) rather than one read per author and per group: a
    /// dashboard page names up to 50 authors and 20 groups.
    public func listingNames(authorIds: some Collection<Int64>, groupIds: some Collection<Int64>) async throws -> ListingNames {
        let authorIds = Array(Set(authorIds)), groupIds = Array(Set(groupIds))
        guard !authorIds.isEmpty || !groupIds.isEmpty else { return ListingNames() }
        return try await pool.read { db in
            var names = ListingNames()
            // The ids go in as JSON lists: two statements, compiled once per connection.
            let authors = try Row.fetchCursor(db.cachedStatement(sql: """
                SELECT a.id, a.username, p.displayName FROM account a LEFT JOIN profile p ON p.accountId = a.id
                WHERE a.id IN (SELECT value FROM json_each(?))
                """), arguments: [Self.jsonList(authorIds)])
            while let row = try authors.next() {
                let username: String = row["username"]
                names.authors[row["id"]] = .init(username: username, displayName: row["displayName"] ?? username)
            }
            let groups = try Row.fetchCursor(db.cachedStatement(sql: "SELECT id, slug FROM groups WHERE id IN (SELECT value FROM json_each(?))"),
                                             arguments: [Self.jsonList(groupIds)])
            while let row = try groups.next() { names.groupSlugs[row["id"]] = row["slug"] }
            return names
        }
    }

    /// Ids as a JSON list (`[1,2,3]`), for `IN (SELECT value FROM json_each(?))`:
    /// one statement, compiled once and cached, for any number of ids.
    static func jsonList(_ ids: some Collection<Int64>) -> String {
        "[" + ids.map { String($0) }.joined(separator: ",") + "]"
    }

    /// `?, ?, …` for an `IN` list of `count` values.
    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    /// Ids in slices small enough for SQLite's limit on bound variables.
    static func chunks(_ ids: [Int64], size: Int = 500) -> [ArraySlice<Int64>] {
        stride(from: 0, to: ids.count, by: size).map { ids[$0..<min($0 + size, ids.count)] }
    }
}

/// What a list of groups shows beside each group: its member count and the
/// viewer's own membership.
public struct GroupListingFacts: Sendable, Equatable {
    public var memberCounts: [Int64: Int] = [:]
    public var viewerMemberships: [Int64: Membership] = [:]

    public init(memberCounts: [Int64: Int] = [:], viewerMemberships: [Int64: Membership] = [:]) {
        self.memberCounts = memberCounts
        self.viewerMemberships = viewerMemberships
    }
}

extension NodeDatabase {
    /// Member counts of the given groups and `viewerId`'s memberships in
    /// them, in one read (a list of 20 groups took 40 reads before).
    public func groupListingFacts(groupIds: some Collection<Int64>, viewerId: Int64?) async throws -> GroupListingFacts {
        let groupIds = Array(Set(groupIds))
        guard !groupIds.isEmpty else { return GroupListingFacts() }
        return try await pool.read { db in
            var facts = GroupListingFacts()
            for chunk in Self.chunks(groupIds) {
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT groupId, COUNT(*) AS members FROM membership
                    WHERE groupId IN (\(Self.placeholders(chunk.count))) AND state = 'member' GROUP BY groupId
                    """, arguments: StatementArguments(chunk))
                while let row = try rows.next() { facts.memberCounts[row["groupId"]] = row["members"] }
                if let viewerId {
                    let memberships = try Membership.fetchAll(db, sql: """
                        SELECT * FROM membership WHERE accountId = ? AND groupId IN (\(Self.placeholders(chunk.count)))
                        """, arguments: StatementArguments([viewerId] + Array(chunk)))
                    for membership in memberships { facts.viewerMemberships[membership.groupId] = membership }
                }
            }
            return facts
        }
    }
}
