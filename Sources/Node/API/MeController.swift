import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// The signed-in person's own account: profile, avatar, password, API tokens.
struct MeController {
    let accounts: AccountService
    let profiles: ProfileService
    let configuration: NodeConfiguration

    struct Me: Encodable, Sendable {
        let account: AccountView
        let profile: ProfileView
    }

    struct FieldBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case value, visibility }
        let value: String?
        let visibility: Visibility?

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            value = try container.decodeIfPresent(String.self, forKey: .value)
            visibility = try decodeEnum(Visibility.self, container, .visibility)
        }
    }

    struct ProfileBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case displayName, organisation, jobTitle, bio, fields, email }
        let displayName: String?
        let organisation: String?
        let jobTitle: String?
        let bio: String?
        let fields: [String: FieldBody]?
        let email: String?

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            displayName = try container.decodeIfPresent(String.self, forKey: .displayName)
            organisation = try container.decodeIfPresent(String.self, forKey: .organisation)
            jobTitle = try container.decodeIfPresent(String.self, forKey: .jobTitle)
            bio = try container.decodeIfPresent(String.self, forKey: .bio)
            fields = try container.decodeIfPresent([String: FieldBody].self, forKey: .fields)
            email = try container.decodeIfPresent(String.self, forKey: .email)
        }
    }

    struct PasswordBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case currentPassword, newPassword }
        let currentPassword: String
        let newPassword: String

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            currentPassword = try container.decode(String.self, forKey: .currentPassword)
            newPassword = try container.decode(String.self, forKey: .newPassword)
        }
    }

    struct TokenBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case name }
        let name: String

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            name = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .name)
        }
    }

    struct TokenView: Encodable, Sendable {
        let id: Int64
        let name: String
        let createdAt: Date
        let lastUsedAt: Date?
    }

    func addRoutes(to group: RouterGroup<NodeRequestContext>) {
        group.get("me", use: me)
        group.patch("me/profile", use: updateProfile)
        group.put("me/avatar", use: setAvatar)
        group.delete("me/avatar", use: removeAvatar)
        group.put("me/password", use: changePassword)
        group.get("me/tokens", use: listTokens)
        group.post("me/tokens", use: createToken)
        group.delete("me/tokens/:id", use: revokeToken)
    }

    @Sendable func me(request: Request, context: NodeRequestContext) async throws -> JSONResponse<Me> {
        let account = try context.requireAccount()
        return JSONResponse(Me(account: AccountView(account), profile: try await profiles.view(of: account, by: .account(account))))
    }

    @Sendable func updateProfile(request: Request, context: NodeRequestContext) async throws -> JSONResponse<ProfileView> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(ProfileBody.self, context: context)
        let update = ProfileService.Update(
            displayName: body.displayName, organisation: body.organisation, jobTitle: body.jobTitle, bio: body.bio,
            fields: body.fields?.mapValues { .init(value: $0.value, visibility: $0.visibility) }, email: body.email)
        return JSONResponse(try await profiles.update(account, with: update))
    }

    @Sendable func setAvatar(request: Request, context: NodeRequestContext) async throws -> JSONResponse<ProfileView> {
        let account = try context.requireAccount()
        var request = request
        let limit = min(ProfileService.maxAvatarBytes, configuration.maxUploadBytes)
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem(.contentTooLarge, type: "too-large", detail: "an avatar must be at most \(limit / 1024) KiB")
        }
        return JSONResponse(try await profiles.setAvatar(account, bytes: Array(buffer: buffer)))
    }

    @Sendable func removeAvatar(request: Request, context: NodeRequestContext) async throws -> Response {
        try await profiles.removeAvatar(try context.requireAccount())
        return Response(status: .noContent)
    }

    @Sendable func changePassword(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(PasswordBody.self, context: context)
        try await accounts.changePassword(for: account, current: body.currentPassword, new: body.newPassword)
        return Response(status: .noContent)
    }

    @Sendable func listTokens(request: Request, context: NodeRequestContext) async throws -> JSONResponse<[TokenView]> {
        let account = try context.requireAccount()
        let tokens = try await accounts.database.apiTokens(accountId: account.id!)
        return JSONResponse(tokens.map { TokenView(id: $0.id!, name: $0.name, createdAt: $0.createdAt, lastUsedAt: $0.lastUsedAt) })
    }

    @Sendable func createToken(request: Request, context: NodeRequestContext) async throws -> JSONResponse<AuthController.TokenResponse> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(TokenBody.self, context: context)
        let (secret, token) = try await accounts.createAPIToken(for: account, name: body.name)
        return JSONResponse(.init(id: token.id!, name: token.name, token: secret, createdAt: token.createdAt), status: .created)
    }

    @Sendable func revokeToken(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        guard let id = context.parameters.get("id", as: Int64.self) else { throw Problem.notFound("no such token") }
        try await translatingStorageErrors { try await accounts.database.deleteAPIToken(id: id, accountId: account.id!) }
        return Response(status: .noContent)
    }
}
