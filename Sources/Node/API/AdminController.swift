import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Node administration over the API: accounts, roles, invitations and the
/// profile fields everyone fills in. Every route requires an administrator.
struct AdminController {
    let accounts: AccountService
    let profiles: ProfileService
    let blobs: BlobStore
    let configuration: NodeConfiguration
    let deleteAccount: @Sendable (Account) async throws -> Void

    struct CreateUserBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case username, email, password, displayName, role }
        let username: String
        let email: String?
        let password: String?
        let displayName: String?
        let role: Account.Role

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            username = try container.decode(String.self, forKey: .username)
            email = try container.decodeIfPresent(String.self, forKey: .email)
            password = try container.decodeIfPresent(String.self, forKey: .password)
            displayName = try container.decodeIfPresent(String.self, forKey: .displayName)
            role = try decodeEnum(Account.Role.self, container, .role) ?? .user
        }
    }

    struct CreatedUser: Encodable, Sendable {
        let account: AccountView
        /// Present when the node generated the password; shown once.
        let generatedPassword: String?
    }

    struct ChangeUserBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case role, isDisabled }
        let role: Account.Role?
        let isDisabled: Bool?

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try decodeEnum(Account.Role.self, container, .role)
            isDisabled = try container.decodeIfPresent(Bool.self, forKey: .isDisabled)
        }
    }

    struct InviteBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case email, validDays }
        let email: String?
        let validDays: Int?

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            email = try container.decodeIfPresent(String.self, forKey: .email)
            validDays = try container.decodeIfPresent(Int.self, forKey: .validDays)
        }
    }

    struct InviteView: Encodable, Sendable {
        let id: Int64
        let email: String?
        let createdAt: Date
        let expiresAt: Date
        let usedAt: Date?
        /// Present only in the answer that creates the invitation.
        let code: String?
        let signupURL: String?
    }

    struct FieldBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case key, label, kind, options, position }
        let key: String?
        let label: String?
        let kind: ProfileField.Kind?
        let options: [String]?
        let position: Int?

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            key = try container.decodeIfPresent(String.self, forKey: .key)
            label = try container.decodeIfPresent(String.self, forKey: .label)
            kind = try decodeEnum(ProfileField.Kind.self, container, .kind)
            options = try container.decodeIfPresent([String].self, forKey: .options)
            position = try container.decodeIfPresent(Int.self, forKey: .position)
        }
    }

    func addRoutes(to group: RouterGroup<NodeRequestContext>) {
        group.get("admin/users", use: listUsers)
        group.post("admin/users", use: createUser)
        group.patch("admin/users/:username", use: changeUser)
        group.delete("admin/users/:username", use: deleteUser)
        group.post("admin/users/:username/password", use: resetPassword)
        group.get("admin/invites", use: listInvites)
        group.post("admin/invites", use: createInvite)
        group.delete("admin/invites/:id", use: deleteInvite)
        group.post("admin/profile-fields", use: createField)
        group.patch("admin/profile-fields/:id", use: updateField)
        group.delete("admin/profile-fields/:id", use: deleteField)
    }

    @Sendable func listUsers(request: Request, context: NodeRequestContext) async throws -> JSONResponse<UsersController.Page<AccountView>> {
        _ = try context.requireAdmin()
        let (after, limit) = try Pagination.parse(request)
        let found = try await accounts.database.accounts(after: after, limit: limit + 1)
        let next = found.count > limit ? found[limit - 1].id.map(String.init) : nil
        return JSONResponse(.init(items: found.prefix(limit).map(AccountView.init), next: next))
    }

    @Sendable func createUser(request: Request, context: NodeRequestContext) async throws -> JSONResponse<CreatedUser> {
        let admin = try context.requireAdmin()
        let body = try await request.decodeJSON(CreateUserBody.self, context: context)
        let password = body.password ?? SecretToken.makePassword()
        let account = try await accounts.createByAdministrator(
            .init(username: body.username, email: body.email, password: password, displayName: body.displayName), role: body.role)
        context.logger.info("account created", metadata: ["account.username": "\(account.username)", "by": "\(admin.username)"])
        return JSONResponse(CreatedUser(account: AccountView(account), generatedPassword: body.password == nil ? password : nil), status: .created)
    }

    @Sendable func changeUser(request: Request, context: NodeRequestContext) async throws -> JSONResponse<AccountView> {
        let admin = try context.requireAdmin()
        let body = try await request.decodeJSON(ChangeUserBody.self, context: context)
        var account = try await accounts.account(username: try context.parameters.require("username"))
        if let role = body.role, role != account.role { account = try await accounts.setRole(account, role) }
        if let isDisabled = body.isDisabled, isDisabled != account.isDisabled { account = try await accounts.setDisabled(account, isDisabled) }
        context.logger.notice("account changed", metadata: ["account.username": "\(account.username)", "by": "\(admin.username)"])
        return JSONResponse(AccountView(account))
    }

    @Sendable func deleteUser(request: Request, context: NodeRequestContext) async throws -> Response {
        let admin = try context.requireAdmin()
        let account = try await accounts.account(username: try context.parameters.require("username"))
        try await deleteAccount(account)
        context.logger.notice("account deleted", metadata: ["account.username": "\(account.username)", "by": "\(admin.username)"])
        return Response(status: .noContent)
    }

    struct PasswordReset: Encodable, Sendable { let password: String }

    @Sendable func resetPassword(request: Request, context: NodeRequestContext) async throws -> JSONResponse<PasswordReset> {
        _ = try context.requireAdmin()
        let account = try await accounts.account(username: try context.parameters.require("username"))
        return JSONResponse(PasswordReset(password: try await accounts.resetPassword(accountId: account.id!)))
    }

    @Sendable func listInvites(request: Request, context: NodeRequestContext) async throws -> JSONResponse<[InviteView]> {
        _ = try context.requireAdmin()
        return JSONResponse(try await accounts.database.invites().map {
            InviteView(id: $0.id!, email: $0.email, createdAt: $0.createdAt, expiresAt: $0.expiresAt, usedAt: $0.usedAt, code: nil, signupURL: nil)
        })
    }

    @Sendable func createInvite(request: Request, context: NodeRequestContext) async throws -> JSONResponse<InviteView> {
        let admin = try context.requireAdmin()
        let body = try await request.decodeJSON(InviteBody.self, context: context)
        let (code, invite) = try await accounts.createInvite(by: admin, email: body.email, validDays: body.validDays ?? 14)
        return JSONResponse(InviteView(
            id: invite.id!, email: invite.email, createdAt: invite.createdAt, expiresAt: invite.expiresAt, usedAt: nil,
            code: code, signupURL: "\(configuration.baseURL.absoluteString)/signup?invite=\(code)"), status: .created)
    }

    @Sendable func deleteInvite(request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try context.requireAdmin()
        guard let id = context.parameters.get("id", as: Int64.self) else { throw Problem.notFound("no such invitation") }
        try await translatingStorageErrors { try await accounts.database.deleteInvite(id: id) }
        return Response(status: .noContent)
    }

    @Sendable func createField(request: Request, context: NodeRequestContext) async throws -> JSONResponse<UsersController.FieldDefinitionView> {
        _ = try context.requireAdmin()
        let body = try await request.decodeJSON(FieldBody.self, context: context)
        let field = try await profiles.createField(.init(key: body.key, label: body.label, kind: body.kind, options: body.options, position: body.position))
        return JSONResponse(.init(field), status: .created)
    }

    @Sendable func updateField(request: Request, context: NodeRequestContext) async throws -> JSONResponse<UsersController.FieldDefinitionView> {
        _ = try context.requireAdmin()
        guard let id = context.parameters.get("id", as: Int64.self) else { throw Problem.notFound("no such profile field") }
        let body = try await request.decodeJSON(FieldBody.self, context: context)
        let field = try await profiles.updateField(id: id, .init(key: body.key, label: body.label, kind: body.kind, options: body.options, position: body.position))
        return JSONResponse(.init(field))
    }

    @Sendable func deleteField(request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try context.requireAdmin()
        guard let id = context.parameters.get("id", as: Int64.self) else { throw Problem.notFound("no such profile field") }
        try await profiles.deleteField(id: id)
        return Response(status: .noContent)
    }
}

/// Decodes a string member into an enum, naming the allowed values when it does not match.
func decodeEnum<T: RawRepresentable & CaseIterable, K: CodingKey>(_ type: T.Type, _ container: KeyedDecodingContainer<K>, _ key: K) throws -> T? where T.RawValue == String {
    guard let raw = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
    guard let value = T(rawValue: raw) else {
        throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath + [key],
            debugDescription: "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))"))
    }
    return value
}
