import Foundation
import GRDB
@testable import Storage
import Testing

/// The list of indexed words that spells out the last word of a content
/// search (`SearchTerms`): it must follow every write and never change what
/// a search finds.
@Suite("Search words")
struct SearchTermsTests {
    static func listedWords(_ database: NodeDatabase) async throws -> Set<String> {
        Set(try await database.pool.read { db in try String.fetchAll(db, sql: "SELECT term FROM searchTerm") })
    }

    static func status(_ body: String, by authorId: Int64, title: String = "") -> ContentItem {
        ContentItem(type: .status, groupId: nil, authorId: authorId, title: title, body: body, access: .public)
    }

    @Test("new and edited items add their words of four letters or more, folded as the index folds them")
    func wordsFollowWrites() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        let author = try await database.createAccount(StorageTests.newAccount("schrijver"))
        var item = try await database.createContent(Self.status("Het Wáterschap en de DIJK-versterking, 2026", by: author.id!, title: "Rijnland"))
        #expect(try await Self.listedWords(database) == ["waterschap", "dijk", "versterking", "2026", "rijnland"])
        item.body = "Zandsuppletie"
        try await database.updateContent(item, deliveries: [])
        let afterEdit = try await Self.listedWords(database)
        #expect(afterEdit.contains("zandsuppletie"))
        // Found by the spelled-out word, and no longer by the words it lost.
        #expect(try await database.searchContent("zandsup", viewerId: nil, limit: 5).map(\.item.id) == [item.id])
        #expect(try await database.searchContent("waters", viewerId: nil, limit: 5).isEmpty)
        #expect(try await database.searchContent("rijnl", viewerId: nil, limit: 5).map(\.item.id) == [item.id])
    }

    @Test("the last word is spelled out as the listed words it starts; short, unknown or too common prefixes stay prefixes")
    func contentQueryForms() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        let author = try await database.createAccount(StorageTests.newAccount("schrijver"))
        _ = try await database.createContent(Self.status("water waterschap wateroverlast dijk", by: author.id!))
        let many = (0...SearchTerms.expansionLimit).map { "kust\(String(UnicodeScalar(UInt8(97 + $0 % 26))))\($0)" }
        _ = try await database.createContent(Self.status(many.joined(separator: " "), by: author.id!))
        func query(_ text: String) async throws -> String? {
            try await database.pool.read { db in try NodeDatabase.contentQuery(text, in: db) }
        }
        #expect(try await query("dijk Water") == #""dijk" AND ("water" OR "wateroverlast" OR "waterschap")"#)
        #expect(try await query("WÁTERS") == #"("waterschap")"#, "folded as the index folds it")
        #expect(try await query("dijk wat") == #""dijk" "wat"*"#, "three letters: the prefix index answers")
        #expect(try await query("dijk zand") == #""dijk" "zand"*"#, "a prefix of no listed word")
        #expect(try await query("kust") == #""kust"*"#, "a prefix of more than \(SearchTerms.expansionLimit) words")
        #expect(try await query("\"a\" OR water*") == #""a" AND "OR" AND ("water" OR "wateroverlast" OR "waterschap")"#,
                "FTS5 syntax is only words")
        #expect(try await query(" ,; ") == nil)
    }

    @Test("a spelled-out search finds exactly the items the prefix search finds")
    func spelledOutMatchesPrefix() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        let author = try await database.createAccount(StorageTests.newAccount("schrijver"))
        let vocabulary = ["water", "waterschap", "Wáterbeheer", "wateroverlast", "watt", "dijk", "dijkversterking", "dijken",
                          "gemeente", "gemeenteraad", "gemeenschap", "Gemeentelijke", "zandsuppletie", "zand", "ĳsselmeer",
                          "ijssel", "über", "uberhaupt", "çava", "cava", "straße", "strasse", "2026", "20261", "rijnland", "rijn"]
        var generator = SystemRandomNumberGenerator()
        var written: [Int64] = []
        for _ in 0..<120 {
            let words = (0..<Int.random(in: 1...8, using: &generator)).map { _ in vocabulary.randomElement(using: &generator)! }
            let item = try await database.createContent(Self.status(words.joined(separator: " "), by: author.id!,
                                                                    title: vocabulary.randomElement(using: &generator)!))
            written.append(item.id!)
            if Bool.random(using: &generator) {
                var edited = item
                edited.body = (0..<3).map { _ in vocabulary.randomElement(using: &generator)! }.joined(separator: ", ")
                try await database.updateContent(edited, deliveries: [])
            }
        }
        _ = try await database.deleteContent(id: written[0])
        var prefixes = Set<String>()
        for word in vocabulary {
            for length in 2...word.count { prefixes.insert(String(word.prefix(length))) }
        }
        var spelledOut = 0
        for prefix in prefixes.sorted() {
            for text in [prefix, "dijk \(prefix)"] {
                let (plain, expanded, matchesPlain, matchesExpanded) = try await database.pool.read { db in
                    let plain = try #require(NodeDatabase.ftsQuery(text))
                    let expanded = try #require(try NodeDatabase.contentQuery(text, in: db))
                    let sql = "SELECT rowid FROM contentSearch WHERE contentSearch MATCH ? ORDER BY rowid"
                    return (plain, expanded, try Int64.fetchAll(db, sql: sql, arguments: [plain]), try Int64.fetchAll(db, sql: sql, arguments: [expanded]))
                }
                #expect(matchesExpanded == matchesPlain, "\(plain) against \(expanded)")
                if expanded != plain { spelledOut += 1 }
            }
        }
        #expect(spelledOut > prefixes.count / 2, "most of these searches are spelled out")
    }

    @Test("the migration lists the words of the items written before it")
    func migrationListsExistingWords() async throws {
        let path = try makeDatabasePath()
        let kept: Int64
        do {
            let old = try NodeDatabase(path: path, migrate: false)
            try old.migrate(upTo: "2026-11-27-membership-group-state")
            let author = try await old.createAccount(StorageTests.newAccount("schrijver"))
            kept = try await old.createContent(Self.status("Wáterschap Rijnland", by: author.id!)).id!
            #expect(try await old.pool.read { db in try db.tableExists("searchTerm") } == false)
        }
        let upgraded = try NodeDatabase(path: path)
        #expect(try await Self.listedWords(upgraded) == ["waterschap", "rijnland"])
        #expect(try await upgraded.searchContent("waters", viewerId: nil, limit: 5).map(\.item.id) == [kept])
        let author = try #require(try await upgraded.account(username: "schrijver"))
        let next = try await upgraded.createContent(Self.status("Waterschapsverkiezing", by: author.id!))
        #expect(Set(try await upgraded.searchContent("waters", viewerId: nil, limit: 5).map(\.item.id)) == [next.id!, kept])
    }
}
