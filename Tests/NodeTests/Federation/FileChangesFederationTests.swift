import Federation
import Foundation
import NIOHTTP1
@testable import Node
import Storage
import Testing

/// Renaming, moving and deleting a group's files from a member's node, and
/// a group's deletion taking the mirrored files' bytes with it (issue #5).
/// Two real nodes: the group's home node A and a member's node B.
@Suite("Changing files from a member's node")
struct FileChangesFederationTests {
    typealias API = GroupFederationTests
    typealias Files = FileFederationTests

    @Test("the author renames and moves, an admin on B deletes: A applies it and B shows it; a plain member who is not the author is refused on B and on A, and nothing changes")
    func changesFromMemberNode() async throws {
        let a = try await LiveNode.start()
        let b = try await LiveNode.start()
        defer { Task { await a.stop(); await b.stop() } }
        let (anna, bob, _, mirrorSlug) = try await Files.closedGroupWithBob(a, b)
        let (beaAccount, bea) = try await b.user("bea")
        let groupActor = "\(a.base)/groups/water"
        let invited = try await API.api(.POST, a, "/groups/water/members", #"{"username":"bea@\#(b.authority)"}"#, token: anna)
        #expect(invited.status == 201 || invited.status == 200)
        try await eventually("B shows Bea the invitation") {
            guard let mirror = try await b.database.group(actorId: groupActor) else { return false }
            return try await b.database.membership(groupId: mirror.id!, accountId: beaAccount.id!)?.state == .invited
        }
        #expect(try await API.api(.POST, b, "/groups/\(mirrorSlug)/join", token: bea).status == 200)
        try await eventually("Bea is a member on A") {
            guard let beaOnA = try await a.database.account(actorId: b.personId("bea")), let group = try await a.database.group(slug: "water") else { return false }
            return try await a.database.membership(groupId: group.id!, accountId: beaOnA.id!)?.state == .member
        }

        // Bob uploads from B; Anna uploads and makes a folder on A; B mirrors both.
        let notes = "Notes from the dike walk"
        let uploaded = try await Files.upload(b, "/files", notes, filename: "notes.txt", fields: ["group": mirrorSlug], token: bob)
        #expect(uploaded.status == 201)
        let notesOnB = Int64(try #require(uploaded.json?["id"] as? Int))
        let notesURL = try #require(try await b.database.contentItem(id: notesOnB)?.apId)
        let notesOnA = try #require(a.services.federation.urls.contentId(of: notesURL))
        let rota = try await Files.upload(a, "/files", "Rota for the pumps", filename: "rota.txt", fields: ["group": "water"], token: anna)
        #expect(rota.status == 201)
        let rotaOnA = Int64(try #require(rota.json?["id"] as? Int))
        let rotaURL = "\(a.base)/content/\(rotaOnA)"
        let folder = try await API.api(.POST, a, "/folders", #"{"name":"Plans","group":"water"}"#, token: anna)
        let folderOnA = Int64(try #require((folder.json as? [String: Any])?["id"] as? Int))
        try await eventually("B mirrors Anna's file and folder") {
            let file = try await b.database.contentItem(apId: rotaURL)
            let folder = try await b.database.contentItem(apId: "\(a.base)/content/\(folderOnA)")
            return file != nil && folder != nil
        }
        let rotaOnB = try #require(try await b.database.contentItem(apId: rotaURL)?.id)
        let folderOnB = try #require(try await b.database.contentItem(apId: "\(a.base)/content/\(folderOnA)")?.id)

        // Bea, a plain member and not the author, may neither rename nor delete Anna's file from B.
        #expect(try await API.api(.PATCH, b, "/files/\(rotaOnB)", #"{"name":"mine.txt"}"#, token: bea).status == 403)
        #expect(try await API.api(.DELETE, b, "/files/\(rotaOnB)", token: bea).status == 403)
        // Nor by a request signed on her behalf straight to A.
        let runtime = b.services.federation
        let keys = try await runtime.keyring.keys(owner: "account:\(beaAccount.id!)")
        for body in [#"{"type":"Delete"}"#, #"{"type":"Update","name":"mine.txt"}"#] {
            let answer = try await runtime.client.exchange("\(rotaURL)/changes", json: Data(body.utf8),
                                                           signing: .rfc9421(keys.ed25519, keyId: LocalActorURLs.ed25519KeyId(b.personId("bea"))))
            #expect(answer.status == 403)
        }
        // Unsigned: refused as well.
        #expect(try await LiveHTTP.request(.POST, "\(rotaURL)/changes", json: #"{"type":"Delete"}"#, token: nil).status == 403)
        #expect(try await a.database.contentItem(id: rotaOnA)?.title == "rota.txt")
        #expect(try await b.database.contentItem(id: rotaOnB)?.title == "rota.txt")

        // Bob, the author, renames and moves his file from B: A applies it, B shows A's answer at once.
        let renamed = try await API.api(.PATCH, b, "/files/\(notesOnB)", #"{"name":"walk-notes.txt","folderId":\#(folderOnB)}"#, token: bob)
        #expect(renamed.status == 200, "\(String(describing: renamed.json))")
        #expect((renamed.json as? [String: Any])?["title"] as? String == "walk-notes.txt")
        let notesNowOnA = try #require(try await a.database.contentItem(id: notesOnA))
        #expect(notesNowOnA.title == "walk-notes.txt" && notesNowOnA.folderId == folderOnA)
        let notesNowOnB = try #require(try await b.database.contentItem(id: notesOnB))
        #expect(notesNowOnB.title == "walk-notes.txt" && notesNowOnB.folderId == folderOnB)
        // Back to the top level.
        #expect(try await API.api(.PATCH, b, "/files/\(notesOnB)", #"{"folderId":null}"#, token: bob).status == 200)
        #expect(try await a.database.contentItem(id: notesOnA)?.folderId == nil)
        #expect(try await b.database.contentItem(id: notesOnB)?.folderId == nil)

        // Bob may not delete Anna's file while a plain member; once Anna makes him an admin he may.
        #expect(try await API.api(.DELETE, b, "/files/\(rotaOnB)", token: bob).status == 403)
        #expect(try await API.api(.PATCH, a, "/groups/water/members/bob@\(b.authority)", #"{"role":"admin"}"#, token: anna).status == 200)
        try await eventually("B knows Bob is an admin") {
            guard let mirror = try await b.database.group(actorId: groupActor), let bobOnB = try await b.database.account(username: "bob") else { return false }
            return try await b.database.membership(groupId: mirror.id!, accountId: bobOnB.id!)?.role == .admin
        }
        #expect(try await API.api(.DELETE, b, "/files/\(rotaOnB)", token: bob).status == 204)
        #expect(try await a.database.contentItem(id: rotaOnA) == nil)
        #expect(try await b.database.contentItem(id: rotaOnB) == nil)

        // Bob deletes his own file from B: gone on A, and B drops its row and cached bytes.
        #expect(b.services.fileCache.contains(Files.sha256(notes)))
        #expect(try await API.api(.DELETE, b, "/files/\(notesOnB)", token: bob).status == 204)
        #expect(try await a.database.contentItem(id: notesOnA) == nil)
        #expect(try await b.database.contentItem(id: notesOnB) == nil)
        #expect(try await b.database.fileVersions(itemId: notesOnB).isEmpty)
        #expect(!b.services.fileCache.contains(Files.sha256(notes)))
        // The folder is still there on both nodes.
        #expect(try await a.database.contentItem(id: folderOnA) != nil)
        #expect(try await b.database.contentItem(id: folderOnB) != nil)
    }

    @Test("deleting a group on A takes B's mirrored files with it: no file rows and no cached bytes are left on B")
    func groupDeletionDropsMirroredFiles() async throws {
        let a = try await LiveNode.start()
        let b = try await LiveNode.start()
        defer { Task { await a.stop(); await b.stop() } }
        let (anna, bob, _, mirrorSlug) = try await Files.closedGroupWithBob(a, b)
        // One file uploaded from B (its bytes cached on B at once), one from A downloaded on B.
        let fromB = "Uploaded on B"
        let uploaded = try await Files.upload(b, "/files", fromB, filename: "b.txt", fields: ["group": mirrorSlug], token: bob)
        #expect(uploaded.status == 201)
        let fromBOnB = Int64(try #require(uploaded.json?["id"] as? Int))
        let fromA = "Uploaded on A"
        let annaUpload = try await Files.upload(a, "/files", fromA, filename: "a.txt", fields: ["group": "water"], token: anna)
        let fromAURL = "\(a.base)/content/\(try #require(annaUpload.json?["id"] as? Int))"
        try await eventually("B mirrors Anna's file") { try await b.database.contentItem(apId: fromAURL) != nil }
        let fromAOnB = try #require(try await b.database.contentItem(apId: fromAURL)?.id)
        #expect(try await Files.send(.GET, "\(b.base)/api/v1/files/\(fromAOnB)/download", token: bob).text == fromA)
        let digests = [fromB, fromA].map(Files.sha256)
        #expect(digests.allSatisfy { b.services.fileCache.contains($0) })
        let cacheDirectory = b.services.configuration.fileCacheDirectory

        #expect(try await API.api(.DELETE, a, "/groups/water", token: anna).status == 204)
        try await eventually("B dropped the mirror, its file rows and their cached bytes") {
            let mirror = try await b.database.group(actorId: "\(a.base)/groups/water")
            let rows = try await b.database.fileVersions(itemId: fromBOnB).count + (try await b.database.fileVersions(itemId: fromAOnB).count)
            let items = [try await b.database.contentItem(id: fromBOnB), try await b.database.contentItem(id: fromAOnB)].compactMap { $0 }
            return mirror == nil && rows == 0 && items.isEmpty && digests.allSatisfy { !b.services.fileCache.contains($0) }
        }
        // Nothing of those bytes is left in DATA_DIR/file-cache.
        let left = (FileManager.default.enumerator(at: cacheDirectory, includingPropertiesForKeys: nil)?.allObjects as? [URL]) ?? []
        for url in left where !url.hasDirectoryPath {
            let data = try Data(contentsOf: url)
            #expect(data != Data(fromB.utf8) && data != Data(fromA.utf8), "\(url.path) still holds a mirrored file's bytes")
        }
    }
}
