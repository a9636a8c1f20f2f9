import Foundation
import GRDB
@testable import Storage
import Testing

/// A batch of activities from other nodes indexes its new items in one
/// statement at its end (`ContentIndexDeferral`). Search must find every
/// item by the text it ends with, whatever the batch did to it, and the
/// index must stay consistent with the items.
@Suite("Content index of a batch")
struct ContentIndexDeferralTests {
    static func remoteItem(_ apId: String, _ body: String, by authorId: Int64) -> FederatedChange {
        .saveContent(ContentItem(type: .status, groupId: nil, authorId: authorId, title: "", body: body, access: .public,
                                 apId: "https://water.example/content/\(apId)"),
                     author: .id(authorId), group: nil, parent: nil)
    }

    static func completion(_ id: Int64, _ changes: [FederatedChange]) -> InboxCompletion {
        var effects = InboxEffects()
        effects.changes = changes
        return InboxCompletion(id: id, state: .applied, effects: effects)
    }

    static func found(_ word: String, _ database: NodeDatabase) async throws -> [String] {
        try await database.searchContent(word, viewerId: nil, limit: 10).map(\.item.body).sorted()
    }

    /// FTS5's own check that the index holds exactly what the items hold
    /// (`rank` 1 compares it with the content table too).
    static func indexMatchesItems(_ database: NodeDatabase) async throws {
        try await database.pool.write { db in
            try db.execute(sql: "INSERT INTO contentSearch(contentSearch, rank) VALUES ('integrity-check', 1)")
        }
    }

    static func listedWords(_ database: NodeDatabase) async throws -> Set<String> {
        Set(try await database.pool.read { db in try String.fetchAll(db, sql: "SELECT term FROM searchTerm") })
    }

    @Test("items added, edited and deleted within a batch are found by the text they end with; earlier items change at once")
    func batchIndexesWhatItemsEndWith() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        let author = try await database.createAccount(StorageTests.newAccount("schrijver")).id!
        // Two items of an earlier batch: one is edited in the next batch, one deleted.
        try await database.completeInboxActivities([
            Self.completion(1, [Self.remoteItem("edited", "Springtij verwacht", by: author)]),
            Self.completion(2, [Self.remoteItem("removed", "Kwelwater gemeld", by: author)]),
        ])
        #expect(try await Self.found("springtij", database) == ["Springtij verwacht"])

        try await database.completeInboxActivities([
            Self.completion(3, [Self.remoteItem("new", "Waterschap overleg", by: author)]),
            Self.completion(4, [Self.remoteItem("short-lived", "Zandsuppletie gepland", by: author)]),
            // The same object again: the item added above is edited in the same batch.
            Self.completion(5, [Self.remoteItem("new", "Kustverdediging besproken", by: author)]),
            Self.completion(6, [.deleteContent(.apId("https://water.example/content/short-lived"))]),
            Self.completion(7, [Self.remoteItem("edited", "Hoogwater verwacht", by: author)]),
            Self.completion(8, [.deleteContent(.apId("https://water.example/content/removed"))]),
        ])

        #expect(try await Self.found("kustverdediging", database) == ["Kustverdediging besproken"])
        #expect(try await Self.found("overleg", database).isEmpty, "the text the item had before its edit in the batch")
        #expect(try await Self.found("zandsuppletie", database).isEmpty, "added and deleted in the batch")
        #expect(try await Self.found("hoogwater", database) == ["Hoogwater verwacht"])
        #expect(try await Self.found("springtij", database).isEmpty)
        #expect(try await Self.found("kwelwater", database).isEmpty)
        #expect(try await Self.found("verwacht", database) == ["Hoogwater verwacht"])
        try await Self.indexMatchesItems(database)
        // The word list has the words the batch's items ended with, not those of text they lost in it.
        let words = try await Self.listedWords(database)
        #expect(words.isSuperset(of: ["kustverdediging", "besproken", "hoogwater"]))
        #expect(words.isDisjoint(with: ["zandsuppletie", "overleg"]))
        #expect(try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM contentIndexDeferral") } == 0)
        // Spelled out from the list: the last word as the start of a listed word.
        #expect(try await Self.found("kustverd", database) == ["Kustverdediging besproken"])
    }

    @Test("a batch that fails leaves the index as it was, and an item written after it is found at once")
    func failedBatchLeavesNothing() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        let author = try await database.createAccount(StorageTests.newAccount("schrijver")).id!
        await #expect(throws: DatabaseError.self) {
            try await database.completeInboxActivities([
                Self.completion(1, [Self.remoteItem("first", "Dijkgraaf benoemd", by: author)]),
                // No such account: the notification's foreign key fails the batch.
                Self.completion(2, [.notify(accountId: 999_999, kind: .contentReply, actor: nil, group: nil, item: nil)]),
            ])
        }
        #expect(try await Self.found("dijkgraaf", database).isEmpty)
        #expect(try await database.contentItem(apId: "https://water.example/content/first") == nil)
        #expect(try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM contentIndexDeferral") } == 0)

        let local = try await database.createContent(ContentItem(type: .status, groupId: nil, authorId: author, title: "",
                                                                 body: "Dijkgraaf herkozen", access: .public))
        #expect(try await database.searchContent("dijkgraaf", viewerId: nil, limit: 10).map(\.item.id) == [local.id])
        try await Self.indexMatchesItems(database)
    }
}
