import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Node
import Storage
import Testing

@Suite("Accounts: sign-up, sign-in, sessions, tokens")
struct AccountTests {
    @Test("open registration lets a visitor sign up and sign in")
    func openSignUp() async throws {
        let node = try await TestNode.make(["REGISTRATION_MODE": "open"])
        try await node.withClient { api in
            let response = try await api.request(.post, "/api/v1/auth/signup",
                json: #"{"username":"anna","email":"anna@gemeente.example","password":"a long password","displayName":"Anna de Vries"}"#)
            #expect(response.status == .created)
            #expect(try response.jsonObject()["displayName"] as? String == "Anna de Vries")
            let token = try await api.token("anna", "a long password")
            let me = try await api.request(.get, "/api/v1/me", token: token)
            #expect(me.status == .ok)
            #expect((try me.jsonObject()["account"] as? [String: Any])?["email"] as? String == "anna@gemeente.example")
        }
        let stored = try #require(try await node.database.account(username: "anna"))
        #expect(stored.passwordHash.hasPrefix("$2"), "password is stored as a bcrypt hash")
        #expect(!stored.passwordHash.contains("a long password"))
    }

    @Test("closed registration refuses every sign-up and creates nothing")
    func closedSignUp() async throws {
        let node = try await TestNode.make(["REGISTRATION_MODE": "closed"])
        try await node.withClient { api in
            let response = try await api.request(.post, "/api/v1/auth/signup", json: #"{"username":"bob","password":"a long password"}"#)
            #expect(response.status == .forbidden)
            #expect(response.headers[.contentType] == "application/problem+json")
            let page = try await api.request(.post, "/signup", body: ByteBuffer(string: "username=bob&password=a+long+password&_csrf=t"),
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "meent_csrf=t"])
            #expect(page.status == .forbidden)
        }
        #expect(try await node.database.accountCount() == 1, "only the administrator exists")
    }

    @Test("invite-only registration needs a valid, unused invitation")
    func inviteOnlySignUp() async throws {
        let node = try await TestNode.make(["REGISTRATION_MODE": "invite-only"])
        try await node.withClient { api in
            let without = try await api.request(.post, "/api/v1/auth/signup", json: #"{"username":"carla","password":"a long password"}"#)
            #expect(without.status == .unprocessableContent)
            let wrong = try await api.request(.post, "/api/v1/auth/signup", json: #"{"username":"carla","password":"a long password","inviteCode":"nope"}"#)
            #expect(wrong.status == .unprocessableContent)

            let adminToken = try await api.token(node.admin.username, node.admin.password)
            let invite = try await api.request(.post, "/api/v1/admin/invites", json: #"{"email":"carla@example.nl"}"#, token: adminToken)
            #expect(invite.status == .created)
            let code = try #require(try invite.jsonObject()["code"] as? String)

            let accepted = try await api.request(.post, "/api/v1/auth/signup", json: #"{"username":"carla","password":"a long password","inviteCode":"\#(code)"}"#)
            #expect(accepted.status == .created)
            let reused = try await api.request(.post, "/api/v1/auth/signup", json: #"{"username":"dirk","password":"a long password","inviteCode":"\#(code)"}"#)
            #expect(reused.status == .unprocessableContent, "an invitation works once")
        }
        #expect(try await node.database.account(username: "carla") != nil)
        #expect(try await node.database.account(username: "dirk") == nil)
    }

    @Test("an expired invitation is refused")
    func expiredInvite() async throws {
        let node = try await TestNode.make(["REGISTRATION_MODE": "invite-only"])
        _ = try await node.database.createInvite(codeHash: SecretToken.hash("old-code"), email: nil, createdBy: nil,
                                                 expiresAt: Date().addingTimeInterval(-60))
        try await node.withClient { api in
            let response = try await api.request(.post, "/api/v1/auth/signup", json: #"{"username":"erik","password":"a long password","inviteCode":"old-code"}"#)
            #expect(response.status == .unprocessableContent)
        }
        #expect(try await node.database.account(username: "erik") == nil)
    }

    @Test("a wrong password or unknown user is refused with 401, and guessing is throttled")
    func loginFailure() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            _ = try await api.signUp("fatima")
            let wrong = try await api.request(.post, "/api/v1/auth/session", json: #"{"username":"fatima","password":"not her password"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.setCookie(named: "meent_session") == nil)
            let unknown = try await api.request(.post, "/api/v1/auth/session", json: #"{"username":"nobody","password":"whatever password"}"#)
            #expect(unknown.status == .unauthorized)
            let wrongDetail = try wrong.jsonObject()["detail"] as? String
            let unknownDetail = try unknown.jsonObject()["detail"] as? String
            #expect(wrongDetail == unknownDetail, "the answer does not reveal which usernames exist")

            for _ in 0..<4 {
                _ = try await api.request(.post, "/api/v1/auth/session", json: #"{"username":"fatima","password":"still wrong"}"#)
            }
            let throttled = try await api.request(.post, "/api/v1/auth/session", json: #"{"username":"fatima","password":"long enough password"}"#)
            #expect(throttled.status == .tooManyRequests, "even the right password waits once the limit is reached")
            #expect(throttled.headers[.retryAfter] != nil)
        }
    }

    @Test("a session cookie is HttpOnly and SameSite, and unsafe API calls with it need the CSRF token")
    func sessionCookieAndCSRF() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            _ = try await api.signUp("gerrit")
            let login = try await api.request(.post, "/api/v1/auth/session", json: #"{"username":"gerrit","password":"long enough password"}"#)
            #expect(login.status == .ok)
            let setCookie = try #require(login.setCookie(named: "meent_session"))
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Lax"))
            let csrf = try #require(try login.jsonObject()["csrfToken"] as? String)
            let cookie = String(setCookie.split(separator: ";")[0])

            let me = try await api.request(.get, "/api/v1/me", headers: [.cookie: cookie])
            #expect(me.status == .ok)
            let forged = try await api.request(.patch, "/api/v1/me/profile", json: #"{"jobTitle":"Forged"}"#, headers: [.cookie: cookie])
            #expect(forged.status == .forbidden)
            let genuine = try await api.request(.patch, "/api/v1/me/profile", json: #"{"jobTitle":"Beleidsadviseur"}"#,
                                                headers: [.cookie: cookie, HTTPField.Name("X-CSRF-Token")!: csrf])
            #expect(genuine.status == .ok)

            let logout = try await api.request(.delete, "/api/v1/auth/session", headers: [.cookie: cookie, HTTPField.Name("X-CSRF-Token")!: csrf])
            #expect(logout.status == .noContent)
            let after = try await api.request(.get, "/api/v1/me", headers: [.cookie: cookie])
            #expect(after.status == .unauthorized, "the session ends at sign-out")
        }
        let gerrit = try #require(try await node.database.account(username: "gerrit"))
        let profile = try #require(try await node.database.profile(accountId: gerrit.id!))
        #expect(profile.jobTitle == "Beleidsadviseur")
    }

    @Test("an HTML form post without the form token is refused")
    func formCSRF() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let page = try await api.request(.get, "/login")
            let cookie = try #require(page.setCookie(named: "meent_csrf"))
            let token = String(cookie.split(separator: ";")[0].dropFirst("meent_csrf=".count))
            #expect(page.text.contains("name=\"_csrf\" value=\"\(token)\""))
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: "meent_csrf=\(token)"]
            let body = "username=\(node.admin.username)&password=\(node.admin.password)"
            let missing = try await api.request(.post, "/login", body: ByteBuffer(string: body), headers: form)
            #expect(missing.status == .forbidden)
            let withToken = try await api.request(.post, "/login", body: ByteBuffer(string: body + "&_csrf=\(token)"), headers: form)
            #expect(withToken.status == .found)
            #expect(withToken.setCookie(named: "meent_session") != nil)
        }
    }

    @Test("API tokens work until revoked, and stop working when the account is disabled")
    func tokens() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let first = try await api.signUp("hanna")
            let created = try await api.request(.post, "/api/v1/me/tokens", json: #"{"name":"script"}"#, token: first)
            #expect(created.status == .created)
            let second = try #require(try created.jsonObject()["token"] as? String)
            let id = try #require(try created.jsonObject()["id"] as? Int)
            #expect(try await api.request(.get, "/api/v1/me", token: second).status == .ok)
            #expect(try await api.request(.delete, "/api/v1/me/tokens/\(id)", token: first).status == .noContent)
            #expect(try await api.request(.get, "/api/v1/me", token: second).status == .unauthorized)

            let adminToken = try await api.token(node.admin.username, node.admin.password)
            let disable = try await api.request(.patch, "/api/v1/admin/users/hanna", json: #"{"isDisabled":true}"#, token: adminToken)
            #expect(disable.status == .ok)
            #expect(try await api.request(.get, "/api/v1/me", token: first).status == .unauthorized)
            let login = try await api.request(.post, "/api/v1/auth/token", json: #"{"username":"hanna","password":"long enough password"}"#)
            #expect(login.status == .forbidden)
        }
    }

    @Test("only administrators reach admin routes, and the last administrator stays")
    func adminRules() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let user = try await api.signUp("ingrid")
            #expect(try await api.request(.get, "/api/v1/admin/users", token: user).status == .forbidden)
            #expect(try await api.request(.get, "/api/v1/admin/users").status == .unauthorized)
            let adminToken = try await api.token(node.admin.username, node.admin.password)
            let demote = try await api.request(.patch, "/api/v1/admin/users/\(node.admin.username)", json: #"{"role":"user"}"#, token: adminToken)
            #expect(demote.status == .conflict)
            let promote = try await api.request(.patch, "/api/v1/admin/users/ingrid", json: #"{"role":"admin"}"#, token: adminToken)
            #expect(promote.status == .ok)
            #expect(try await api.request(.get, "/api/v1/admin/users", token: user).status == .ok)
        }
        #expect(try await node.database.account(username: node.admin.username)?.role == .admin)
    }

    @Test("changing the password ends sessions and needs the current password")
    func changePassword() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let token = try await api.signUp("jan")
            let wrong = try await api.request(.put, "/api/v1/me/password", json: #"{"currentPassword":"nope nope nope","newPassword":"another long one"}"#, token: token)
            #expect(wrong.status == .unprocessableContent)
            let right = try await api.request(.put, "/api/v1/me/password", json: #"{"currentPassword":"long enough password","newPassword":"another long one"}"#, token: token)
            #expect(right.status == .noContent)
            let second = try await api.token("jan", "another long one")
            #expect(try await api.request(.get, "/api/v1/me", token: second).status == .ok, "changing one's own password keeps tokens")

            let admin = try await api.token(node.admin.username, node.admin.password)
            let reset = try await api.request(.post, "/api/v1/admin/users/jan/password", token: admin)
            #expect(reset.status == .ok)
            #expect(try await api.request(.get, "/api/v1/me", token: second).status == .unauthorized, "an administrator's reset revokes tokens")
            let newPassword = try #require(try reset.jsonObject()["password"] as? String)
            _ = try await api.token("jan", newPassword)
        }
    }
}
