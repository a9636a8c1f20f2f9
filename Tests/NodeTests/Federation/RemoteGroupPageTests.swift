import Foundation
@testable import Node
import Testing

@Suite("Pages of groups from other nodes")
struct RemoteGroupPageTests {
    @Test("Bob of node B opens a group of node A from his notifications, also with its colon percent-encoded; the page names its home node and offers to accept, not to manage")
    func mirroredGroupPage() async throws {
        let a = try await LiveNode.start()
        let b = try await LiveNode.start()
        defer { Task { await a.stop(); await b.stop() } }
        let (_, anna) = try await a.user("anna")
        let (bobAccount, bob) = try await b.user("bob")
        #expect(try await GroupFederationTests.api(.POST, a, "/groups", #"{"name":"Water","slug":"water","membershipMode":"closed"}"#, token: anna).status == 201)
        _ = try await GroupFederationTests.api(.POST, a, "/groups/water/members", #"{"username":"bob@\#(b.authority)"}"#, token: anna)
        try await eventually("B shows Bob the invitation") {
            guard let mirror = try await b.database.group(actorId: "\(a.base)/groups/water") else { return false }
            return try await b.database.membership(groupId: mirror.id!, accountId: bobAccount.id!)?.state == .invited
        }

        let slug = "water@\(a.authority)"
        let notifications = try await LiveHTTP.request(.GET, "\(b.base)/notifications", token: bob)
        #expect(notifications.body.contains("href=\"/groups/\(slug)\""))
        #expect(!notifications.body.contains("href=\"/users/\""), "an invitation without a local person links no empty profile")

        for path in ["/groups/\(slug)", "/groups/water@\(a.host)%3A\(a.port)"] {
            let page = try await LiveHTTP.request(.GET, b.base + path, token: bob)
            #expect(page.status == 200, "\(path)")
            #expect(page.body.contains("home is the node <a href=\"\(a.base)/groups/water\">\(a.authority)</a>"))
            #expect(page.body.contains("action=\"/groups/\(slug)/join\""))
            #expect(!page.body.contains("/groups/\(slug)/settings"), "settings are managed on the home node")
        }
    }
}
