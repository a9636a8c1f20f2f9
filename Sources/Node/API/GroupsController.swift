import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Groups over the API: listing, creating, settings, joining and leaving,
/// and managing members and invitations.
struct GroupsController {
    let groups: GroupService

    struct SettingsBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case slug, name, description, tags, membershipMode, isHidden, welcomeMessage }
        let settings: GroupService.Settings

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            settings = .init(
                slug: try container.decodeIfPresent(String.self, forKey: .slug),
                name: try container.decodeIfPresent(String.self, forKey: .name),
                description: try container.decodeIfPresent(String.self, forKey: .description),
                tags: try container.decodeIfPresent([String].self, forKey: .tags),
                membershipMode: try decodeEnum(Group.MembershipMode.self, container, .membershipMode),
                isHidden: try container.decodeIfPresent(Bool.self, forKey: .isHidden),
                welcomeMessage: try container.decodeIfPresent(String.self, forKey: .welcomeMessage))
        }
    }

    struct UsernameBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case username }
        let username: String

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            username = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .username)
        }
    }

    struct MemberChangeBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case role, state }
        let role: Membership.Role?
        let approve: Bool

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try decodeEnum(Membership.Role.self, container, .role)
            let state = try decodeEnum(Membership.State.self, container, .state)
            if let state, state != .member {
                throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath + [CodingKeys.state],
                    debugDescription: "can only be set to member (approving a request); remove or block with their own actions"))
            }
            approve = state == .member
        }
    }

    struct InvitationBody: StrictDecodable {
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

    struct LookupBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case group }
        let group: String

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            group = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .group)
        }
    }

    struct CodeBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case code }
        let code: String

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            code = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .code)
        }
    }

    struct InvitationLink: Encodable, Sendable {
        let id: Int64
        /// Shown once.
        let code: String
        let url: String
        let email: String?
        let expiresAt: Date
    }

    func addRoutes(to group: RouterGroup<NodeRequestContext>) {
        group.get("groups", use: list)
        group.post("groups", use: create)
        group.post("groups/lookup", use: lookup)
        group.get("groups/:slug", use: show)
        group.patch("groups/:slug", use: update)
        group.delete("groups/:slug", use: delete)
        group.post("groups/:slug/join", use: join)
        group.post("groups/:slug/leave", use: leave)
        group.get("groups/:slug/members", use: members)
        group.post("groups/:slug/members", use: invite)
        group.patch("groups/:slug/members/:username", use: changeMember)
        group.delete("groups/:slug/members/:username", use: removeMember)
        group.post("groups/:slug/blocks", use: block)
        group.delete("groups/:slug/blocks/:username", use: unblock)
        group.post("groups/:slug/transfer", use: transfer)
        group.post("groups/:slug/invitations", use: createInvitation)
        group.get("groups/:slug/invitations", use: invitations)
        group.delete("groups/:slug/invitations/:id", use: revokeInvitation)
        group.get("groups/:slug/icon", use: icon)
        group.put("groups/:slug/icon", use: setIcon)
        group.delete("groups/:slug/icon", use: removeIcon)
        group.post("group-invitations/accept", use: acceptInvitation)
        group.get("me/groups", use: myGroups)
    }

    private func slug(_ context: NodeRequestContext) throws -> String { try context.parameters.requireSlug() }

    @Sendable func list(request: Request, context: NodeRequestContext) async throws -> JSONResponse<UsersController.Page<GroupView>> {
        let (after, limit) = try Pagination.parse(request)
        let parameters = request.uri.queryParameters
        let (items, next) = try await groups.list(viewer: context.account, search: parameters.get("q"), tag: parameters.get("tag"),
                                                  after: after, limit: limit)
        return JSONResponse(.init(items: items, next: next))
    }

    @Sendable func create(request: Request, context: NodeRequestContext) async throws -> JSONResponse<GroupView> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(SettingsBody.self, context: context)
        let view = try await groups.create(by: account, body.settings)
        return JSONResponse(view, status: .created, headers: [.location: "/api/v1/groups/\(view.slug)"])
    }

    /// Finds a group by handle or URL, on this node or another (which is then mirrored here).
    @Sendable func lookup(request: Request, context: NodeRequestContext) async throws -> JSONResponse<GroupView> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(LookupBody.self, context: context)
        return JSONResponse(try await groups.lookup(body.group, viewer: account))
    }

    @Sendable func show(request: Request, context: NodeRequestContext) async throws -> JSONResponse<GroupView> {
        JSONResponse(try await groups.show(try slug(context), viewer: context.account))
    }

    @Sendable func update(request: Request, context: NodeRequestContext) async throws -> JSONResponse<GroupView> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(SettingsBody.self, context: context)
        return JSONResponse(try await groups.update(try slug(context), by: account, body.settings))
    }

    @Sendable func delete(request: Request, context: NodeRequestContext) async throws -> Response {
        try await groups.delete(try slug(context), by: try context.requireAccount())
        return Response(status: .noContent)
    }

    @Sendable func join(request: Request, context: NodeRequestContext) async throws -> JSONResponse<JoinResult> {
        JSONResponse(try await groups.join(try slug(context), by: try context.requireAccount()))
    }

    @Sendable func leave(request: Request, context: NodeRequestContext) async throws -> Response {
        try await groups.leave(try slug(context), by: try context.requireAccount())
        return Response(status: .noContent)
    }

    /// `?state=member|requested|invited|blocked` (repeatable; default member).
    @Sendable func members(request: Request, context: NodeRequestContext) async throws -> JSONResponse<[MemberView]> {
        let account = try context.requireAccount()
        var states: [Membership.State] = []
        for raw in request.uri.queryParameters.getAll("state") {
            guard let state = Membership.State(rawValue: String(raw)) else {
                throw Problem.badRequest("state must be one of \(Membership.State.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            states.append(state)
        }
        return JSONResponse(try await groups.members(try slug(context), viewer: account, states: states.isEmpty ? [.member] : states))
    }

    @Sendable func invite(request: Request, context: NodeRequestContext) async throws -> JSONResponse<MemberView> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(UsernameBody.self, context: context)
        return JSONResponse(try await groups.invite(try slug(context), by: account, username: body.username), status: .created)
    }

    @Sendable func changeMember(request: Request, context: NodeRequestContext) async throws -> JSONResponse<MemberView> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(MemberChangeBody.self, context: context)
        return JSONResponse(try await groups.change(try slug(context), by: account, username: try context.parameters.require("username"),
                                                    role: body.role, approve: body.approve))
    }

    @Sendable func removeMember(request: Request, context: NodeRequestContext) async throws -> Response {
        try await groups.remove(try slug(context), by: try context.requireAccount(), username: try context.parameters.require("username"))
        return Response(status: .noContent)
    }

    @Sendable func block(request: Request, context: NodeRequestContext) async throws -> JSONResponse<MemberView> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(UsernameBody.self, context: context)
        return JSONResponse(try await groups.block(try slug(context), by: account, username: body.username), status: .created)
    }

    @Sendable func unblock(request: Request, context: NodeRequestContext) async throws -> Response {
        try await groups.unblock(try slug(context), by: try context.requireAccount(), username: try context.parameters.require("username"))
        return Response(status: .noContent)
    }

    @Sendable func transfer(request: Request, context: NodeRequestContext) async throws -> JSONResponse<GroupView> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(UsernameBody.self, context: context)
        return JSONResponse(try await groups.transferOwnership(try slug(context), by: account, to: body.username))
    }

    @Sendable func createInvitation(request: Request, context: NodeRequestContext) async throws -> JSONResponse<InvitationLink> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(InvitationBody.self, context: context)
        let (code, url, invitation) = try await groups.createInvitationLink(try slug(context), by: account, email: body.email, validDays: body.validDays ?? 14)
        return JSONResponse(InvitationLink(id: invitation.id!, code: code, url: url, email: invitation.email, expiresAt: invitation.expiresAt), status: .created)
    }

    @Sendable func invitations(request: Request, context: NodeRequestContext) async throws -> JSONResponse<[InvitationLinkView]> {
        JSONResponse(try await groups.invitationLinks(try slug(context), by: try context.requireAccount()))
    }

    @Sendable func revokeInvitation(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        guard let id = context.parameters.get("id", as: Int64.self) else { throw Problem.notFound("no such invitation link") }
        try await groups.revokeInvitationLink(try slug(context), by: account, id: id)
        return Response(status: .noContent)
    }

    /// The icon image, with an ETag; shared caches may keep it unless the group is hidden.
    @Sendable func icon(request: Request, context: NodeRequestContext) async throws -> Response {
        let (url, contentType, digest, isPublic) = try await groups.icon(try slug(context), viewer: context.account)
        let etag = "\"\(digest)\""
        let headers: HTTPFields = [.eTag: etag, .cacheControl: isPublic ? "public, max-age=300" : "private, max-age=300"]
        if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: headers) }
        var full = headers
        full[.contentType] = contentType
        return Response(status: .ok, headers: full, body: try await FileIO().loadFile(path: url.path, context: context))
    }

    /// The body is the image itself (PNG, JPEG, GIF or WebP).
    @Sendable func setIcon(request: Request, context: NodeRequestContext) async throws -> JSONResponse<GroupView> {
        let account = try context.requireAccount()
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: GroupService.maxIconBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem(.contentTooLarge, type: "too-large", detail: "an icon must be at most \(GroupService.maxIconBytes / 1024) KiB")
        }
        return JSONResponse(try await groups.setIcon(try slug(context), by: account, bytes: Array(buffer: buffer)))
    }

    @Sendable func removeIcon(request: Request, context: NodeRequestContext) async throws -> Response {
        try await groups.removeIcon(try slug(context), by: try context.requireAccount())
        return Response(status: .noContent)
    }

    @Sendable func acceptInvitation(request: Request, context: NodeRequestContext) async throws -> JSONResponse<GroupView> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(CodeBody.self, context: context)
        return JSONResponse(try await groups.acceptInvitationLink(code: body.code, by: account))
    }

    @Sendable func myGroups(request: Request, context: NodeRequestContext) async throws -> JSONResponse<[GroupView]> {
        JSONResponse(try await groups.groups(of: try context.requireAccount()))
    }
}
