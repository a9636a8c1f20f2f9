import AsyncHTTPClient
import Crypto
import Federation
import Foundation
import NIOCore
import NIOHTTP1
@testable import Node
import Storage
import Testing

/// Files and folders of a group that spans nodes, with three real nodes:
/// the group's home node A, a member's node B and an outsider's node C.
@Suite("Files across nodes")
struct FileFederationTests {
    typealias API = GroupFederationTests

    struct Answer {
        let status: Int
        let headers: HTTPHeaders
        let bytes: [UInt8]
        var text: String { String(decoding: bytes, as: UTF8.self) }
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] }
    }

    /// Any request to a live node, with the raw answer.
    static func send(_ method: HTTPMethod, _ url: String, body: ByteBuffer? = nil, headers: [(String, String)] = [],
                     token: String? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body { request.body = .bytes(body) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let collected = try await response.body.collect(upTo: 1 << 22)
        return Answer(status: Int(response.status.code), headers: response.headers, bytes: Array(buffer: collected))
    }

    /// A multipart upload through a node's API (`path`: `/files` or `/files/ID/versions`).
    static func upload(_ node: LiveNode, _ path: String, _ text: String, filename: String, fields: [String: String] = [:],
                       token: String) async throws -> Answer {
        let (body, headers) = FileTests.form(Array(text.utf8), filename: filename, fields: fields)
        return try await send(.POST, "\(node.base)/api/v1\(path)", body: body,
                              headers: headers.map { ($0.name.rawName, $0.value) }, token: token)
    }

    static func sha256(_ text: String) -> String { FileTests.sha256(text) }

    /// Anna's closed group `water` on A with Bob of B as a member.
    static func closedGroupWithBob(_ a: LiveNode, _ b: LiveNode) async throws -> (anna: String, bob: String, bobAccount: Account, mirrorSlug: String) {
        let (_, anna) = try await a.user("anna")
        let (bobAccount, bob) = try await b.user("bob")
        #expect(try await API.api(.POST, a, "/groups", #"{"name":"Water","slug":"water","membershipMode":"closed"}"#, token: anna).status == 201)
        let invited = try await API.api(.POST, a, "/groups/water/members", #"{"username":"bob@\#(b.authority)"}"#, token: anna)
        #expect(invited.status == 201 || invited.status == 200)
        let groupActor = "\(a.base)/groups/water"
        let mirrorSlug = "water@\(a.authority)"
        try await eventually("B shows Bob the invitation") {
            guard let mirror = try await b.database.group(actorId: groupActor) else { return false }
            return try await b.database.membership(groupId: mirror.id!, accountId: bobAccount.id!)?.state == .invited
        }
        #expect(try await API.api(.POST, b, "/groups/\(mirrorSlug)/join", token: bob).status == 200)
        try await eventually("Bob is a member on both nodes") {
            let onB = try await API.api(.GET, b, "/groups/\(mirrorSlug)", token: bob).json as? [String: Any]
            let onA = try await a.database.account(actorId: b.personId("bob")).asyncMap { account in
                try await a.database.membership(groupId: try #require(try await a.database.group(slug: "water")).id!, accountId: account.id!)
            } ?? nil
            return (onB?["membership"] as? [String: Any])?["state"] as? String == "member" && onA?.state == .member
        }
        return (anna, bob, bobAccount, mirrorSlug)
    }

    /// The id on A of the file named `name` in the group, as Anna lists it.
    static func fileOnA(_ a: LiveNode, named name: String, token: String) async throws -> Int? {
        API.items(try await API.api(.GET, a, "/groups/water/files", token: token)).first { $0["title"] as? String == name }?["id"] as? Int
    }

    /// A GET signed by `owner` of `node` (the node actor or a person); nil when refused.
    static func signedDownload(_ url: String, from node: LiveNode, owner: String, actorId: String) async -> [UInt8]? {
        let runtime = node.services.federation
        guard let keys = try? await runtime.keyring.keys(owner: owner) else { return nil }
        let data = try? await runtime.client.download(url, maxBytes: 1 << 20, signing: .rfc9421(keys.ed25519, keyId: LocalActorURLs.ed25519KeyId(actorId)))
        return data.map { Array($0) }
    }

    @Test("a member on B uploads into a closed group on A: A and B see and download it, A orders new versions, C gets none of it, and removal drops B's copies")
    func closedGroupFilesAcrossNodes() async throws {
        let a = try await LiveNode.start()
        let b = try await LiveNode.start()
        let c = try await LiveNode.start()
        defer { Task { await a.stop(); await b.stop(); await c.stop() } }
        let (anna, bob, bobAccount, mirrorSlug) = try await Self.closedGroupWithBob(a, b)
        let (carlAccount, _) = try await c.user("carl")

        // Bob uploads through B's API: A stores it at once and B shows what A stored.
        let v1 = "Pump schedule, first draft"
        let uploaded = try await Self.upload(b, "/files", v1, filename: "schedule.txt", fields: ["group": mirrorSlug], token: bob)
        #expect(uploaded.status == 201, "\(uploaded.text)")
        let idOnB = try #require(uploaded.json?["id"] as? Int)
        #expect((uploaded.json?["file"] as? [String: Any])?["sha256"] as? String == Self.sha256(v1))
        #expect((uploaded.json?["access"] as? String) == "members")
        let idOnA = try #require(try await Self.fileOnA(a, named: "schedule.txt", token: anna))
        let itemURL = "\(a.base)/content/\(idOnA)"
        #expect(try await b.database.contentItem(id: Int64(idOnB))?.apId == itemURL)
        // A records Bob as the author; Anna downloads the same bytes on A.
        let onA = try #require(try await a.database.contentItem(id: Int64(idOnA)))
        #expect(try await a.database.account(id: onA.authorId)?.actorId == b.personId("bob"))
        let annaDownload = try await Self.send(.GET, "\(a.base)/api/v1/files/\(idOnA)/download", token: anna)
        #expect(annaDownload.status == 200 && annaDownload.text == v1)
        // Bob downloads it on B, and B's listing shows it.
        let bobDownload = try await Self.send(.GET, "\(b.base)/api/v1/files/\(idOnB)/download", token: bob)
        #expect(bobDownload.status == 200 && bobDownload.text == v1)
        #expect(bobDownload.headers.first(name: "Content-Security-Policy") == "sandbox; default-src 'none'")
        #expect(API.items(try await API.api(.GET, b, "/groups/\(mirrorSlug)/files", token: bob)).contains { $0["id"] as? Int == idOnB })

        // The web form on B goes the same way.
        let login = try await Self.send(.POST, "\(b.base)/api/v1/auth/session", body: ByteBuffer(string: #"{"username":"bob","password":"long enough password"}"#),
                                        headers: [("Content-Type", "application/json")])
        let cookie = try #require(login.headers["Set-Cookie"].first { $0.hasPrefix("meent_session=") }).split(separator: ";")[0]
        let csrf = try #require(login.json?["csrfToken"] as? String)
        let (formBody, formHeaders) = FileTests.form(Array("Minutes of the dike walk".utf8), filename: "minutes.txt")
        let posted = try await Self.send(.POST, "\(b.base)/groups/\(mirrorSlug)/files?_csrf=\(csrf)", body: formBody,
                                         headers: formHeaders.map { ($0.name.rawName, $0.value) } + [("Cookie", String(cookie)), ("Accept", "text/html")])
        // (The client follows the redirect to the new file's page on B.)
        #expect(posted.status == 200 && posted.text.contains("<h1>minutes.txt</h1>"))
        #expect(try await Self.fileOnA(a, named: "minutes.txt", token: anna) != nil)

        // Anna makes a folder on A; B mirrors it, and Bob's upload into it from B lands in it on A.
        let folder = try await API.api(.POST, a, "/folders", #"{"name":"Plans","group":"water"}"#, token: anna)
        #expect(folder.status == 201)
        let folderURL = "\(a.base)/content/\(try #require((folder.json as? [String: Any])?["id"] as? Int))"
        try await eventually("B mirrors the folder") { try await b.database.contentItem(apId: folderURL) != nil }
        let folderOnB = try #require(try await b.database.contentItem(apId: folderURL))
        #expect(folderOnB.type == .folder)
        #expect(try await API.api(.POST, b, "/folders", #"{"name":"From B","group":"\#(mirrorSlug)"}"#, token: bob).status == 409)
        let inFolder = try await Self.upload(b, "/files", "Plan of the pumps", filename: "pumps.txt",
                                             fields: ["group": mirrorSlug, "folderId": String(folderOnB.id!)], token: bob)
        #expect(inFolder.status == 201, "\(inFolder.text)")
        #expect((inFolder.json?["folderId"] as? Int).map(Int64.init) == folderOnB.id)
        let inFolderIdOnB = try #require(inFolder.json?["id"] as? Int)
        let inFolderURL = try #require(try await b.database.contentItem(id: Int64(inFolderIdOnB))?.apId)
        let inFolderIdOnA = try #require(a.services.federation.urls.contentId(of: inFolderURL))
        let inFolderOnA = try #require(try await a.database.contentItem(id: inFolderIdOnA))
        #expect(inFolderOnA.folderId.map { "\(a.base)/content/\($0)" } == folderURL)

        // Anna uploads on A: B mirrors it, and Bob's first download fetches the bytes from A on his behalf —
        // even though B holds the same bytes for a private file of Bob's own: a file another node announces
        // is never answered with this node's own bytes, whoever knows their digest.
        let annaText = "Inspection report from A"
        #expect(try await Self.upload(b, "/files", annaText, filename: "own.txt", token: bob).status == 201)
        #expect(b.services.blobs.contains(Self.sha256(annaText)))
        let annaUpload = try await Self.upload(a, "/files", annaText, filename: "report.txt", fields: ["group": "water"], token: anna)
        #expect(annaUpload.status == 201)
        let annaIdOnA = try #require(annaUpload.json?["id"] as? Int)
        let annaItemURL = "\(a.base)/content/\(annaIdOnA)"
        try await eventually("B mirrors Anna's file") { try await b.database.contentItem(apId: annaItemURL) != nil }
        let annaIdOnB = try #require(try await b.database.contentItem(apId: annaItemURL)?.id)
        #expect(!b.services.fileCache.contains(Self.sha256(annaText)))
        let fetched = try await Self.send(.GET, "\(b.base)/api/v1/files/\(annaIdOnB)/download", token: bob)
        #expect(fetched.status == 200 && fetched.text == annaText)
        #expect(b.services.fileCache.contains(Self.sha256(annaText)))
        #expect(try await a.database.ledgerEntries(objectPrefix: annaItemURL, host: b.authority).count == 1)
        // B's dashboard (asked for files) and search show it too.
        #expect(API.items(try await API.api(.GET, b, "/me/dashboard?type=file", token: bob)).contains { $0["id"] as? Int == Int(annaIdOnB) })
        let found = (try await API.api(.GET, b, "/search?q=report", token: bob).json as? [String: Any])?["content"] as? [[String: Any]] ?? []
        #expect(found.contains { $0["id"] as? Int == Int(annaIdOnB) })

        // A new version from B on the current base is taken; one on a stale base is refused (409) and changes nothing.
        let v2 = "Pump schedule, second draft"
        let second = try await Self.upload(b, "/files/\(idOnB)/versions", v2, filename: "schedule.txt", fields: ["baseVersion": "1"], token: bob)
        #expect(second.status == 201, "\(second.text)")
        #expect((second.json?["file"] as? [String: Any])?["version"] as? Int == 2)
        #expect(try await a.database.fileVersions(itemId: Int64(idOnA)).map(\.number) == [2, 1])
        let stale = "Pump schedule, stale edit"
        let refused = try await Self.upload(b, "/files/\(idOnB)/versions", stale, filename: "schedule.txt", fields: ["baseVersion": "1"], token: bob)
        #expect(refused.status == 409)
        #expect(refused.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true)
        #expect(try await a.database.fileVersions(itemId: Int64(idOnA)).map(\.number) == [2, 1])
        #expect(try await b.database.fileVersions(itemId: Int64(idOnB)).map(\.number) == [2, 1])
        #expect(!a.services.blobs.contains(Self.sha256(stale)) && !b.services.blobs.contains(Self.sha256(stale))
                && !b.services.fileCache.contains(Self.sha256(stale)))
        let current = try await Self.send(.GET, "\(a.base)/api/v1/files/\(idOnA)/download", token: anna)
        #expect(current.text == v2)
        // Bob (the author) renames it on B: A applies it at once and B shows A's answer; renaming on A reaches B.
        // (Deleting through the content routes stays with the home node; the file routes forward it, see FileChangesFederationTests.)
        let renamed = try await API.api(.PATCH, b, "/files/\(idOnB)", #"{"name":"plan.txt"}"#, token: bob)
        #expect(renamed.status == 200 && (renamed.json as? [String: Any])?["title"] as? String == "plan.txt")
        #expect(try await a.database.contentItem(id: Int64(idOnA))?.title == "plan.txt")
        #expect(try await API.api(.DELETE, b, "/content/\(idOnB)", token: bob).status == 409)
        #expect(try await API.api(.PATCH, a, "/files/\(idOnA)", #"{"name":"pump-plan.txt"}"#, token: anna).status == 200)
        try await eventually("B shows the new name") { try await b.database.contentItem(id: Int64(idOnB))?.title == "pump-plan.txt" }

        // Anna deletes Bob's file in the folder on A (through the content API, as any item): B drops its copy.
        #expect(try await API.api(.DELETE, a, "/content/\(inFolderOnA.id!)", token: anna).status == 204)
        try await eventually("B dropped the deleted file") { try await b.database.contentItem(apId: inFolderURL) == nil }

        // C: no copy, and no way in — page, API, unsigned fetch, node-signed and person-signed fetches.
        #expect(try await c.database.contentItem(apId: itemURL) == nil)
        #expect(try await c.database.contentItem(apId: annaItemURL) == nil)
        let page = try await Self.send(.GET, "\(a.base)/files/\(idOnA)", headers: [("Accept", "text/html")])
        #expect(page.status == 404 && !page.text.contains("pump-plan"))
        #expect(try await Self.send(.GET, "\(a.base)/api/v1/files/\(idOnA)").status == 404)
        #expect(try await Self.send(.GET, "\(a.base)/api/v1/files/\(idOnA)/download").status == 404)
        #expect(try await Self.send(.GET, "\(a.base)/content/\(idOnA)", headers: [("Accept", "application/activity+json")]).status == 404)
        let versionURL = "\(itemURL)/versions/2"
        #expect(try await Self.send(.GET, versionURL).status == 404)
        #expect(await Self.signedDownload(versionURL, from: c, owner: SigningKey.nodeOwner, actorId: c.services.federation.urls.nodeActor) == nil)
        #expect(await Self.signedDownload(versionURL, from: c, owner: "account:\(carlAccount.id!)", actorId: c.personId("carl")) == nil)
        // Bob's node, on Bob's behalf, may fetch it (the document as announced, and the bytes); B's node actor alone may not.
        let document = await API.signedFetch(itemURL, from: b, owner: "account:\(bobAccount.id!)", actorId: b.personId("bob"))
        #expect(document?.contains("\"meentSha256\":\"\(Self.sha256(v2))\"") == true)
        #expect(await Self.signedDownload(versionURL, from: b, owner: "account:\(bobAccount.id!)", actorId: b.personId("bob")) == Array(v2.utf8))
        #expect(await Self.signedDownload(versionURL, from: b, owner: SigningKey.nodeOwner, actorId: b.services.federation.urls.nodeActor) == nil)

        // Anna removes Bob: B drops the group's files and the bytes only they used; new files no longer reach B.
        let digests = [v1, v2, annaText, "Minutes of the dike walk"].map(Self.sha256)
        #expect(digests.allSatisfy { b.services.fileCache.contains($0) })
        #expect(try await API.api(.DELETE, a, "/groups/water/members/bob@\(b.authority)", token: anna).status == 204)
        try await eventually("B dropped the group's files and their bytes") {
            let rows = try await b.database.fileVersions(itemId: Int64(idOnB)).count
            let annaRows = try await b.database.fileVersions(itemId: annaIdOnB).count
            let bobItem = try await b.database.contentItem(apId: itemURL)
            let annaItem = try await b.database.contentItem(apId: annaItemURL)
            return rows + annaRows == 0 && bobItem == nil && annaItem == nil && digests.allSatisfy { !b.services.fileCache.contains($0) }
        }
        #expect(b.services.blobs.contains(Self.sha256(annaText)), "Bob's own file keeps its bytes")
        let deliveriesToB = try await a.database.deliveries(host: b.authority, limit: 10_000).count
        #expect(try await Self.upload(a, "/files", "After Bob left", filename: "later.txt", fields: ["group": "water"], token: anna).status == 201)
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await a.database.deliveries(host: b.authority, limit: 10_000).count == deliveriesToB)
        // And Bob's node can no longer fetch the bytes on his behalf.
        #expect(await Self.signedDownload(versionURL, from: b, owner: "account:\(bobAccount.id!)", actorId: b.personId("bob")) == nil)
    }

    @Test("an upload to a group's home node signed by someone who is not a member, by a node, or not at all, or over its size limit, is refused and stores nothing")
    func nonMemberUploadIsRefused() async throws {
        let a = try await LiveNode.start(settings: ["MAX_UPLOAD_SIZE": "1K"])
        let c = try await LiveNode.start()
        defer { Task { await a.stop(); await c.stop() } }
        let (_, anna) = try await a.user("anna")
        let (carlAccount, _) = try await c.user("carl")
        #expect(try await API.api(.POST, a, "/groups", #"{"name":"Water","slug":"water","membershipMode":"closed"}"#, token: anna).status == 201)
        let text = "Not from a member"
        let url = "\(a.base)/groups/water/uploads?name=intruder.txt&filename=intruder.txt&type=text/plain"
        let runtime = c.services.federation
        let carlKeys = try await runtime.keyring.keys(owner: "account:\(carlAccount.id!)")
        let asCarl = try await runtime.client.upload(url, body: Data(text.utf8), contentType: "text/plain",
                                                     signing: .rfc9421(carlKeys.ed25519, keyId: LocalActorURLs.ed25519KeyId(c.personId("carl"))))
        #expect(asCarl.status == 403)
        #expect(String(decoding: asCarl.body, as: UTF8.self).contains("member"))
        let nodeKeys = try await runtime.keyring.keys(owner: SigningKey.nodeOwner)
        let asNode = try await runtime.client.upload(url, body: Data(text.utf8), contentType: "text/plain",
                                                     signing: .rfc9421(nodeKeys.ed25519, keyId: LocalActorURLs.ed25519KeyId(runtime.urls.nodeActor)))
        #expect(asNode.status == 403)
        let unsigned = try await runtime.client.upload(url, body: Data(text.utf8), contentType: "text/plain", signing: .unsigned)
        #expect(unsigned.status == 403)
        // The home node's size limit holds for uploads from other nodes too.
        let large = String(repeating: "x", count: 4096)
        let tooLarge = try await runtime.client.upload(url, body: Data(large.utf8), contentType: "text/plain",
                                                       signing: .rfc9421(carlKeys.ed25519, keyId: LocalActorURLs.ed25519KeyId(c.personId("carl"))))
        #expect(tooLarge.status == 413)
        #expect(!a.services.blobs.contains(Self.sha256(large)))
        #expect(try await API.api(.GET, a, "/groups/water/files", token: anna).status == 200)
        #expect(API.items(try await API.api(.GET, a, "/groups/water/files", token: anna)).isEmpty)
        #expect(!a.services.blobs.contains(Self.sha256(text)))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: a.services.blobs.directory.path).filter { $0.hasPrefix(".tmp-") }
        #expect(leftovers.isEmpty)
    }
}
