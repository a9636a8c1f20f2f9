import AsyncHTTPClient
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Node
import Storage
import Testing

/// Files and folders: who reads them, uploads within the limit, versions,
/// downloads, moving and renaming.
@Suite("Files and folders")
struct FileTests {
    static let boundary = "meent-test-9f2c"

    /// A `multipart/form-data` body with one file part and text fields.
    static func form(_ bytes: [UInt8], filename: String = "notes.txt", contentType: String = "text/plain",
                     fields: [String: String] = [:]) -> (body: ByteBuffer, headers: HTTPFields) {
        var body = ByteBuffer()
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: \(contentType)\r\n\r\n")
        body.writeBytes(bytes)
        body.writeString("\r\n--\(boundary)--\r\n")
        return (body, [.contentType: "multipart/form-data; boundary=\(boundary)"])
    }

    static func upload(_ api: APIClient, _ token: String, _ bytes: [UInt8], filename: String = "notes.txt", contentType: String = "text/plain",
                       fields: [String: String] = [:]) async throws -> TestResponse {
        let (body, headers) = form(bytes, filename: filename, contentType: contentType, fields: fields)
        return try await api.request(.post, "/api/v1/files", body: body, token: token, headers: headers)
    }

    static func uploaded(_ api: APIClient, _ token: String, _ text: String, fields: [String: String] = [:]) async throws -> Int {
        let response = try await upload(api, token, Array(text.utf8), fields: fields)
        guard response.status == .created, let id = try response.jsonObject()["id"] as? Int else {
            throw TestFailure("upload failed: \(response.status) \(response.text)")
        }
        return id
    }

    static func newVersion(_ api: APIClient, _ token: String, _ id: Int, _ text: String, filename: String = "notes-v2.txt") async throws -> TestResponse {
        let (body, headers) = form(Array(text.utf8), filename: filename)
        return try await api.request(.post, "/api/v1/files/\(id)/versions", body: body, token: token, headers: headers)
    }

    static func folder(_ api: APIClient, _ token: String, _ json: String) async throws -> Int {
        let response = try await api.request(.post, "/api/v1/folders", json: json, token: token)
        guard response.status == .created, let id = try response.jsonObject()["id"] as? Int else {
            throw TestFailure("folder not created: \(response.status) \(response.text)")
        }
        return id
    }

    static func ids(_ response: TestResponse) throws -> Set<Int> {
        Set((try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int })
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    @Test("each file and folder is readable — details, versions, every download, listings and search — by exactly the people its access allows")
    func accessMatrix() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let world = try await ContentAccessTests.makeWorld(api)
            let owner = world.owner
            // Name, the fields of the upload, and who may read it (A anonymous, N non-member, M member, O owner).
            let cases: [(String, [String: String], Set<Character>)] = [
                ("personal-public", ["access": "public"], ["A", "N", "M", "O"]),
                ("personal-users", ["access": "users"], ["N", "M", "O"]),
                ("personal-private", [:], ["O"]),
                ("open-public", ["group": "open-g", "access": "public"], ["A", "N", "M", "O"]),
                ("open-users", ["group": "open-g", "access": "users"], ["N", "M", "O"]),
                ("open-members", ["group": "open-g"], ["M", "O"]),
                ("open-private", ["group": "open-g", "access": "private"], ["O"]),
                ("closed-asked-public", ["group": "closed-g", "access": "public"], ["M", "O"]),
                ("closed-members", ["group": "closed-g"], ["M", "O"]),
            ]
            var files: [String: Int] = [:]
            for (name, fields, _) in cases {
                var fields = fields
                fields["name"] = "jaarverslag \(name).txt"
                let id = try await Self.uploaded(api, owner, "v1 of \(name)", fields: fields)
                #expect(try await Self.newVersion(api, owner, id, "v2 of \(name)").status == .created)
                files[name] = id
            }
            // Folders follow the same rule.
            let folderCases: [(String, String, Set<Character>)] = [
                ("folder-open-public", #"{"name":"Openbaar","group":"open-g","access":"public"}"#, ["A", "N", "M", "O"]),
                ("folder-open-members", #"{"name":"Intern","group":"open-g"}"#, ["M", "O"]),
                ("folder-closed", #"{"name":"Geheim","group":"closed-g","access":"users"}"#, ["M", "O"]),
                ("folder-personal-private", #"{"name":"Mijn map"}"#, ["O"]),
            ]
            var folders: [String: Int] = [:]
            for (name, json, _) in folderCases { folders[name] = try await Self.folder(api, owner, json) }

            let readers: [(Character, String?)] = [("A", nil), ("N", world.outsider), ("M", world.member), ("O", owner)]
            for (name, _, allowed) in cases {
                let id = files[name]!
                for (reader, token) in readers {
                    let sees = allowed.contains(reader)
                    let label = "\(reader) reading \(name)"
                    #expect(try await api.request(.get, "/api/v1/files/\(id)", token: token).status == (sees ? .ok : .notFound), "\(label)")
                    let versions = try await api.request(.get, "/api/v1/files/\(id)/versions", token: token)
                    #expect(versions.status == (sees ? .ok : .notFound), "\(label): versions")
                    for (path, text) in [("download", "v2"), ("versions/1/download", "v1"), ("versions/2/download", "v2")] {
                        let download = try await api.request(.get, "/api/v1/files/\(id)/\(path)", token: token)
                        #expect(download.status == (sees ? .ok : .notFound), "\(label): \(path)")
                        if sees { #expect(download.text == "\(text) of \(name)", "\(label): \(path)") }
                    }
                    // Comments and likes work on files as on any item, for those who may read them.
                    #expect(try await api.request(.put, "/api/v1/content/\(id)/like", token: token).status == (token == nil ? .unauthorized : sees ? .ok : .notFound), "\(label): like")
                }
            }
            for (name, _, allowed) in folderCases {
                for (reader, token) in readers {
                    #expect(try await api.request(.get, "/api/v1/folders/\(folders[name]!)", token: token).status == (allowed.contains(reader) ? .ok : .notFound),
                            "\(reader) reading \(name)")
                }
            }
            for (reader, token) in readers {
                let visible = Set(cases.filter { $0.2.contains(reader) }.map { files[$0.0]! })
                let openTop = try Self.ids(try await api.request(.get, "/api/v1/groups/open-g/files", token: token))
                let openExpected = visible.filter { id in cases.contains { files[$0.0] == id && $0.1["group"] == "open-g" } }
                    .union(folderCases.filter { $0.0.hasPrefix("folder-open") && $0.2.contains(reader) }.map { folders[$0.0]! })
                #expect(openTop == openExpected, "\(reader) listing open-g's files")
                let personalTop = try Self.ids(try await api.request(.get, "/api/v1/users/olga/files", token: token))
                let personalExpected = visible.filter { id in cases.contains { files[$0.0] == id && $0.1["group"] == nil } }
                    .union(reader == "O" ? [folders["folder-personal-private"]!] : [])
                #expect(personalTop == personalExpected, "\(reader) listing olga's files")
                let search = try await api.request(.get, "/api/v1/search?q=jaarverslag", token: token)
                let found = Set(try #require(try search.jsonObject()["content"] as? [[String: Any]]).compactMap { $0["id"] as? Int })
                #expect(found == visible, "\(reader) searching")
            }
            let closedTop = try await api.request(.get, "/api/v1/groups/closed-g/files", token: world.member)
            let closedFile = try #require(try Self.ids(closedTop).first { $0 == files["closed-asked-public"] })
            let shown = try await api.request(.get, "/api/v1/files/\(closedFile)", token: world.member)
            #expect(try shown.jsonObject()["access"] as? String == "members", "a closed group's files are for members")
        }
    }

    @Test("an upload over the size limit is refused with 413 and leaves nothing behind")
    func uploadLimit() async throws {
        let node = try await TestNode.make(["MAX_UPLOAD_SIZE": "1K"])
        try await node.withClient { api in
            let token = try await api.signUp("olga")
            let tooLarge = try await Self.upload(api, token, Array(repeating: 0x41, count: 2048))
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.headers[.contentType] == "application/problem+json")
            // A body far over the limit is refused by its length alone.
            #expect(try await Self.upload(api, token, Array(repeating: 0x42, count: 200 * 1024)).status == .contentTooLarge)
            #expect(try await api.request(.get, "/api/v1/users/olga/files", token: token).text == "[]")
            let account = try #require(try await node.database.account(username: "olga"))
            #expect(try await node.database.content(ContentQuery(types: [.file]), viewerId: account.id).isEmpty, "no file item was written")
            let stored = FileManager.default.enumerator(atPath: node.services.configuration.blobDirectory.path)?.allObjects as? [String] ?? []
            #expect(stored.filter { !$0.hasSuffix("/") && $0.count > 2 }.isEmpty, "no blob and no temporary file is left: \(stored)")

            let fits = try await Self.upload(api, token, Array(repeating: 0x43, count: 1000))
            #expect(fits.status == .created)
            #expect(try await Self.newVersion(api, token, try #require(try fits.jsonObject()["id"] as? Int), String(repeating: "x", count: 1500)).status == .contentTooLarge)
            let notMultipart = try await api.request(.post, "/api/v1/files", json: #"{"name":"x"}"#, token: token)
            #expect(notMultipart.status == .unsupportedMediaType)
            #expect(try await api.request(.post, "/api/v1/files", body: Self.form([1]).body, token: nil, headers: Self.form([1]).headers).status == .unauthorized)
        }
    }

    @Test("a new version names the version it was made from: on the current one it is taken, on a stale one refused with 409 and nothing stored")
    func staleBaseVersionIsRefused() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let token = try await api.signUp("olga")
            let id = try await Self.uploaded(api, token, "eerste")
            func version(_ text: String, base: String) async throws -> TestResponse {
                let (body, headers) = Self.form(Array(text.utf8), fields: ["baseVersion": base])
                return try await api.request(.post, "/api/v1/files/\(id)/versions", body: body, token: token, headers: headers)
            }
            #expect(try await version("tweede", base: "1").status == .created)
            let stale = try await version("ook tweede", base: "1")
            #expect(stale.status == .conflict)
            #expect(stale.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            #expect(try await version("fout", base: "twee").status == .unprocessableContent)
            let versions = try await api.request(.get, "/api/v1/files/\(id)/versions", token: token)
            let list = try #require(try JSONSerialization.jsonObject(with: Data(buffer: versions.body)) as? [[String: Any]])
            #expect(list.map { $0["number"] as? Int } == [2, 1])
            #expect(!node.services.blobs.contains(Self.sha256("ook tweede")) && !node.services.blobs.contains(Self.sha256("fout")))
        }
    }

    @Test("new versions: the latest is downloaded by default, any version stays downloadable, with safe download headers")
    func versionsAndDownloads() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let token = try await api.signUp("olga")
            let other = try await api.signUp("piet")
            let name = #"Rapport "Q1" — €.html"#
            let created = try await Self.upload(api, token, Array("<h1>eerste</h1>".utf8), filename: "rapport.html", contentType: "text/html",
                                                fields: ["name": name, "access": "users"])
            #expect(created.status == .created)
            let id = try #require(try created.jsonObject()["id"] as? Int)
            #expect(try await Self.newVersion(api, other, id, "overgenomen").status == .forbidden, "only the author (or group admins) add versions")
            let second = try await Self.newVersion(api, token, id, "tweede versie", filename: "rapport-2.txt")
            #expect(second.status == .created)
            let file = try #require(try second.jsonObject()["file"] as? [String: Any])
            #expect(file["version"] as? Int == 2)
            #expect(file["sha256"] as? String == Self.sha256("tweede versie"))

            let versions = try await api.request(.get, "/api/v1/files/\(id)/versions", token: other)
            let list = try #require(try JSONSerialization.jsonObject(with: Data(buffer: versions.body)) as? [[String: Any]])
            #expect(list.map { $0["number"] as? Int } == [2, 1])
            #expect(list.map { $0["filename"] as? String } == ["rapport-2.txt", "rapport.html"])
            #expect(list.last?["contentType"] as? String == "text/html")

            let latest = try await api.request(.get, "/api/v1/files/\(id)/download", token: other)
            #expect(latest.text == "tweede versie")
            #expect(latest.headers[.contentType] == "text/plain")
            #expect(latest.headers[.eTag] == "\"\(Self.sha256("tweede versie"))\"")
            let first = try await api.request(.get, "/api/v1/files/\(id)/versions/1/download", token: other)
            #expect(first.text == "<h1>eerste</h1>")
            #expect(first.headers[.contentType] == "text/html", "the stored type, never guessed")
            #expect(first.headers[.contentDisposition] == #"attachment; filename="Rapport _Q1_ _ _.html"; filename*=UTF-8''Rapport%20%22Q1%22%20%E2%80%94%20%E2%82%AC.html"#)
            #expect(first.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(first.headers[.contentSecurityPolicy]?.hasPrefix("sandbox") == true, "an HTML file never runs in the node's origin")
            let again = try await api.request(.get, "/api/v1/files/\(id)/download", token: other, headers: [.ifNoneMatch: latest.headers[.eTag]!])
            #expect(again.status == .notModified)
            #expect(try await api.request(.get, "/api/v1/files/\(id)/versions/3/download", token: other).status == .notFound)

            // The same bytes in two files are stored once and kept while any version uses them.
            let twin = try await Self.uploaded(api, token, "tweede versie", fields: ["name": "kopie.txt"])
            #expect(try await api.request(.delete, "/api/v1/files/\(id)", token: token).status == .noContent)
            #expect(try await api.request(.get, "/api/v1/files/\(id)/download", token: token).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/files/\(twin)/download", token: token).text == "tweede versie")
            #expect(!node.services.blobs.contains(Self.sha256("<h1>eerste</h1>")), "bytes no version uses are removed")
            #expect(try await api.request(.delete, "/api/v1/files/\(twin)", token: token).status == .noContent)
            #expect(!node.services.blobs.contains(Self.sha256("tweede versie")))
        }
    }

    @Test("files and folders are renamed and moved within their group or owner; loops and moves to other groups are refused")
    func moveAndRename() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let world = try await ContentAccessTests.makeWorld(api)
            let owner = world.owner
            let outer = try await Self.folder(api, owner, #"{"name":"Projecten","group":"open-g","access":"public"}"#)
            let inner = try await Self.folder(api, owner, #"{"name":"2026","folderId":\#(outer),"access":"public"}"#)
            let elsewhere = try await Self.folder(api, owner, #"{"name":"Archief","group":"closed-g"}"#)
            let file = try await Self.uploaded(api, owner, "inhoud", fields: ["folderId": "\(inner)", "access": "public"])
            let shown = try await api.request(.get, "/api/v1/files/\(file)", token: owner)
            #expect(try shown.jsonObject()["group"] as? String == "open-g", "a file joins its folder's group")
            #expect(try Self.ids(try await api.request(.get, "/api/v1/groups/open-g/files", token: owner)) == [outer])
            let listing = try await api.request(.get, "/api/v1/folders/\(inner)", token: nil)
            #expect(try (listing.jsonObject()["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [file])

            let loop = try await api.request(.patch, "/api/v1/folders/\(outer)", json: #"{"folderId":\#(inner)}"#, token: owner)
            #expect(loop.status == .conflict)
            #expect(try (loop.jsonObject()["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/folderId")
            #expect(try await api.request(.patch, "/api/v1/folders/\(outer)", json: #"{"folderId":\#(outer)}"#, token: owner).status == .conflict)
            let crossGroup = try await api.request(.patch, "/api/v1/files/\(file)", json: #"{"folderId":\#(elsewhere)}"#, token: owner)
            #expect(crossGroup.status == .unprocessableContent)
            #expect(try await api.request(.patch, "/api/v1/files/\(file)", json: #"{"name":"gekaapt.txt"}"#, token: world.member).status == .forbidden)
            #expect(try await api.request(.patch, "/api/v1/files/\(file)", json: #"{"name":"a/b"}"#, token: owner).status == .unprocessableContent)
            #expect(try await api.request(.patch, "/api/v1/content/\(file)", json: #"{"title":"a/b"}"#, token: owner).status == .unprocessableContent,
                    "names are checked whichever route is used")

            let renamed = try await api.request(.patch, "/api/v1/files/\(file)", json: #"{"name":"verslag.txt","folderId":null}"#, token: owner)
            #expect(renamed.status == .ok)
            #expect(try renamed.jsonObject()["title"] as? String == "verslag.txt")
            #expect(try renamed.jsonObject()["folderId"] == nil, "moved to the top")
            #expect(try Self.ids(try await api.request(.get, "/api/v1/groups/open-g/files", token: owner)) == [outer, file])
            let download = try await api.request(.get, "/api/v1/files/\(file)/download", token: nil)
            #expect(download.headers[.contentDisposition]?.contains(#"filename="verslag.txt""#) == true, "a download is saved under the current name")

            let moved = try await api.request(.patch, "/api/v1/folders/\(inner)", json: #"{"folderId":null}"#, token: owner)
            #expect(moved.status == .ok)
            #expect(try await api.request(.patch, "/api/v1/folders/\(outer)", json: #"{"folderId":\#(inner)}"#, token: owner).status == .ok, "no loop any more")

            // Personal folders take their owner's files only; a folder goes with everything in it.
            let personal = try await Self.folder(api, owner, #"{"name":"Eigen"}"#)
            #expect(try await Self.upload(api, world.member, [1, 2], fields: ["folderId": "\(personal)"]).status == .unprocessableContent,
                    "someone else's private folder is not there for them")
            let inside = try await Self.uploaded(api, owner, "binnen", fields: ["folderId": "\(inner)", "access": "public"])
            #expect(try await api.request(.delete, "/api/v1/folders/\(inner)", token: owner).status == .noContent)
            #expect(try await api.request(.get, "/api/v1/folders/\(outer)", token: owner).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/files/\(inside)", token: owner).status == .notFound)
        }
    }

    @Test("over real HTTP, a large binary upload streams in and comes back byte for byte; an oversized one is cut off with 413")
    func liveUploadAndDownload() async throws {
        let node = try await LiveNode.start(settings: ["MAX_UPLOAD_SIZE": "4M"])
        do {
            let (_, token) = try await node.user("olga")
            let bytes = (0..<(3 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
            func post(_ payload: [UInt8]) async throws -> HTTPClientResponse {
                let (body, headers) = Self.form(payload, filename: "meting.bin", contentType: "application/octet-stream")
                var request = HTTPClientRequest(url: "\(node.base)/api/v1/files")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                request.headers.add(name: "Content-Type", value: headers[.contentType]!)
                request.body = .bytes(body)
                return try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            }
            let created = try await post(bytes)
            #expect(created.status.code == 201)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: try await created.body.collect(upTo: 1 << 20))) as? [String: Any])
            let id = try #require(json["id"] as? Int)
            var download = HTTPClientRequest(url: "\(node.base)/api/v1/files/\(id)/download")
            download.headers.add(name: "Authorization", value: "Bearer \(token)")
            let response = try await HTTPClient.shared.execute(download, timeout: .seconds(60))
            #expect(response.status.code == 200)
            #expect(response.headers[canonicalForm: "Content-Length"] == ["\(bytes.count)"])
            #expect(Array(buffer: try await response.body.collect(upTo: 8 << 20)) == bytes)

            let refused = try await post(Array(repeating: 7, count: 5 * 1024 * 1024))
            #expect(refused.status.code == 413)
            let stored = FileManager.default.enumerator(atPath: node.services.configuration.blobDirectory.path)?.allObjects as? [String] ?? []
            #expect(stored.filter { $0.contains(".tmp-") }.isEmpty, "no temporary file is left behind")
        } catch {
            await node.stop()
            throw error
        }
        await node.stop()
    }

    @Test("a removed member loses access to the group's files at once")
    func removedMember() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let world = try await ContentAccessTests.makeWorld(api)
            let file = try await Self.uploaded(api, world.owner, "notulen", fields: ["group": "closed-g"])
            #expect(try await api.request(.get, "/api/v1/files/\(file)/download", token: world.member).text == "notulen")
            let dashboard = try await api.request(.get, "/api/v1/me/dashboard?type=file", token: world.member)
            #expect(try (dashboard.jsonObject()["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [file], "new files reach members' dashboards")
            #expect(try await api.request(.delete, "/api/v1/groups/closed-g/members/mark", token: world.owner).status == .noContent)
            #expect(try await api.request(.get, "/api/v1/files/\(file)", token: world.member).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/files/\(file)/download", token: world.member).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/groups/closed-g/files", token: world.member).text == "[]")
            let after = try await api.request(.get, "/api/v1/me/dashboard?type=file", token: world.member)
            #expect(try (after.jsonObject()["items"] as? [[String: Any]])?.isEmpty == true)
        }
    }
}
