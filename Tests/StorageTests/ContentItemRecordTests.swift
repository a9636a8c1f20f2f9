import Foundation
import GRDB
@testable import Storage
import Testing

/// `ContentItem` writes its columns by hand: every field must read back as
/// written, dates in the text GRDB itself stores, and an update must clear
/// what became nil.
@Suite struct ContentItemRecordTests {
    @Test("every column of an item reads back as written, dates as GRDB's own text, and an update clears a field set to nil")
    func columnsRoundTrip() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        let author = try await database.createAccount(StorageTests.newAccount("schrijver")).id!
        let created = Date(timeIntervalSince1970: 1_795_000_000.1235)
        let updated = Date(timeIntervalSince1970: 1_795_000_321.9995)
        let folder = try await database.createContent(ContentItem(type: .folder, groupId: nil, authorId: author, title: "Stukken",
                                                                  body: "", access: .private, createdAt: created, updatedAt: created))
        let top = try await database.createContent(ContentItem(type: .discussion, groupId: nil, authorId: author, title: "Dijk",
                                                               body: "Wie komt?", access: .users))
        let written = [
            ContentItem(type: .file, groupId: nil, authorId: author, folderId: folder.id, title: "plan.pdf", body: "Het \"plan\" ✓",
                        access: .private, createdAt: created, updatedAt: updated, apId: "https://water.example/files/plan"),
            ContentItem(type: .comment, groupId: nil, authorId: author, parentId: top.id, rootId: top.id, title: "", body: "Ik",
                        access: .users, createdAt: updated, updatedAt: updated),
        ]
        for item in written {
            let stored = try await database.createContent(item)
            var expected = item
            expected.id = stored.id
            let read = try #require(try await database.contentItem(id: stored.id!))
            #expect(DatabaseDate.text(read.createdAt) == DatabaseDate.text(item.createdAt))
            #expect(DatabaseDate.text(read.updatedAt) == DatabaseDate.text(item.updatedAt))
            expected.createdAt = read.createdAt
            expected.updatedAt = read.updatedAt
            #expect(read == expected)
            let texts = try await database.pool.read { db in
                try Row.fetchOne(db, sql: "SELECT createdAt, updatedAt FROM contentItem WHERE id = ?", arguments: [stored.id])
            }
            #expect(texts?["createdAt"] == item.createdAt.databaseValue.storage.value as? String)
            #expect(texts?["updatedAt"] == item.updatedAt.databaseValue.storage.value as? String)
        }

        var file = try #require(try await database.contentItem(apId: "https://water.example/files/plan"))
        file.apId = nil
        file.folderId = nil
        try await database.updateContent(file, deliveries: [])
        let cleared = try #require(try await database.contentItem(id: file.id!))
        #expect(cleared.apId == nil)
        #expect(cleared.folderId == nil)
    }
}
