import Federation
import Foundation
import NIOHTTP1
@testable import Node
import Storage
import Testing

/// Deleting a whole group on its home node reaches every node that holds a
/// mirror of it, with three real nodes: the home node A, a member's node B,
/// and C, whose person only looked the group up (so A's ledger lists C).
@Suite("Deleting a group across nodes")
struct GroupDeletionTests {
    @Test("the group's Delete removes B's mirror with its members, content and wiki pages; Deletes by others and a delete of the mirror change nothing; C, down at first, catches up; the ledger closes")
    func deletionReachesEveryMirror() async throws {
        let api = GroupFederationTests.api
        let a = try await LiveNode.start()
        let b = try await LiveNode.start()
        let cHost = LoopbackAddress.next()
        let c = try await LiveNode.start(host: cHost)
        defer { Task { await a.stop(); await b.stop() } }
        let (_, anna) = try await a.user("anna")
        let (bobAccount, bob) = try await b.user("bob")
        let (_, carl) = try await c.user("carl")
        #expect(try await api(.POST, a, "/groups", #"{"name":"Harbour","slug":"harbour"}"#, anna).status == 201)
        let slug = "harbour@\(a.authority)"
        let groupActor = "\(a.base)/groups/harbour"

        // Bob joins from B; Carl only looks the group up from C.
        #expect(try await api(.POST, b, "/groups/lookup", #"{"group":"\#(slug)"}"#, bob).status == 200)
        #expect(try await api(.POST, b, "/groups/\(slug)/join", nil, bob).status == 200)
        #expect(try await api(.POST, c, "/groups/lookup", #"{"group":"\#(slug)"}"#, carl).status == 200)
        try await eventually("Bob is a member") {
            ((try await api(.GET, b, "/groups/\(slug)", nil, bob).json as? [String: Any])?["membership"] as? [String: Any])?["state"] as? String == "member"
        }

        // Content on both sides, and a wiki page; B mirrors them.
        let posted = try await api(.POST, a, "/content", #"{"type":"status","body":"Quay closed on Friday","group":"harbour"}"#, anna)
        let annaItem = "\(a.base)/content/\(try #require((posted.json as? [String: Any])?["id"] as? Int))"
        #expect(try await api(.POST, b, "/content", #"{"type":"status","body":"Noted","group":"\#(slug)"}"#, bob).status == 201)
        let page = try await api(.POST, a, "/groups/harbour/wiki", #"{"title":"Moorings","body":"berth 1"}"#, anna)
        let pageURL = "\(a.base)/wiki/\(try #require((page.json as? [String: Any])?["id"] as? Int))"
        try await eventually("B holds the group's post and page, and A Bob's post") {
            let copy = try await b.database.contentItem(apId: annaItem)
            let mirroredPage = try await b.database.wikiPage(apId: pageURL)
            let onA = Self.items(try await api(.GET, a, "/groups/harbour/content", nil, anna)).contains { $0["body"] as? String == "Noted" }
            return copy != nil && mirroredPage != nil && onA
        }
        let mirror = try #require(try await b.database.group(actorId: groupActor))
        #expect(try await c.database.group(actorId: groupActor) != nil)

        // Deleting the mirror on B is not deleting the group: 409, naming the home node.
        let refused = try await api(.DELETE, b, "/groups/\(slug)", nil, bob)
        #expect(refused.status == 409)
        #expect(((refused.json as? [String: Any])?["detail"] as? String)?.contains(a.authority) == true)
        #expect(try await b.database.group(actorId: groupActor) != nil)

        // A Delete of the group by anyone but the group is ignored: Carl of C,
        // and Anna, its owner, whose key is on the group's own node.
        let forged = ["type": "Delete", "object": groupActor, "to": ["https://www.w3.org/ns/activitystreams#Public"]] as [String: Any]
        var byCarl = forged
        byCarl["id"] = "\(c.base)/activities/delete-harbour"
        byCarl["actor"] = c.personId("carl")
        #expect(try await GroupInboxSecurityTests.send(byCarl, to: "\(b.base)/inbox", from: c, as: "carl") == 202)
        var byAnna = forged
        byAnna["id"] = "\(a.base)/activities/delete-harbour"
        byAnna["actor"] = a.personId("anna")
        #expect(try await GroupInboxSecurityTests.send(byAnna, to: "\(b.base)/inbox", from: a, as: "anna") == 202)
        try await eventually("B handled both") {
            let deletes = try await b.database.receivedActivities(type: "Delete")
            return deletes.count == 2 && deletes.allSatisfy { $0.state != .pending }
        }
        #expect(try await b.database.receivedActivities(type: "Delete").allSatisfy { $0.state == .ignored })
        #expect(try await b.database.group(actorId: groupActor) != nil)
        #expect(try await b.database.contentItem(apId: annaItem) != nil)

        // B's cached copy of the group is older than the cache lifetime: the
        // Delete must still verify against the key B knew.
        var cached = try #require(try await b.database.remoteActor(id: groupActor))
        cached.fetchedAt = Date().addingTimeInterval(-3 * 24 * 3600)
        try await b.database.saveRemoteActor(cached)

        // C is down when Anna deletes the group.
        let cData = c.services.configuration.dataDirectory
        await c.stop()
        #expect(try await api(.DELETE, a, "/groups/harbour", nil, anna).status == 204)
        #expect(try await a.database.group(slug: "harbour") == nil)

        // B removes the mirror with everything in it, and confirms.
        try await eventually("B dropped the mirror") {
            let group = try await b.database.group(actorId: groupActor)
            let copy = try await b.database.contentItem(apId: annaItem)
            let mirroredPage = try await b.database.wikiPage(apId: pageURL)
            let membership = try await b.database.membership(groupId: mirror.id!, accountId: bobAccount.id!)
            return group == nil && copy == nil && mirroredPage == nil && membership == nil
        }
        #expect(try await api(.GET, b, "/groups/\(slug)", nil, bob).status == 404)
        // Bob is told, by the group's name.
        let told = GroupFederationTests.items(try await api(.GET, b, "/me/notifications", nil, bob)).first { $0["kind"] as? String == "group.deleted" }
        #expect(told?["groupName"] as? String == "Harbour")
        let notificationsPage = try await LiveHTTP.request(.GET, "\(b.base)/notifications", token: bob)
        #expect(notificationsPage.body.contains("deleted on its home node") && notificationsPage.body.contains("Harbour"))
        #expect(try await b.database.remoteActor(id: groupActor) == nil)
        try await eventually("B's confirmation closed its entries in A's ledger") {
            let entries = try await a.database.ledgerEntries(host: b.authority).filter { $0.deletionActivityId != nil }
            return !entries.isEmpty && entries.allSatisfy { $0.deletionConfirmedAt != nil }
        }
        let bEntries = try await a.database.ledgerEntries(host: b.authority)
        #expect(bEntries.contains { $0.objectId == groupActor && $0.deletionConfirmedAt != nil })
        #expect(bEntries.contains { $0.objectId == annaItem && $0.deletionConfirmedAt != nil })

        // The operator sees C's deletion still open.
        let dataDir = a.services.configuration.dataDirectory.path
        let (openStatus, openOutput) = try await NodeProcess.run(["ledger", "--data-dir", dataDir, "--open"])
        #expect(openStatus == 0)
        #expect(openOutput.contains(c.authority) && openOutput.contains(groupActor))
        #expect(!openOutput.contains(b.authority))

        // C comes back, receives the Delete, drops its mirror and confirms.
        let cAgain = try await LiveNode.start(host: cHost, settings: ["DATA_DIR": cData.path])
        defer { Task { await cAgain.stop() } }
        try await eventually("C dropped its mirror", timeout: .seconds(120)) { try await cAgain.database.group(actorId: groupActor) == nil }
        try await eventually("no deletion is open at A", timeout: .seconds(120)) {
            try await a.database.ledgerEntries(openDeletionsOnly: true).isEmpty
        }
        let (status, output) = try await NodeProcess.run(["ledger", "--data-dir", dataDir, "--object", groupActor])
        #expect(status == 0)
        #expect(output.contains(b.authority) && output.contains(c.authority))
        #expect(output.contains("0 open"))
    }

    static func items(_ response: (status: Int, json: Any?)) -> [[String: Any]] { GroupFederationTests.items(response) }
}
