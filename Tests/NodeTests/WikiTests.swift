import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Node
import Testing

@Suite("Wiki")
struct WikiTests {
    static let original = "# Werkwijze\nWe overleggen elke maandag.\nNotulen staan in de map.\nVragen via het team.\nTot slot: veel plezier."

    static func setUp(_ api: APIClient) async throws -> (owner: String, member: String, outsider: String, page: Int) {
        let owner = try await api.signUp("yara")
        let member = try await api.signUp("zeno")
        let outsider = try await api.signUp("abel")
        _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Project X","slug":"project-x","membershipMode":"closed"}"#, token: owner)
        _ = try await api.request(.post, "/api/v1/groups/project-x/members", json: #"{"username":"zeno"}"#, token: owner)
        _ = try await api.request(.post, "/api/v1/groups/project-x/join", token: member)
        let created = try await api.request(.post, "/api/v1/groups/project-x/wiki",
                                            json: try String(decoding: JSONSerialization.data(withJSONObject: ["title": "Werkwijze", "body": original]), as: UTF8.self), token: owner)
        #expect(created.status == .created)
        return (owner, member, outsider, try #require(try created.jsonObject()["id"] as? Int))
    }

    static func edit(_ api: APIClient, _ page: Int, token: String, base: Int, body: String) async throws -> TestResponse {
        let json = try String(decoding: JSONSerialization.data(withJSONObject: ["body": body, "baseRevision": base]), as: UTF8.self)
        return try await api.request(.put, "/api/v1/wiki/\(page)", json: json, token: token)
    }

    @Test("two concurrent edits of different lines are merged; an overlapping one is refused with both versions kept")
    func concurrentEdits() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let (owner, member, _, page) = try await Self.setUp(api)
            // Both start from revision 1.
            let ownerText = Self.original.replacingOccurrences(of: "elke maandag", with: "elke dinsdag")
            let memberText = Self.original.replacingOccurrences(of: "veel plezier", with: "succes!")
            let first = try await Self.edit(api, page, token: owner, base: 1, body: ownerText)
            #expect(first.status == .ok)
            #expect(try first.jsonObject()["revision"] as? Int == 2)
            let second = try await Self.edit(api, page, token: member, base: 1, body: memberText)
            #expect(second.status == .ok)
            #expect(try second.jsonObject()["merged"] as? Bool == true)
            let merged = try #require(try second.jsonObject()["body"] as? String)
            #expect(merged.contains("elke dinsdag") && merged.contains("succes!"), "both edits survive the merge")

            // A third edit from revision 1 changes the line the owner changed: refused.
            let clashing = Self.original.replacingOccurrences(of: "elke maandag", with: "elke woensdag")
            let refused = try await Self.edit(api, page, token: member, base: 1, body: clashing)
            #expect(refused.status == .conflict)
            #expect(refused.headers[.contentType] == "application/problem+json")
            let problem = try refused.jsonObject()
            #expect((problem["current"] as? [String: Any])?["body"] as? String == merged)
            #expect((problem["yours"] as? [String: Any])?["body"] as? String == clashing)
            #expect(problem["conflictId"] is Int)
            let current = try await api.request(.get, "/api/v1/wiki/\(page)", token: owner)
            #expect(try current.jsonObject()["revision"] as? Int == 3, "the refused edit changed nothing")
        }
        let conflicts = try await node.database.wikiConflicts(pageId: 1)
        #expect(conflicts.count == 1)
        #expect(conflicts.first?.body.contains("elke woensdag") == true, "the refused text is kept on the node")
    }

    @Test("every revision is kept and any two can be compared")
    func historyAndDiff() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let (owner, _, outsider, page) = try await Self.setUp(api)
            _ = try await Self.edit(api, page, token: owner, base: 1, body: Self.original + "\nNieuwe regel.")
            _ = try await Self.edit(api, page, token: owner, base: 2, body: "Alles anders.")
            let history = try await api.request(.get, "/api/v1/wiki/\(page)/revisions", token: owner)
            #expect((try JSONSerialization.jsonObject(with: Data(buffer: history.body)) as? [[String: Any]])?.compactMap { $0["number"] as? Int } == [1, 2, 3])
            let diff = try await api.request(.get, "/api/v1/wiki/\(page)/diff?from=1&to=2", token: owner)
            let lines = try #require(try diff.jsonObject()["lines"] as? [[String: String]])
            #expect(lines.filter { $0["op"] == "+" }.map { $0["text"] } == ["Nieuwe regel."])
            #expect(lines.filter { $0["op"] == "-" }.isEmpty)
            let old = try await api.request(.get, "/api/v1/wiki/\(page)/revisions/1", token: owner)
            #expect(try old.jsonObject()["body"] as? String == Self.original)
            #expect(try await api.request(.get, "/api/v1/wiki/\(page)", token: outsider).status == .notFound, "a closed group's wiki is for members")
            #expect(try await Self.edit(api, page, token: outsider, base: 3, body: "x").status == .notFound)
            #expect(try await Self.edit(api, page, token: owner, base: 9, body: "x").status == .unprocessableContent)
        }
    }

    @Test("pages and revisions outlive their authors' accounts; a hidden group's wiki does not exist for outsiders")
    func ownershipAndHiding() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let (owner, member, outsider, page) = try await Self.setUp(api)
            _ = try await Self.edit(api, page, token: member, base: 1, body: "Door zeno geschreven.")
            let admin = try await api.token(node.admin.username, node.admin.password)
            #expect(try await api.request(.delete, "/api/v1/admin/users/zeno", token: admin).status == .noContent)
            let current = try await api.request(.get, "/api/v1/wiki/\(page)", token: owner)
            #expect(try current.jsonObject()["body"] as? String == "Door zeno geschreven.")
            let history = try await api.request(.get, "/api/v1/wiki/\(page)/revisions", token: owner)
            #expect(history.text.contains("(deleted account)"))

            _ = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Stil","slug":"stil","isHidden":true}"#, token: owner)
            #expect(try await api.request(.get, "/api/v1/groups/stil/wiki", token: outsider).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/groups/stil/wiki", token: owner).status == .ok)
        }
    }

    @Test("three-way merge rules", arguments: [
        ("a\nb\nc", "A\nb\nc", "a\nb\nC", "A\nb\nC"),
        ("a\nb\nc", "a\nB\nc", "a\nB\nc", "a\nB\nc"),
        ("a\nb\nc", "a\nb\nc\nd", "z\na\nb\nc", "z\na\nb\nc\nd"),
    ])
    func merges(base: String, ours: String, theirs: String, expected: String) {
        #expect(TextMerge.merge(base: base, ours: ours, theirs: theirs) == expected)
    }

    @Test("edits of the same or adjacent lines conflict")
    func conflicts() {
        #expect(TextMerge.merge(base: "a\nb\nc", ours: "a\nX\nc", theirs: "a\nY\nc") == nil)
        #expect(TextMerge.merge(base: "a\nb\nc", ours: "A\nb\nc", theirs: "a\nB\nc") == nil)
    }
}
