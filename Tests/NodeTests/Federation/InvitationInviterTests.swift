import Federation
import Foundation
import NIOHTTP1
@testable import Node
import Storage
import Testing

/// The `invitedBy` of a group's `Invite` only names someone in a notification.
@Suite("The inviter named in an invitation from another node")
struct InvitationInviterTests {
    @Test("an Invite whose invitedBy names a person of another node than the group's is applied, but names nobody")
    func inviterOfAnotherNodeIsNotBelieved() async throws {
        let a = try await LiveNode.start()
        let b = try await LiveNode.start()
        let c = try await LiveNode.start()
        defer { Task { await a.stop(); await b.stop(); await c.stop() } }
        let (_, anna) = try await a.user("anna")
        let (bobAccount, bob) = try await b.user("bob")
        _ = try await c.user("carl")
        #expect(try await GroupFederationTests.api(.POST, a, "/groups", #"{"name":"Water","slug":"water","membershipMode":"closed"}"#, token: anna).status == 201)
        let group = try #require(try await a.database.group(slug: "water"))
        let groupActor = "\(a.base)/groups/water"

        // The group on A signs an Invite for Bob that claims Carl of node C invited him.
        let invite: [String: Any] = ["@context": "https://www.w3.org/ns/activitystreams", "id": "\(a.base)/activities/forged-inviter",
                                     "type": "Invite", "actor": groupActor, "object": groupActor, "target": b.personId("bob"),
                                     "to": [b.personId("bob")], "invitedBy": c.personId("carl")]
        let keys = try await a.services.federation.keyring.keys(owner: "group:\(group.id!)")
        let body = try JSONSerialization.data(withJSONObject: invite, options: [.sortedKeys, .withoutEscapingSlashes])
        let status = try await a.services.federation.client.post("\(b.base)/inbox", body: body,
                                                                 signing: .rfc9421(keys.ed25519, keyId: LocalActorURLs.ed25519KeyId(groupActor)))
        #expect(status == 202)
        try await eventually("B shows Bob the invitation") {
            guard let mirror = try await b.database.group(actorId: groupActor) else { return false }
            return try await b.database.membership(groupId: mirror.id!, accountId: bobAccount.id!)?.state == .invited
        }
        let invitation = GroupFederationTests.items(try await GroupFederationTests.api(.GET, b, "/me/notifications", token: bob))
            .first { $0["kind"] as? String == "group.invited" }
        #expect(invitation != nil)
        #expect(invitation?["actor"] == nil || invitation?["actor"] is NSNull, "Carl is not named: the group cannot speak for node C")
        #expect(try await b.database.account(actorId: c.personId("carl")) == nil, "nor is Carl fetched")
    }
}
