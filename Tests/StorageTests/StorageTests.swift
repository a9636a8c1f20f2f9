import Foundation
import GRDB
@testable import Storage
import Testing

/// A database file in a fresh temporary directory.
func makeDatabasePath() throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("meent-storage-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent("meent.sqlite").path
}

@Suite("Storage")
struct StorageTests {
    static func newAccount(_ username: String, email: String? = nil) -> NewAccount {
        NewAccount(username: username, email: email, passwordHash: "$2b$04$hash", displayName: username.capitalized)
    }

    @Test("migrations upgrade an existing database and keep its data")
    func migrationOnExistingDatabase() async throws {
        let path = try makeDatabasePath()
        let first = try #require(NodeDatabase.knownMigrations.first)
        do {
            let old = try NodeDatabase(path: path, migrate: false)
            try old.migrate(upTo: first)
            // Written as the code of that time wrote it: today's record types know later columns.
            try await old.pool.write { db in
                try db.execute(sql: """
                    INSERT INTO account (username, email, passwordHash, role, isDisabled, createdAt, updatedAt)
                    VALUES ('oldtimer', 'old@example.nl', '$2b$04$hash', 'user', 0, '2026-11-01 10:00:00.000', '2026-11-01 10:00:00.000');
                    INSERT INTO profile (accountId, displayName, updatedAt) VALUES (last_insert_rowid(), 'Oldtimer', '2026-11-01 10:00:00.000');
                    """)
            }
            let state = try old.migrationState()
            #expect(state.applied == [first])
        }
        let upgraded = try NodeDatabase(path: path)
        #expect(try upgraded.migrationState().applied == NodeDatabase.knownMigrations)
        let account = try #require(try await upgraded.account(username: "oldtimer"))
        #expect(account.email == "old@example.nl")
        #expect(try await upgraded.profile(accountId: account.id!)?.displayName == "Oldtimer")
        // Tables of later migrations work on the upgraded file.
        let field = try await upgraded.createProfileField(ProfileField(key: "team", label: "Team", kind: .text))
        try await upgraded.updateProfile(accountId: account.id!, ProfileChange(),
                                         fieldValues: [ProfileFieldValue(accountId: account.id!, fieldId: field.id!, value: "Data", visibility: .public)])
        #expect(try await upgraded.profileFieldValues(accountId: account.id!)[field.id!]?.value == "Data")
        #expect(try upgraded.integrityProblems().isEmpty)
    }

    @Test("the files migration rebuilds the content table keeping every item, like, comment, search entry and the id sequence")
    func filesMigrationKeepsContent() async throws {
        let path = try makeDatabasePath()
        let kept: Int64
        let deleted: Int64
        do {
            let old = try NodeDatabase(path: path, migrate: false)
            try old.migrate(upTo: "2026-11-27-wiki")
            // The old schema has no folderId (nor actorId): written as the old code wrote it.
            let now = Date()
            let authorId = try await old.pool.write { db in
                try db.execute(sql: "INSERT INTO account (username, passwordHash, role, isDisabled, createdAt, updatedAt) VALUES ('schrijver', '$2b$04$hash', 'user', 0, ?, ?)",
                               arguments: [now, now])
                let id = db.lastInsertedRowID
                try db.execute(sql: "INSERT INTO profile (accountId, displayName, updatedAt) VALUES (?, 'Schrijver', ?)", arguments: [id, now])
                return id
            }
            (kept, deleted) = try await old.pool.write { db in
                let insert = "INSERT INTO contentItem (type, authorId, parentId, rootId, title, body, access, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, 'public', ?, ?)"
                try db.execute(sql: insert, arguments: ["blog", authorId, nil, nil, "Dijkversterking", "Plan voor de dijk", now, now])
                let blog = db.lastInsertedRowID
                try db.execute(sql: insert, arguments: ["comment", authorId, blog, blog, "", "Goed plan", now, now])
                try db.execute(sql: insert, arguments: ["status", authorId, nil, nil, "", "Weg", now, now])
                let gone = db.lastInsertedRowID
                try db.execute(sql: "DELETE FROM contentItem WHERE id = ?", arguments: [gone])
                return (blog, gone)
            }
            try await old.pool.write { db in
                try db.execute(sql: "INSERT INTO contentLike (itemId, accountId, createdAt) VALUES (?, ?, ?)", arguments: [kept, authorId, now])
            }
        }
        let upgraded = try NodeDatabase(path: path)
        let row = try #require(try await upgraded.content(id: kept, viewerId: nil))
        #expect(row.item.title == "Dijkversterking")
        #expect(row.likeCount == 1)
        #expect(row.commentCount == 1)
        #expect(try await upgraded.searchContent("dijkversterking", viewerId: nil, limit: 5).map(\.item.id) == [kept])
        let author = try #require(try await upgraded.account(username: "schrijver"))
        let next = try await upgraded.createContent(ContentItem(type: .status, groupId: nil, authorId: author.id!, title: "", body: "Nieuw", access: .public))
        #expect(next.id! > deleted, "an id once handed out is never handed out again")
        #expect(try await upgraded.searchContent("nieuw", viewerId: nil, limit: 5).map(\.item.id) == [next.id])
        #expect(try upgraded.integrityProblems().isEmpty)
    }

    @Test("search words are quoted, matched whole, and only the last one of two letters or more as a prefix")
    func ftsQuery() {
        #expect(NodeDatabase.ftsQuery("dijk") == #""dijk"*"#)
        #expect(NodeDatabase.ftsQuery("Dijk versterking, wa") == #""Dijk" "versterking" "wa"*"#)
        #expect(NodeDatabase.ftsQuery("rivier d") == #""rivier" "d""#)
        #expect(NodeDatabase.ftsQuery("\"a\" OR b*") == #""a" "OR" "b""#, "FTS5 syntax is only words")
        #expect(NodeDatabase.ftsQuery(" ,; ") == nil)
    }

    @Test("the prefix-index migration rebuilds the content search index: old items are found, new and edited ones follow")
    func searchPrefixIndexMigration() async throws {
        let path = try makeDatabasePath()
        let kept: Int64
        do {
            let old = try NodeDatabase(path: path, migrate: false)
            try old.migrate(upTo: "2026-11-27-node-settings")
            let author = try await old.createAccount(Self.newAccount("schrijver"))
            kept = try await old.createContent(ContentItem(type: .status, groupId: nil, authorId: author.id!, title: "", body: "Dijkversterking bij Lobith", access: .public)).id!
        }
        let upgraded = try NodeDatabase(path: path)
        let schema = try await upgraded.pool.read { db in try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'contentSearch'") }
        #expect(schema?.contains("prefix='2 3'") == true)
        for query in ["dijkversterking", "di", "dij", "dijkv", "lobith dijk"] {
            #expect(try await upgraded.searchContent(query, viewerId: nil, limit: 5).map(\.item.id) == [kept], "\(query)")
        }
        let author = try #require(try await upgraded.account(username: "schrijver"))
        var next = try await upgraded.createContent(ContentItem(type: .status, groupId: nil, authorId: author.id!, title: "", body: "Zandsuppletie", access: .public))
        #expect(try await upgraded.searchContent("zan", viewerId: nil, limit: 5).map(\.item.id) == [next.id])
        next.body = "Kustlijn"
        try await upgraded.updateContent(next, deliveries: [])
        #expect(try await upgraded.searchContent("zan", viewerId: nil, limit: 5).isEmpty)
        #expect(try await upgraded.searchContent("ku", viewerId: nil, limit: 5).map(\.item.id) == [next.id])
        #expect(try upgraded.integrityProblems().isEmpty)
        // FTS5's own check: the index holds exactly what the items say.
        try await upgraded.pool.write { db in
            try db.execute(sql: "INSERT INTO contentSearch(contentSearch, rank) VALUES ('integrity-check', 1)")
        }
    }

    @Test("groups, memberships and items read back exactly as saved, every field (they are read column by column)")
    func recordsReadBackWhole() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        let owner = try await database.createAccount(Self.newAccount("eigenaar"))
        let inviter = try await database.createAccount(Self.newAccount("uitnodiger"))
        let when = Date(timeIntervalSince1970: 1_795_000_000.125)  // dates keep milliseconds
        let group = try await database.createGroup(Group(
            slug: "dijken", name: "Dijken \"en\" duinen", description: "Over *dijken*", tags: ["water", "kust, zee", "\"aanhalingstekens\"", "ĳs"],
            membershipMode: .request, isHidden: true, welcomeMessage: "Welkom", iconDigest: "abc", iconContentType: "image/png",
            createdAt: when, updatedAt: when.addingTimeInterval(1), actorId: "https://elders.example/groups/dijken"), ownerId: owner.id!)
        #expect(try await database.group(id: group.id!) == group)
        _ = try await database.createGroup(Group(slug: "leeg", name: "Leeg", createdAt: when, updatedAt: when), ownerId: owner.id!)
        #expect(try await database.group(slug: "leeg") == Group(id: group.id! + 1, slug: "leeg", name: "Leeg", createdAt: when, updatedAt: when))

        let membership = Membership(groupId: group.id!, accountId: inviter.id!, role: .admin, state: .invited, invitedBy: owner.id!,
                                    createdAt: when, updatedAt: when.addingTimeInterval(2))
        try await database.saveMembership(membership)
        #expect(try await database.membership(groupId: group.id!, accountId: inviter.id!) == membership)
        let mine = try await database.groups(ofAccount: inviter.id!, states: [.invited])
        #expect(mine.map(\.0) == [group] && mine.map(\.1) == [membership])
        #expect(try await database.groups(ofAccount: inviter.id!).isEmpty, "members only by default")

        let top = try await database.createContent(ContentItem(type: .discussion, groupId: group.id!, authorId: owner.id!, title: "Plan", body: "Tekst",
                                                                access: .members, createdAt: when, updatedAt: when, apId: "https://elders.example/notes/1"))
        let comment = try await database.createContent(ContentItem(type: .comment, groupId: group.id!, authorId: inviter.id!, parentId: top.id!, rootId: top.id!,
                                                                    title: "", body: "Eens", access: .members, createdAt: when, updatedAt: when.addingTimeInterval(3)))
        #expect(try await database.contentItem(id: top.id!) == top)
        #expect(try await database.contentItem(id: comment.id!) == comment)
        #expect(try await database.content(id: top.id!, viewerId: owner.id!)?.item == top)
        #expect(try await database.comments(rootId: top.id!, viewerId: owner.id!).map(\.item) == [comment])
        // Listings read items by position: their SELECT names every column of the table, in its order.
        try await database.pool.read { db in
            let columns = try db.columns(in: "contentItem").map(\.name)
            let row = try #require(try Row.fetchOne(db, sql: "\(NodeDatabase.rowSelect) WHERE c.id = :id", arguments: ["id": top.id!, "viewer": owner.id!]))
            #expect(Array(row.columnNames.prefix(columns.count)) == columns)
            #expect(Array(row.columnNames.dropFirst(columns.count)) == ["likeCount", "commentCount", "likedByViewer"])
        }
    }

    @Test("the database is in WAL mode with foreign keys on")
    func pragmas() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        let (mode, foreignKeys) = try await database.pool.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(mode == "wal")
        #expect(foreignKeys == 1)
    }

    @Test("a node has accounts of its own only once a local account exists; mirrored people of other nodes do not count")
    func localAccountsExist() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        #expect(try await database.hasLocalAccounts() == false)
        _ = try await database.pool.write { db in
            try NodeDatabase.remoteAccount(actorId: "https://elders.example/users/wim", username: "wim@elders.example", displayName: "Wim", db)
        }
        #expect(try await database.hasLocalAccounts() == false, "a mirrored remote person is not an account of this node")
        _ = try await database.createAccount(Self.newAccount("vera"))
        #expect(try await database.hasLocalAccounts())
        #expect(try await database.accountCount() == 1)
    }

    @Test("usernames and e-mail addresses are unique regardless of case")
    func uniqueness() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        _ = try await database.createAccount(Self.newAccount("vera", email: "vera@example.nl"))
        await #expect(throws: StorageError.duplicate("username")) {
            try await database.createAccount(Self.newAccount("VERA"))
        }
        await #expect(throws: StorageError.duplicate("email")) {
            try await database.createAccount(Self.newAccount("vera2", email: "Vera@Example.nl"))
        }
        #expect(try await database.accountCount() == 1)
        let profiles = try await database.pool.read { db in try Profile.fetchCount(db) }
        #expect(profiles == 1, "a refused account leaves no profile behind")
    }

    @Test("an invitation is consumed in the same transaction as the account it creates")
    func inviteConsumption() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        _ = try await database.createInvite(codeHash: "h1", email: nil, createdBy: nil, expiresAt: Date().addingTimeInterval(3600))
        _ = try await database.createAccount(Self.newAccount("wim"), inviteCodeHash: "h1")
        await #expect(throws: StorageError.inviteUnusable) {
            try await database.createAccount(Self.newAccount("xander"), inviteCodeHash: "h1")
        }
        #expect(try await database.account(username: "xander") == nil)
        let invite = try #require(try await database.invites().first)
        #expect(invite.usedBy == (try await database.account(username: "wim"))?.id)
    }

    @Test("deleting an account removes its profile, sessions, tokens and field values")
    func cascadingDelete() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        let account = try await database.createAccount(Self.newAccount("yara"))
        let id = try #require(account.id)
        try await database.createSession(Session(tokenHash: "s", accountId: id, csrfToken: "c", createdAt: Date(), expiresAt: Date().addingTimeInterval(60)))
        _ = try await database.createAPIToken(accountId: id, name: "t", tokenHash: "t")
        let field = try await database.createProfileField(ProfileField(key: "room", label: "Room", kind: .text))
        try await database.updateProfile(accountId: id, ProfileChange(), fieldValues: [.init(accountId: id, fieldId: field.id!, value: "2.14", visibility: .users)])
        try await database.deleteAccount(id: id)
        let leftovers = try await database.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM profile) + (SELECT COUNT(*) FROM session) + (SELECT COUNT(*) FROM apiToken) + (SELECT COUNT(*) FROM profileFieldValue)")
        }
        #expect(leftovers == 0)
    }

    @Test("disabling an account ends its sessions")
    func disableEndsSessions() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        let account = try await database.createAccount(Self.newAccount("zeger"))
        try await database.createSession(Session(tokenHash: "s", accountId: account.id!, csrfToken: "c", createdAt: Date(), expiresAt: Date().addingTimeInterval(60)))
        try await database.setDisabled(accountId: account.id!, true)
        #expect(try await database.session(tokenHash: "s") == nil)
    }

    @Test("expired sessions are not returned")
    func expiredSession() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        let account = try await database.createAccount(Self.newAccount("anouk"))
        try await database.createSession(Session(tokenHash: "old", accountId: account.id!, csrfToken: "c", createdAt: Date(), expiresAt: Date().addingTimeInterval(-1)))
        #expect(try await database.session(tokenHash: "old") == nil)
        #expect(try await database.deleteExpiredSessions() == 1)
    }

    @Test("signing keys are stored once per owner and algorithm")
    func signingKeys() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        let first = SigningKey(owner: "node", algorithm: .ed25519, publicKeyPEM: "pub1", privateKeyPEM: "priv1")
        let second = SigningKey(owner: "node", algorithm: .ed25519, publicKeyPEM: "pub2", privateKeyPEM: "priv2")
        try await database.insertSigningKeysIfMissing([first])
        try await database.insertSigningKeysIfMissing([second])
        #expect(try await database.signingKeys(owner: "node")[.ed25519]?.publicKeyPEM == "pub1")
    }

    @Test("content search ranks a narrow query by relevance and lists a broad one newest first, readable items only")
    func searchOrder() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        let author = try await database.createAccount(Self.newAccount("schrijver"))
        func post(_ body: String, _ access: ContentItem.Access = .public) async throws -> Int64 {
            try await database.createContent(ContentItem(type: .status, groupId: nil, authorId: author.id!, title: "", body: body, access: access)).id!
        }
        let filler = Array(repeating: "over de planning van het overleg", count: 5).joined(separator: " ")
        let strong = try await post("Polder, polder, polder")
        let weak = try await post("Polder \(filler)")
        _ = try await post("Polder", .private)
        let newest = try await post("Polder en \(filler)")
        // Three readable matches, ranked: the short text with the word thrice first.
        let ranked = try await database.searchContent("polder", viewerId: nil, limit: 10).map(\.item.id!)
        #expect(ranked.first == strong)
        #expect(Set(ranked) == [strong, weak, newest])
        // More matches (four) than it ranks (two): newest first, the private one left out.
        #expect(try await database.searchContent("polder", viewerId: nil, limit: 10, rankLimit: 2).map(\.item.id!) == [newest, weak, strong])
        #expect(try await database.searchContent("polder", viewerId: nil, limit: 2, rankLimit: 2).map(\.item.id!) == [newest, weak])
        #expect(try await database.searchContent("polder", viewerId: author.id, limit: 2, rankLimit: 2).map(\.item.id!) == [newest, newest - 1],
                "the author reads their private item too")
    }
}

@Suite("Blob store")
struct BlobStoreTests {
    static func makeStore() throws -> BlobStore {
        try BlobStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("meent-blobs-\(UUID().uuidString)"))
    }

    @Test("blobs are addressed by their SHA-256 and stored once")
    func contentAddressed() throws {
        let store = try Self.makeStore()
        let digest = try store.put(Data("hello".utf8))
        #expect(digest == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        #expect(try store.put(Data("hello".utf8)) == digest)
        #expect(store.get(digest) == Data("hello".utf8))
        let files = try FileManager.default.subpathsOfDirectory(atPath: store.directory.path).filter { !$0.hasSuffix("2c") }
        #expect(files.count == 1)
    }

    @Test("a malformed digest never reaches the file system")
    func pathTraversal() throws {
        let store = try Self.makeStore()
        #expect(store.get("../../etc/passwd") == nil)
        #expect(store.get(String(repeating: "A", count: 64)) == nil)
        #expect(!store.contains("../meent.sqlite"))
    }
}
