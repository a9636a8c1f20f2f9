import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Node
import Storage
import Testing

@Suite("Groups on one node")
struct GroupTests {
    static func create(_ api: APIClient, token: String, _ json: String) async throws -> [String: Any] {
        let response = try await api.request(.post, "/api/v1/groups", json: json, token: token)
        guard response.status == .created else { throw TestFailure("group not created: \(response.status) \(response.text)") }
        return try response.jsonObject()
    }

    static func membership(_ response: TestResponse) throws -> [String: Any]? {
        try response.jsonObject()["membership"] as? [String: Any]
    }

    @Test("the creator owns a new group; the slug comes from the name and is unique")
    func create() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let anna = try await api.signUp("anna")
            let group = try await Self.create(api, token: anna, #"{"name":"Water & Bodem 2026","description":"Samen werken aan water","tags":["Water","bodem","water"]}"#)
            #expect(group["slug"] as? String == "water-bodem-2026")
            #expect(group["tags"] as? [String] == ["water", "bodem"])
            #expect((group["membership"] as? [String: Any])?["role"] as? String == "owner")
            #expect(group["memberCount"] as? Int == 1)
            let duplicate = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Water Bodem 2026","slug":"water-bodem-2026"}"#, token: anna)
            #expect(duplicate.status == .conflict)
            let invalid = try await api.request(.post, "/api/v1/groups", json: #"{"name":"","slug":"-bad-","colour":"blue"}"#, token: anna)
            #expect(invalid.status == .unprocessableContent)
            let anonymous = try await api.request(.post, "/api/v1/groups", json: #"{"name":"Anon"}"#)
            #expect(anonymous.status == .unauthorized)
        }
        #expect(try await node.database.groups(visibleTo: nil, everything: true).count == 1)
    }

    @Test("anyone joins an open group and sees its welcome message; leaving ends membership")
    func openGroup() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let owner = try await api.signUp("bert")
            let joiner = try await api.signUp("cora")
            _ = try await Self.create(api, token: owner, #"{"name":"Open Data","welcomeMessage":"Welkom! Stel je voor."}"#)
            let join = try await api.request(.post, "/api/v1/groups/open-data/join", token: joiner)
            #expect(join.status == .ok)
            #expect(try join.jsonObject()["state"] as? String == "member")
            #expect(try join.jsonObject()["welcomeMessage"] as? String == "Welkom! Stel je voor.")
            let members = try await api.request(.get, "/api/v1/groups/open-data/members", token: joiner)
            #expect((try JSONSerialization.jsonObject(with: Data(buffer: members.body)) as? [[String: Any]])?.map { $0["username"] as? String } == ["bert", "cora"])
            #expect(try await api.request(.post, "/api/v1/groups/open-data/leave", token: joiner).status == .noContent)
            let after = try await api.request(.get, "/api/v1/groups/open-data", token: joiner)
            #expect(try Self.membership(after) == nil)
            #expect(try after.jsonObject()["memberCount"] as? Int == 1)
            let ownerLeaves = try await api.request(.post, "/api/v1/groups/open-data/leave", token: owner)
            #expect(ownerLeaves.status == .conflict, "the owner hands over ownership first")
        }
    }

    @Test("in a group on request, people ask and a manager decides")
    func onRequest() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let owner = try await api.signUp("daan")
            let asker = try await api.signUp("eva")
            let other = try await api.signUp("fenna")
            _ = try await Self.create(api, token: owner, #"{"name":"Beleid","membershipMode":"request"}"#)
            let ask = try await api.request(.post, "/api/v1/groups/beleid/join", token: asker)
            #expect(try ask.jsonObject()["state"] as? String == "requested")
            let requests = try await api.request(.get, "/api/v1/groups/beleid/members?state=requested", token: owner)
            #expect(requests.text.contains("\"eva\""))
            #expect(try await api.request(.get, "/api/v1/groups/beleid/members?state=requested", token: other).status == .forbidden)
            let byOther = try await api.request(.patch, "/api/v1/groups/beleid/members/eva", json: #"{"state":"member"}"#, token: other)
            #expect(byOther.status == .forbidden)
            let approve = try await api.request(.patch, "/api/v1/groups/beleid/members/eva", json: #"{"state":"member"}"#, token: owner)
            #expect(approve.status == .ok)
            #expect(try approve.jsonObject()["state"] as? String == "member")
        }
    }

    @Test("a closed group is by invitation only: an invited person joins by accepting")
    func closedGroup() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let owner = try await api.signUp("gert")
            let invitee = try await api.signUp("hilde")
            let outsider = try await api.signUp("ivo")
            _ = try await Self.create(api, token: owner, #"{"name":"Crisisteam","membershipMode":"closed"}"#)
            #expect(try await api.request(.post, "/api/v1/groups/crisisteam/join", token: outsider).status == .forbidden)
            #expect(try await api.request(.get, "/api/v1/groups/crisisteam/members", token: outsider).status == .forbidden)
            let invite = try await api.request(.post, "/api/v1/groups/crisisteam/members", json: #"{"username":"hilde"}"#, token: owner)
            #expect(invite.status == .created)
            #expect(try invite.jsonObject()["state"] as? String == "invited")
            let mine = try await api.request(.get, "/api/v1/me/groups", token: invitee)
            #expect(mine.text.contains("\"state\":\"invited\""))
            let accept = try await api.request(.post, "/api/v1/groups/crisisteam/join", token: invitee)
            #expect(try accept.jsonObject()["state"] as? String == "member")
            #expect(try await api.request(.get, "/api/v1/groups/crisisteam/members", token: invitee).status == .ok)
            let unknown = try await api.request(.post, "/api/v1/groups/crisisteam/members", json: #"{"username":"nobody"}"#, token: owner)
            #expect(unknown.status == .unprocessableContent)
        }
    }

    @Test("a hidden group does not exist for outsiders, but does for members, invitees and node administrators")
    func hiddenGroup() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let owner = try await api.signUp("jet")
            let invitee = try await api.signUp("kim")
            let outsider = try await api.signUp("lars")
            _ = try await Self.create(api, token: owner, #"{"name":"Vertrouwelijk","isHidden":true,"membershipMode":"closed"}"#)
            #expect(try await api.request(.get, "/api/v1/groups/vertrouwelijk", token: outsider).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/groups/vertrouwelijk").status == .notFound)
            #expect(try await api.request(.post, "/api/v1/groups/vertrouwelijk/join", token: outsider).status == .notFound)
            #expect(!(try await api.request(.get, "/api/v1/groups", token: outsider).text.contains("vertrouwelijk")))
            #expect(!(try await api.request(.get, "/api/v1/groups?q=vertrouw", token: outsider).text.contains("vertrouwelijk")))
            _ = try await api.request(.post, "/api/v1/groups/vertrouwelijk/members", json: #"{"username":"kim"}"#, token: owner)
            #expect(try await api.request(.get, "/api/v1/groups/vertrouwelijk", token: invitee).status == .ok)
            #expect(try await api.request(.get, "/api/v1/groups", token: owner).text.contains("vertrouwelijk"))
            let admin = try await api.token(node.admin.username, node.admin.password)
            #expect(try await api.request(.get, "/api/v1/groups/vertrouwelijk", token: admin).status == .ok)
        }
    }

    @Test("a removed member loses membership at once; a blocked person cannot come back until unblocked")
    func removeAndBlock() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let owner = try await api.signUp("mila")
            let member = try await api.signUp("noah")
            _ = try await Self.create(api, token: owner, #"{"name":"Mobiliteit"}"#)
            _ = try await api.request(.post, "/api/v1/groups/mobiliteit/join", token: member)
            #expect(try await api.request(.delete, "/api/v1/groups/mobiliteit/members/noah", token: owner).status == .noContent)
            #expect(try Self.membership(try await api.request(.get, "/api/v1/groups/mobiliteit", token: member)) == nil)
            _ = try await api.request(.post, "/api/v1/groups/mobiliteit/join", token: member)
            let block = try await api.request(.post, "/api/v1/groups/mobiliteit/blocks", json: #"{"username":"noah"}"#, token: owner)
            #expect(try block.jsonObject()["state"] as? String == "blocked")
            #expect(try await api.request(.post, "/api/v1/groups/mobiliteit/join", token: member).status == .forbidden)
            #expect(try await api.request(.get, "/api/v1/groups/mobiliteit", token: member).text.contains("\"state\":\"blocked\""))
            #expect(try await api.request(.delete, "/api/v1/groups/mobiliteit/blocks/noah", token: owner).status == .noContent)
            #expect(try await api.request(.post, "/api/v1/groups/mobiliteit/join", token: member).status == .ok)
            let blockOwner = try await api.request(.post, "/api/v1/groups/mobiliteit/blocks", json: #"{"username":"mila"}"#, token: owner)
            #expect(blockOwner.status == .conflict)
        }
    }

    @Test("roles: admins manage members, only the owner manages admins and hands over ownership")
    func roles() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let owner = try await api.signUp("olaf")
            let first = try await api.signUp("pien")
            let second = try await api.signUp("quirijn")
            _ = try await Self.create(api, token: owner, #"{"name":"Wonen"}"#)
            _ = try await api.request(.post, "/api/v1/groups/wonen/join", token: first)
            _ = try await api.request(.post, "/api/v1/groups/wonen/join", token: second)
            let promote = try await api.request(.patch, "/api/v1/groups/wonen/members/pien", json: #"{"role":"admin"}"#, token: owner)
            #expect(try promote.jsonObject()["role"] as? String == "admin")
            _ = try await api.request(.patch, "/api/v1/groups/wonen/members/quirijn", json: #"{"role":"admin"}"#, token: owner)
            #expect(try await api.request(.delete, "/api/v1/groups/wonen/members/quirijn", token: first).status == .forbidden,
                    "an admin cannot remove another admin")
            #expect(try await api.request(.patch, "/api/v1/groups/wonen/members/quirijn", json: #"{"role":"member"}"#, token: first).status == .forbidden)
            let asOwner = try await api.request(.patch, "/api/v1/groups/wonen/members/pien", json: #"{"role":"owner"}"#, token: owner)
            #expect(asOwner.status == .unprocessableContent)

            let transfer = try await api.request(.post, "/api/v1/groups/wonen/transfer", json: #"{"username":"pien"}"#, token: owner)
            #expect(transfer.status == .ok)
            #expect((try transfer.jsonObject()["membership"] as? [String: Any])?["role"] as? String == "admin")
            let members = try await api.request(.get, "/api/v1/groups/wonen/members", token: first)
            let roles = Dictionary(uniqueKeysWithValues: (try JSONSerialization.jsonObject(with: Data(buffer: members.body)) as! [[String: Any]])
                .map { ($0["username"] as! String, $0["role"] as! String) })
            #expect(roles == ["pien": "owner", "olaf": "admin", "quirijn": "admin"])
            #expect(try await api.request(.post, "/api/v1/groups/wonen/leave", token: owner).status == .noContent)
            #expect(try await api.request(.delete, "/api/v1/groups/wonen", token: second).status == .forbidden)
            #expect(try await api.request(.delete, "/api/v1/groups/wonen", token: first).status == .noContent)
        }
    }

    @Test("an invitation link works once and expires")
    func invitationLink() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let owner = try await api.signUp("rik")
            let guest = try await api.signUp("sara")
            let late = try await api.signUp("tom")
            _ = try await Self.create(api, token: owner, #"{"name":"Klimaat","membershipMode":"closed"}"#)
            let link = try await api.request(.post, "/api/v1/groups/klimaat/invitations", json: #"{"email":"sara@example.nl"}"#, token: owner)
            #expect(link.status == .created)
            let code = try #require(try link.jsonObject()["code"] as? String)
            #expect((try link.jsonObject()["url"] as? String)?.hasSuffix("/groups/invitation/\(code)") == true)
            let accepted = try await api.request(.post, "/api/v1/group-invitations/accept", json: #"{"code":"\#(code)"}"#, token: guest)
            #expect(accepted.status == .ok)
            #expect((try accepted.jsonObject()["membership"] as? [String: Any])?["state"] as? String == "member")
            let again = try await api.request(.post, "/api/v1/group-invitations/accept", json: #"{"code":"\#(code)"}"#, token: late)
            #expect(again.status == .unprocessableContent, "a link works once")
        }
        let group = try #require(try await node.database.group(slug: "klimaat"))
        _ = try await node.database.createGroupInvitation(GroupInvitation(groupId: group.id!, codeHash: SecretToken.hash("expired-code"),
                                                                          email: nil, createdBy: nil, expiresAt: Date().addingTimeInterval(-1)))
        try await node.withClient { api in
            let token = try await api.token("tom", "long enough password")
            let expired = try await api.request(.post, "/api/v1/group-invitations/accept", json: #"{"code":"expired-code"}"#, token: token)
            #expect(expired.status == .unprocessableContent)
        }
        #expect(try await node.database.memberCount(groupId: group.id!) == 2)
    }

    @Test("someone without an account signs up through a group invitation, even on an invite-only node")
    func signUpThroughInvitation() async throws {
        let node = try await TestNode.make(["REGISTRATION_MODE": "invite-only"])
        try await node.withClient { api in
            let admin = try await api.token(node.admin.username, node.admin.password)
            _ = try await Self.create(api, token: admin, #"{"name":"Burgerpanel","membershipMode":"closed"}"#)
            let link = try await api.request(.post, "/api/v1/groups/burgerpanel/invitations", json: #"{}"#, token: admin)
            let code = try #require(try link.jsonObject()["code"] as? String)
            let bogus = try await api.request(.post, "/api/v1/auth/signup", json: #"{"username":"ursula","password":"long enough password","groupInvitation":"nope"}"#)
            #expect(bogus.status == .unprocessableContent)
            let signUp = try await api.request(.post, "/api/v1/auth/signup", json: #"{"username":"ursula","password":"long enough password","groupInvitation":"\#(code)"}"#)
            #expect(signUp.status == .created)
            let token = try await api.token("ursula", "long enough password")
            let group = try await api.request(.get, "/api/v1/groups/burgerpanel", token: token)
            #expect(try Self.membership(group)?["state"] as? String == "member")
        }
    }
}
