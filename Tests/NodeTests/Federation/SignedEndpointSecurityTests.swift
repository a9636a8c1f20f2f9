import AsyncHTTPClient
import Federation
import Foundation
import NIOCore
import NIOHTTP1
@testable import Node
import Storage
import Testing

/// The security rules on the newest endpoints between nodes and on the pages
/// that use them: the signed POSTs a member's node sends to a group's home
/// node refuse forged, stale and altered requests and store nothing; the
/// member node's forms need their CSRF token; names and titles from another
/// node are escaped in its pages.
@Suite("Signed endpoints and member-node pages")
struct SignedEndpointSecurityTests {
    /// Node A with Anna's group `plans` (named with markup), node B with Bob, a
    /// member, and Mallory, who is not.
    struct Nodes {
        let a: LiveNode
        let b: LiveNode
        let anna: String
        let bob: String
        let slug: String
        static let groupName = #"Plans <script>alert("group")</script>"#

        static func make() async throws -> Nodes {
            let api = GroupFederationTests.api
            let a = try await LiveNode.start()
            let b = try await LiveNode.start()
            let (_, anna) = try await a.user("anna")
            let (_, bob) = try await b.user("bob")
            _ = try await b.user("mallory")
            let name = String(data: try JSONSerialization.data(withJSONObject: [groupName], options: .withoutEscapingSlashes), encoding: .utf8)!
                .dropFirst().dropLast()
            #expect(try await api(.POST, a, "/groups", #"{"name":\#(name),"slug":"plans"}"#, anna).status == 201)
            let slug = "plans@\(a.authority)"
            #expect(try await api(.POST, b, "/groups/lookup", #"{"group":"\#(slug)"}"#, bob).status == 200)
            #expect(try await api(.POST, b, "/groups/\(slug)/join", nil, bob).status == 200)
            try await eventually("Bob is a member") {
                ((try await api(.GET, b, "/groups/\(slug)", nil, bob).json as? [String: Any])?["membership"] as? [String: Any])?["state"] as? String == "member"
            }
            return Nodes(a: a, b: b, anna: anna, bob: bob, slug: slug)
        }

        func stop() async {
            await a.stop()
            await b.stop()
        }

        func keys(_ username: String) async throws -> LocalKeyring.Keys {
            let account = try #require(try await b.database.account(username: username))
            return try await b.services.federation.keyring.keys(owner: "account:\(account.id!)")
        }

        /// POSTs `json` to `url` signed by `keyOf`'s key under the key id of
        /// `keyIdOf` (both people of node B); `alter` changes the request after signing.
        func post(_ json: String, to url: String, keyOf signer: String, keyIdOf claimed: String, created: Date = Date(),
                  alter: (inout SignableRequest) -> Void = { _ in }) async throws -> Int {
            try await InboxSecurityTests.post(Data(json.utf8), to: url, signer: claimed, keys: try await keys(signer), actorBase: b.base,
                                              created: created, alter: alter)
        }
    }

    static let twoHoursAgo = Date().addingTimeInterval(-7200)

    static func changeBody(_ request: inout SignableRequest) {
        request.body = Array(String(decoding: request.body ?? [], as: UTF8.self).replacingOccurrences(of: "Budget", with: "Bidget").utf8)
    }

    @Test("new wiki pages, wiki edits and group inbox posts signed by a key that is not the actor's, stale or with a changed body are refused and store nothing")
    func signedEndpoints() async throws {
        let nodes = try await Nodes.make()
        defer { Task { await nodes.stop() } }
        let (a, anna) = (nodes.a, nodes.anna)
        let api = GroupFederationTests.api

        // POST /groups/plans/wiki/pages, on Bob's behalf.
        let pages = "\(a.base)/groups/plans/wiki/pages"
        let page = #"{"title":"Budget","body":"line one"}"#
        #expect(try await nodes.post(page, to: pages, keyOf: "mallory", keyIdOf: "bob") == 401, "Mallory's key under Bob's key id")
        #expect(try await nodes.post(page, to: pages, keyOf: "bob", keyIdOf: "bob", created: Self.twoHoursAgo) == 401, "stale")
        #expect(try await nodes.post(page, to: pages, keyOf: "bob", keyIdOf: "bob", alter: Self.changeBody) == 401, "body changed after signing")
        #expect(GroupFederationTests.items(try await api(.GET, a, "/groups/plans/wiki", nil, anna)).isEmpty, "no page was made")
        #expect(try await nodes.post(page, to: pages, keyOf: "bob", keyIdOf: "bob") == 201, "the same page, signed by Bob, is made")
        let made = GroupFederationTests.items(try await api(.GET, a, "/groups/plans/wiki", nil, anna))
        #expect(made.count == 1)
        let pageId = try #require(made.first?["id"] as? Int)

        // POST /wiki/ID/edits, on Bob's behalf.
        let edits = "\(a.base)/wiki/\(pageId)/edits"
        let edit = #"{"baseRevision":1,"body":"line one\nBudget agreed"}"#
        #expect(try await nodes.post(edit, to: edits, keyOf: "mallory", keyIdOf: "bob") == 401)
        #expect(try await nodes.post(edit, to: edits, keyOf: "bob", keyIdOf: "bob", created: Self.twoHoursAgo) == 401)
        #expect(try await nodes.post(edit, to: edits, keyOf: "bob", keyIdOf: "bob", alter: Self.changeBody) == 401)
        #expect((try await api(.GET, a, "/wiki/\(pageId)", nil, anna).json as? [String: Any])?["revision"] as? Int == 1, "no edit was stored")
        #expect(try await nodes.post(edit, to: edits, keyOf: "bob", keyIdOf: "bob") == 200)
        #expect((try await api(.GET, a, "/wiki/\(pageId)", nil, anna).json as? [String: Any])?["revision"] as? Int == 2)

        // POST /groups/plans/inbox: a Create of a post by Bob.
        let group = "\(a.base)/groups/plans"
        let bobId = nodes.b.personId("bob")
        func create(_ n: Int) throws -> String {
            let note: [String: Any] = ["id": "\(nodes.b.base)/content/\(900 + n)", "type": "Note", "attributedTo": bobId,
                                       "content": "<p>Budget post \(n)</p>", "audience": group, "to": [group]]
            let activity: [String: Any] = ["@context": "https://www.w3.org/ns/activitystreams", "id": "\(nodes.b.base)/activities/sec-\(n)",
                                           "type": "Create", "actor": bobId, "object": note, "audience": group, "to": [group]]
            return String(decoding: try InboxSecurityTests.encode(activity), as: UTF8.self)
        }
        let inbox = "\(group)/inbox"
        let storedBefore = try await a.database.receivedActivities(type: "Create", limit: 100).count
        #expect(try await nodes.post(try create(1), to: inbox, keyOf: "mallory", keyIdOf: "mallory") == 401, "signed by Mallory, claiming Bob")
        #expect(try await nodes.post(try create(2), to: inbox, keyOf: "mallory", keyIdOf: "bob") == 401, "Mallory's key under Bob's key id")
        #expect(try await nodes.post(try create(3), to: inbox, keyOf: "bob", keyIdOf: "bob", created: Self.twoHoursAgo) == 401)
        #expect(try await nodes.post(try create(4), to: inbox, keyOf: "bob", keyIdOf: "bob", alter: Self.changeBody) == 401)
        #expect(try await a.database.receivedActivities(type: "Create", limit: 100).count == storedBefore, "nothing stored")
        #expect(try await nodes.post(try create(5), to: inbox, keyOf: "bob", keyIdOf: "bob") == 202)
        try await eventually("Bob's genuine post is in the group") { try await a.database.contentItem(apId: "\(nodes.b.base)/content/905") != nil }
        for n in 1...4 { #expect(try await a.database.contentItem(apId: "\(nodes.b.base)/content/\(900 + n)") == nil) }
    }

    @Test("the member node's new-page form and a group deletion by cookie need the CSRF token; group names and page titles from the home node are escaped")
    func memberNodePages() async throws {
        let nodes = try await Nodes.make()
        defer { Task { await nodes.stop() } }
        let (a, b, anna, bob, slug) = (nodes.a, nodes.b, nodes.anna, nodes.bob, nodes.slug)
        let api = GroupFederationTests.api

        // A new page from B's form, without the session's token: refused, made nowhere.
        let (bobCookie, bobCSRF) = try await RemoteWikiPageTests.session(b, "bob")
        for form in ["title=Forged&body=x", "title=Forged&body=x&_csrf=not-the-token"] {
            #expect(try await RemoteWikiPageTests.postForm("\(b.base)/groups/\(slug)/wiki", form, cookie: bobCookie).status == 403)
        }
        #expect(GroupFederationTests.items(try await api(.GET, a, "/groups/plans/wiki", nil, anna)).isEmpty)
        #expect(GroupFederationTests.items(try await api(.GET, b, "/groups/\(slug)/wiki", nil, bob)).isEmpty)
        #expect(try await RemoteWikiPageTests.postForm("\(b.base)/groups/\(slug)/wiki", "title=Real&body=x&_csrf=\(bobCSRF)", cookie: bobCookie).status == 303)

        // A page of A's whose title carries markup, shown on B.
        let title = #"<img src=x onerror=alert("title")> Minutes"#
        let titleJSON = String(data: try JSONSerialization.data(withJSONObject: [title]), encoding: .utf8)!.dropFirst().dropLast()
        let created = try await api(.POST, a, "/groups/plans/wiki", #"{"title":\#(titleJSON),"body":"agreed"}"#, anna)
        #expect(created.status == 201)
        let pageURL = "\(a.base)/wiki/\(try #require((created.json as? [String: Any])?["id"] as? Int))"
        try await eventually("B mirrors Anna's page") { try await b.database.wikiPage(apId: pageURL) != nil }
        let mirrored = try #require(try await b.database.wikiPage(apId: pageURL)?.id)
        for path in ["/wiki/\(mirrored)", "/groups/\(slug)/wiki"] {
            let html = try await RemoteWikiPageTests.get("\(b.base)\(path)", cookie: bobCookie)
            #expect(html.status == 200)
            #expect(html.body.contains("&lt;img src=x onerror=alert(") && html.body.contains("Minutes"), "\(path) shows the title as text")
            #expect(!html.body.contains("<img src=x"), "\(path) does not carry the title's markup")
        }

        // Deleting the group with Anna's session cookie but without the CSRF header: refused, the group stays.
        let (annaCookie, annaCSRF) = try await RemoteWikiPageTests.session(a, "anna")
        #expect(try await Self.delete("\(a.base)/api/v1/groups/plans", cookie: annaCookie, csrf: nil) == 403)
        #expect(try await Self.delete("\(a.base)/api/v1/groups/plans", cookie: annaCookie, csrf: "not-the-token") == 403)
        #expect(try await a.database.group(slug: "plans") != nil)
        #expect(try await Self.delete("\(a.base)/api/v1/groups/plans", cookie: annaCookie, csrf: annaCSRF) == 204)

        // Bob is told on B, by the group's name, which is shown as text.
        try await eventually("B dropped the mirror and told Bob") {
            GroupFederationTests.items(try await api(.GET, b, "/me/notifications", nil, bob)).contains { $0["kind"] as? String == "group.deleted" }
        }
        let notifications = try await RemoteWikiPageTests.get("\(b.base)/notifications", cookie: bobCookie)
        #expect(notifications.body.contains("Plans &lt;script&gt;alert("))
        #expect(!notifications.body.contains("<script>alert("))
    }

    @Test("a group's announces never claim ids on the member node's origin: its people's items, new items and wiki pages stay its own")
    func announcesKeepOrigins() async throws {
        let nodes = try await Nodes.make()
        defer { Task { await nodes.stop() } }
        let (a, b, bob, slug) = (nodes.a, nodes.b, nodes.bob, nodes.slug)
        let api = GroupFederationTests.api
        let posted = try await api(.POST, b, "/content", #"{"type":"status","body":"Bob's post","group":"\#(slug)"}"#, bob)
        let bobItemId = try #require((posted.json as? [String: Any])?["id"] as? Int)
        let bobItem = "\(b.base)/content/\(bobItemId)"
        let group = "\(a.base)/groups/plans"
        let groupRow = try #require(try await a.database.group(slug: "plans"))
        let keys = try await a.services.federation.keyring.keys(owner: "group:\(groupRow.id!)")
        let (anna, bobId) = (a.personId("anna"), b.personId("bob"))
        func note(_ id: String, by author: String, _ text: String) -> [String: Any] {
            ["id": id, "type": "Note", "attributedTo": author, "content": "<p>\(text)</p>", "audience": group, "to": [group]]
        }
        // Signed by the group itself, as its home node would send them.
        let inner: [[String: Any]] = [
            // Bob's post on B, rewritten in Bob's name.
            ["id": "\(b.base)/activities/forged-1", "type": "Update", "actor": bobId, "audience": group, "object": note(bobItem, by: bobId, "rewritten")],
            // A new item in Bob's name with an id on B's origin.
            ["id": "\(b.base)/activities/forged-2", "type": "Create", "actor": bobId, "audience": group, "object": note("\(b.base)/content/998", by: bobId, "mine")],
            // A new item by Anna with an id on B's origin.
            ["id": "\(a.base)/activities/forged-3", "type": "Create", "actor": anna, "audience": group, "object": note("\(b.base)/content/999", by: anna, "mine")],
            // A wiki page of the group with an id on B's origin.
            ["id": "\(group)/activities/forged-4", "type": "Create", "actor": group, "audience": group,
             "object": ["id": "\(b.base)/wiki/999", "type": "Document", "name": "Claimed", "attributedTo": group, "audience": group,
                        "source": ["content": "claimed", "mediaType": "text/markdown"], WikiObjects.revisionProperty: 1]],
            // The control: Anna's item on A's origin is taken.
            ["id": "\(a.base)/activities/genuine-5", "type": "Create", "actor": anna, "audience": group, "object": note("\(a.base)/content/5000", by: anna, "genuine")],
        ]
        // And one that names the announced activity instead of embedding it: nothing is fetched for it.
        let named: [Any] = inner.map { $0 as Any } + ["\(a.base)/activities/genuine-5"]
        for (n, activity) in named.enumerated() {
            let announce: [String: Any] = ["@context": "https://www.w3.org/ns/activitystreams", "id": "\(group)/activities/announce-\(n)",
                                           "type": "Announce", "actor": group, "audience": group, "to": [group], "object": activity]
            let status = try await a.services.federation.client.post("\(b.base)/inbox", body: try InboxSecurityTests.encode(announce),
                                                                     signing: .rfc9421(keys.ed25519, keyId: LocalActorURLs.ed25519KeyId(group)))
            #expect(status == 202)
        }
        try await eventually("B handled the six announces") {
            let handled = try await b.database.receivedActivities(type: "Announce", limit: 100).filter { $0.activityId.contains("/activities/announce-") }
            return handled.count == 6 && handled.allSatisfy { $0.state != .pending }
        }
        #expect(try await b.database.contentItem(apId: "\(a.base)/content/5000") != nil, "the genuine announce was applied")
        #expect(try await b.database.contentItem(id: Int64(bobItemId))?.body == "Bob's post")
        #expect(try await b.database.contentItem(apId: "\(b.base)/content/998") == nil)
        #expect(try await b.database.contentItem(apId: "\(b.base)/content/999") == nil)
        #expect(try await b.database.contentItem(id: 998)?.body.contains("mine") != true)
        #expect(try await b.database.contentItem(id: 999)?.body.contains("mine") != true)
        #expect(try await b.database.wikiPage(apId: "\(b.base)/wiki/999") == nil)
        let forged = try await b.database.receivedActivities(type: "Announce", limit: 100).filter {
            ["announce-0", "announce-1", "announce-2", "announce-3", "announce-5"].contains(String($0.activityId.split(separator: "/").last ?? ""))
        }
        #expect(forged.count == 5 && forged.allSatisfy { $0.state == .ignored })
    }

    /// A DELETE with a session cookie and, optionally, an `X-CSRF-Token` header.
    static func delete(_ url: String, cookie: String, csrf: String?) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .DELETE
        request.headers.add(name: "Cookie", value: cookie)
        if let csrf { request.headers.add(name: "X-CSRF-Token", value: csrf) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }
}
