import GRDB

/// Indexes the items a transaction adds in one statement at its end, instead
/// of one trigger run per item.
///
/// The triggers on `contentItem` keep the search index (`contentSearch`)
/// and the word list (`searchTerm`) in step with every write. Each index
/// write by a trigger costs FTS5 a flush of its pending entries at the next
/// statement's savepoint: applying a batch of 100 group activities flushed
/// it a hundred times, a third of the time spent storing the items. Inside
/// ``indexingAtEnd(_:_:)`` the triggers leave alone every item with an id
/// above the largest at its start (new in this transaction, whether later
/// edited or deleted in it); at its end those that remain are indexed and
/// their words listed, with the values they end with.
///
/// The marker is one row of `contentIndexDeferral`, written and deleted
/// inside the caller's transaction, so no other connection ever sees it;
/// when the transaction fails it is rolled back with everything else.
enum ContentIndexDeferral {
    static func indexingAtEnd<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try db.execute(sql: "INSERT INTO contentIndexDeferral(fromId) SELECT coalesce(max(id), 0) FROM contentItem")
        let result: T
        do {
            result = try body()
        } catch {
            // The caller may go on in the same transaction (a savepoint rolled back).
            try? db.execute(sql: "DELETE FROM contentIndexDeferral")
            throw error
        }
        try db.execute(sql: """
            INSERT INTO contentSearch(rowid, title, body)
                SELECT id, title, body FROM contentItem WHERE id > (SELECT fromId FROM contentIndexDeferral);
            INSERT OR IGNORE INTO searchTerm(term)
                SELECT words.value FROM contentItem, json_each(\(SearchTerms.functionName)(contentItem.title, contentItem.body)) AS words
                WHERE contentItem.id > (SELECT fromId FROM contentIndexDeferral);
            DELETE FROM contentIndexDeferral;
            """)
        return result
    }
}
