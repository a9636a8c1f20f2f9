import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Sign-up, sign-in and sign-out for API clients and scripts.
struct AuthController {
    let accounts: AccountService
    let profiles: ProfileService
    let groups: GroupService
    let configuration: NodeConfiguration

    struct SignUpBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case username, email, password, displayName, inviteCode, groupInvitation }
        let username: String
        let email: String?
        let password: String
        let displayName: String?
        let inviteCode: String?
        /// A group invitation code: the new account joins that group.
        let groupInvitation: String?

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            username = try container.decode(String.self, forKey: .username)
            email = try container.decodeIfPresent(String.self, forKey: .email)
            password = try container.decode(String.self, forKey: .password)
            displayName = try container.decodeIfPresent(String.self, forKey: .displayName)
            inviteCode = try container.decodeIfPresent(String.self, forKey: .inviteCode)
            groupInvitation = try container.decodeIfPresent(String.self, forKey: .groupInvitation)
        }
    }

    struct CredentialsBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case username, password, tokenName }
        let username: String
        let password: String
        let tokenName: String?

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            username = try container.decode(String.self, forKey: .username)
            password = try container.decode(String.self, forKey: .password)
            tokenName = try container.decodeIfPresent(String.self, forKey: .tokenName)
        }
    }

    struct SessionResponse: Encodable, Sendable {
        let account: AccountView
        /// Send back as `X-CSRF-Token` on unsafe requests made with the cookie.
        let csrfToken: String
    }

    struct TokenResponse: Encodable, Sendable {
        let id: Int64
        let name: String
        /// Shown once; the node keeps only a hash.
        let token: String
        let createdAt: Date
    }

    func addRoutes(to group: RouterGroup<NodeRequestContext>) {
        group.post("auth/signup", use: signUp)
        group.post("auth/session", use: signIn)
        group.delete("auth/session", use: signOut)
        group.post("auth/token", use: issueToken)
    }

    @Sendable func signUp(request: Request, context: NodeRequestContext) async throws -> JSONResponse<ProfileView> {
        let body = try await request.decodeJSON(SignUpBody.self, context: context)
        // The account and its membership through the link are made together or not at all.
        let account = try await accounts.signUp(.init(
            username: body.username, email: body.email, password: body.password,
            displayName: body.displayName, inviteCode: body.inviteCode), groupInvitationCode: body.groupInvitation)
        context.logger.info("account created", metadata: ["account.username": "\(account.username)", "via": "signup"])
        let view = try await profiles.view(of: account, by: .account(account))
        return JSONResponse(view, status: .created, headers: [.location: "/api/v1/users/\(account.username)"])
    }

    /// Signs in with username and password and sets the session cookie.
    @Sendable func signIn(request: Request, context: NodeRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(CredentialsBody.self, context: context)
        let account = try await accounts.authenticate(username: body.username, password: body.password, address: context.remoteAddress)
        let (token, session) = try await accounts.startSession(for: account)
        var response = try JSONResponse(SessionResponse(account: AccountView(account), csrfToken: session.csrfToken))
            .response(from: request, context: context)
        response.setCookie(SessionCookie.session(token, configuration: configuration))
        return response
    }

    @Sendable func signOut(request: Request, context: NodeRequestContext) async throws -> Response {
        if let cookie = request.cookies[AuthenticationMiddleware.sessionCookie] {
            try await accounts.endSession(token: cookie.value)
        }
        var response = Response(status: .noContent)
        response.setCookie(SessionCookie.expiredSession(configuration: configuration))
        return response
    }

    /// Exchanges username and password for a personal API token, for scripts
    /// and the first use of the printed admin login.
    @Sendable func issueToken(request: Request, context: NodeRequestContext) async throws -> JSONResponse<TokenResponse> {
        let body = try await request.decodeJSON(CredentialsBody.self, context: context)
        let account = try await accounts.authenticate(username: body.username, password: body.password, address: context.remoteAddress)
        let (secret, token) = try await accounts.createAPIToken(for: account, name: body.tokenName ?? "API token", field: "tokenName")
        return JSONResponse(TokenResponse(id: token.id!, name: token.name, token: secret, createdAt: token.createdAt), status: .created)
    }
}
