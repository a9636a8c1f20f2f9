import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Node
import Testing

/// The files pages: the upload form carries its CSRF token in the query
/// string (the body is multipart), and a too-large upload is refused
/// with nothing written.
@Suite("File pages")
struct FilePageTests {
    @Test("the page upload needs the session's CSRF token, refuses a too-large file and lists what it stored")
    func uploadThroughThePage() async throws {
        let node = try await TestNode.make(["MAX_UPLOAD_SIZE": "1K"])
        try await node.withClient { api in
            let token = try await api.signUp("ria")
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Dijken","slug":"dijken","membershipMode":"closed"}"#, token: token)
            let login = try await api.request(.post, "/api/v1/auth/session", json: #"{"username":"ria","password":"long enough password"}"#)
            let session = String(try #require(login.setCookie(named: "meent_session")).split(separator: ";")[0])
            let csrf = try #require(try login.jsonObject()["csrfToken"] as? String)

            let page = try await api.request(.get, "/groups/dijken/files", headers: [.cookie: session])
            #expect(page.text.contains("action=\"/groups/dijken/files?_csrf=\(csrf)\""))

            func post(_ bytes: [UInt8], filename: String, query: String) async throws -> TestResponse {
                var (body, headers) = FileTests.form(bytes, filename: filename)
                headers[.cookie] = session
                headers[.accept] = "text/html"
                return try await api.request(.post, "/groups/dijken/files\(query)", body: body, headers: headers)
            }
            #expect(try await post(Array("forged".utf8), filename: "forged.txt", query: "").status == .forbidden)
            #expect(try await post(Array("forged".utf8), filename: "forged.txt", query: "?_csrf=wrong").status == .forbidden)
            let tooLarge = try await post(Array(repeating: 0x41, count: 4096), filename: "large.txt", query: "?_csrf=\(csrf)")
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.text.contains("<html"))
            let stored = try await post(Array("notulen".utf8), filename: "notulen.txt", query: "?_csrf=\(csrf)")
            #expect(stored.status == .seeOther)
            let location = try #require(stored.headers[.location])
            #expect(location.hasPrefix("/files/"))

            let listing = try await api.request(.get, "/groups/dijken/files", headers: [.cookie: session])
            #expect(listing.text.contains("notulen.txt"))
            #expect(!listing.text.contains("forged.txt") && !listing.text.contains("large.txt"))
            let filePage = try await api.request(.get, location, headers: [.cookie: session])
            #expect(filePage.status == .ok && filePage.text.contains("notulen.txt"))

            _ = try await api.signUp("sam")
            let other = try await api.request(.post, "/api/v1/auth/session", json: #"{"username":"sam","password":"long enough password"}"#)
            let samSession = String(try #require(other.setCookie(named: "meent_session")).split(separator: ";")[0])
            #expect(try await api.request(.get, location, headers: [.cookie: samSession, .accept: "text/html"]).status == .notFound)
        }
    }

    /// Ria's session on a node with her closed group `dijken`, for the form tests.
    static func riaWithGroup(_ api: APIClient) async throws -> (token: String, cookie: String, csrf: String) {
        let token = try await api.signUp("ria")
        _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Dijken","slug":"dijken","membershipMode":"closed"}"#, token: token)
        let session = try await WebPageTests.session(api, "ria")
        return (token, session.cookie, session.csrf)
    }

    static func folderId(_ response: TestResponse) throws -> Int {
        let location = try #require(response.headers[.location])
        #expect(location.hasPrefix("/folders/"))
        return try #require(Int(location.dropFirst("/folders/".count)))
    }

    @Test("a file is renamed, moved, made private and deleted from its page; a folder is moved and deleted from its own")
    func renameMoveAccessDelete() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let ria = try await Self.riaWithGroup(api)
            let reports = try Self.folderId(try await WebPageTests.post(api, "/groups/dijken/folders", "name=Verslagen&_csrf=\(ria.csrf)", cookie: ria.cookie))
            let archive = try Self.folderId(try await WebPageTests.post(api, "/groups/dijken/folders", "name=Archief&_csrf=\(ria.csrf)", cookie: ria.cookie))
            let file = try await FileTests.uploaded(api, ria.token, "notulen", fields: ["group": "dijken", "folderId": String(reports)])

            let page = try await api.request(.get, "/files/\(file)", headers: [.cookie: ria.cookie])
            for action in ["rename", "move", "access", "delete"] { #expect(page.text.contains(#"action="/files/\#(file)/\#(action)""#)) }
            #expect(page.text.contains(#"<option value="\#(archive)">Archief</option>"#), "the other folders of the group are move targets")

            #expect(try await WebPageTests.post(api, "/files/\(file)/rename", "name=Geheim", cookie: ria.cookie).status == .forbidden)
            let renamed = try await WebPageTests.post(api, "/files/\(file)/rename", "name=Notulen+maart.txt&_csrf=\(ria.csrf)", cookie: ria.cookie)
            #expect(renamed.status == .seeOther && renamed.headers[.location] == "/files/\(file)")
            #expect(try await api.request(.get, "/files/\(file)", headers: [.cookie: ria.cookie]).text.contains("<h1>Notulen maart.txt</h1>"))

            let moved = try await WebPageTests.post(api, "/files/\(file)/move", "folderId=\(archive)&_csrf=\(ria.csrf)", cookie: ria.cookie)
            #expect(moved.status == .seeOther)
            #expect(try await api.request(.get, "/folders/\(archive)", headers: [.cookie: ria.cookie]).text.contains("Notulen maart.txt"))
            #expect(!(try await api.request(.get, "/folders/\(reports)", headers: [.cookie: ria.cookie]).text.contains("Notulen maart.txt")))

            let closedToAll = try await WebPageTests.post(api, "/files/\(file)/access", "access=public&_csrf=\(ria.csrf)", cookie: ria.cookie)
            #expect(closedToAll.status == .unprocessableContent, "a closed group's files stay with its members")
            #expect(closedToAll.text.contains(#"id="change-access" name="access" aria-invalid="true" aria-describedby="change-access-error""#))
            let madePrivate = try await WebPageTests.post(api, "/files/\(file)/access", "access=private&_csrf=\(ria.csrf)", cookie: ria.cookie)
            #expect(madePrivate.status == .seeOther)
            #expect(try await node.database.contentItem(id: Int64(file))?.access == .private)

            // A folder moves into another one, never into itself.
            let intoItself = try await WebPageTests.post(api, "/folders/\(archive)/move", "folderId=\(archive)&_csrf=\(ria.csrf)", cookie: ria.cookie)
            #expect(intoItself.status == .conflict)
            #expect(intoItself.text.contains(#"aria-invalid="true" aria-describedby="move-target-error""#))
            #expect(intoItself.text.contains(#"<p id="move-target-error" class="field-error">"#))
            #expect(try await WebPageTests.post(api, "/folders/\(archive)/move", "folderId=\(reports)&_csrf=\(ria.csrf)", cookie: ria.cookie).status == .seeOther)
            #expect(try await node.database.contentItem(id: Int64(archive))?.folderId == Int64(reports))

            let unconfirmed = try await WebPageTests.post(api, "/files/\(file)/delete", "_csrf=\(ria.csrf)", cookie: ria.cookie)
            #expect(unconfirmed.status == .unprocessableContent)
            #expect(unconfirmed.text.contains(#"aria-invalid="true" aria-describedby="delete-confirm-error""#))
            #expect(try await node.database.contentItem(id: Int64(file)) != nil, "nothing is deleted without the box ticked")
            let deleted = try await WebPageTests.post(api, "/files/\(file)/delete", "confirm=1&_csrf=\(ria.csrf)", cookie: ria.cookie)
            #expect(deleted.status == .seeOther && deleted.headers[.location] == "/folders/\(archive)")
            #expect(try await api.request(.get, "/files/\(file)", headers: [.cookie: ria.cookie, .accept: "text/html"]).status == .notFound)

            let folderGone = try await WebPageTests.post(api, "/folders/\(reports)/delete", "confirm=1&_csrf=\(ria.csrf)", cookie: ria.cookie)
            #expect(folderGone.status == .seeOther && folderGone.headers[.location] == "/groups/dijken/files")
            #expect(try await node.database.contentItem(id: Int64(archive)) == nil, "with everything in it")
        }
    }

    @Test("someone who cannot change a file gets no forms and is refused")
    func othersCannotChange() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let ria = try await Self.riaWithGroup(api)
            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Open","slug":"open","membershipMode":"open"}"#, token: ria.token)
            let file = try await FileTests.uploaded(api, ria.token, "agenda", fields: ["group": "open", "access": "users"])
            let samToken = try await api.signUp("sam")
            _ = try await api.request(.post, "/api/v1/groups/open/join", token: samToken)
            let sam = try await WebPageTests.session(api, "sam")
            let page = try await api.request(.get, "/files/\(file)", headers: [.cookie: sam.cookie])
            #expect(page.status == .ok && !page.text.contains("/rename\""), "a member who is not the author sees no change forms")
            #expect(try await WebPageTests.post(api, "/files/\(file)/rename", "name=Van+Sam&_csrf=\(sam.csrf)", cookie: sam.cookie).status == .forbidden)
            #expect(try await WebPageTests.post(api, "/files/\(file)/delete", "confirm=1&_csrf=\(sam.csrf)", cookie: sam.cookie).status == .forbidden)
            #expect(try await node.database.contentItem(id: Int64(file))?.title == "notes.txt")
        }
    }

    @Test("a refused upload or new folder comes back with the problem next to its field")
    func fieldLinkedErrors() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let ria = try await Self.riaWithGroup(api)
            let noName = try await WebPageTests.post(api, "/groups/dijken/folders", "name=+&_csrf=\(ria.csrf)", cookie: ria.cookie)
            #expect(noName.status == .unprocessableContent)
            #expect(noName.text.contains(#"id="folder-name" name="name" required maxlength="200" value=" " aria-invalid="true" aria-describedby="folder-name-error""#))
            #expect(noName.text.contains(#"<p id="folder-name-error" class="field-error">must be 1 to 200 characters</p>"#))

            var (body, headers) = FileTests.form(Array("x".utf8), filename: "x.txt", fields: ["access": "everyone"])
            headers[.cookie] = ria.cookie
            let badAccess = try await api.request(.post, "/groups/dijken/files?_csrf=\(ria.csrf)", body: body, headers: headers)
            #expect(badAccess.status == .unprocessableContent)
            #expect(badAccess.text.contains(#"id="upload-access" name="access" aria-invalid="true" aria-describedby="upload-access-error""#))
            #expect(badAccess.text.contains(#"<p id="upload-access-error" class="field-error">must be one of"#))
            #expect(!badAccess.text.contains("x.txt"), "nothing was stored")

            (body, headers) = FileTests.form(Array("x".utf8), filename: "x.txt")
            body = ByteBuffer(string: String(buffer: body).replacingOccurrences(of: "name=\"file\"", with: "name=\"attachment\""))
            headers[.cookie] = ria.cookie
            let noFile = try await api.request(.post, "/groups/dijken/files?_csrf=\(ria.csrf)", body: body, headers: headers)
            #expect(noFile.status == .unprocessableContent)
            #expect(noFile.text.contains(#"aria-describedby="file-hint file-error" aria-invalid="true""#))
            #expect(noFile.text.contains(#"<p id="file-error" class="field-error">choose a file to upload</p>"#))

            let file = try await FileTests.uploaded(api, ria.token, "notulen", fields: ["group": "dijken"])
            let badName = try await WebPageTests.post(api, "/files/\(file)/rename", "name=a%2Fb&_csrf=\(ria.csrf)", cookie: ria.cookie)
            #expect(badName.status == .unprocessableContent)
            #expect(badName.text.contains(#"value="a/b" aria-invalid="true" aria-describedby="rename-name-error""#), "what was typed stays in the field")
            #expect(badName.text.contains(#"id="rename-name-error""#))
            #expect(badName.text.contains(##"<li><a href="#rename-name">New name: must not contain"##), "the summary at the top leads to the field")
            let nowhere = try await WebPageTests.post(api, "/files/\(file)/move", "folderId=999999&_csrf=\(ria.csrf)", cookie: ria.cookie)
            #expect(nowhere.status == .unprocessableContent)
            #expect(nowhere.text.contains(#"id="move-target-error""#))
        }
    }

    @Test("a person's own files page lists their personal files and folders, which others cannot see")
    func personalFiles() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            #expect(try await api.request(.get, "/files", headers: [.accept: "text/html"]).status == .seeOther, "a visitor is sent to sign in")
            _ = try await api.signUp("ria")
            let ria = try await WebPageTests.session(api, "ria")
            let empty = try await api.request(.get, "/files", headers: [.cookie: ria.cookie])
            #expect(empty.status == .ok && empty.text.contains("<h1>My files</h1>"))
            #expect(empty.text.contains(#"action="/files?_csrf=\#(ria.csrf)""#) && empty.text.contains(#"action="/folders""#))

            let folder = try Self.folderId(try await WebPageTests.post(api, "/folders", "name=Eigen&_csrf=\(ria.csrf)", cookie: ria.cookie))
            var (body, headers) = FileTests.form(Array("concept".utf8), filename: "concept.txt", fields: ["folderId": String(folder)])
            headers[.cookie] = ria.cookie
            let uploaded = try await api.request(.post, "/files?_csrf=\(ria.csrf)", body: body, headers: headers)
            #expect(uploaded.status == .seeOther)
            let location = try #require(uploaded.headers[.location])

            #expect(try await api.request(.get, "/files", headers: [.cookie: ria.cookie]).text.contains("Eigen"))
            let folderPage = try await api.request(.get, "/folders/\(folder)", headers: [.cookie: ria.cookie])
            #expect(folderPage.status == .ok && folderPage.text.contains("concept.txt"))
            #expect(folderPage.text.contains(#"<a href="/files">My files</a>"#), "the breadcrumbs start at her own files")
            let filePage = try await api.request(.get, location, headers: [.cookie: ria.cookie])
            #expect(filePage.status == .ok && filePage.text.contains(#"action="\#(location)/rename""#))
            #expect(try await node.database.contentItem(id: Int64(folder))?.groupId == nil)

            _ = try await api.signUp("sam")
            let sam = try await WebPageTests.session(api, "sam")
            #expect(!(try await api.request(.get, "/files", headers: [.cookie: sam.cookie]).text.contains("Eigen")))
            #expect(try await api.request(.get, "/folders/\(folder)", headers: [.cookie: sam.cookie, .accept: "text/html"]).status == .notFound)
            #expect(try await api.request(.get, location, headers: [.cookie: sam.cookie, .accept: "text/html"]).status == .notFound)
        }
    }
}
