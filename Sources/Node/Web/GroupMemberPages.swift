import Foundation
import Hummingbird
import Storage

/// A group's people: members with their roles, removal and blocks; requests
/// to approve or refuse; invitations to people of this node and invitation
/// links (made and revoked).
struct GroupMemberPages {
    let groups: GroupService
    let renderer: PageRenderer

    func addRoutes(to router: Router<NodeRequestContext>) {
        router.get("groups/:slug/members", use: members)
        router.post("groups/:slug/members/invite", use: invite)
        router.post("groups/:slug/members/:username", use: change)
        router.post("groups/:slug/links", use: createLink)
        router.post("groups/:slug/links/:id/revoke", use: revokeLink)
    }

    @Sendable func members(request: Request, context: NodeRequestContext) async throws -> Response {
        try await page(request: request, context: context, extra: [:])
    }

    private func page(request: Request, context: NodeRequestContext, extra: [String: Any], status: HTTPResponse.Status = .ok) async throws -> Response {
        let account = try context.requirePageAccount()
        let slug = try context.parameters.requireSlug()
        let view = try await groups.show(slug, viewer: account)
        let strings = renderer.strings(for: request)
        var values = GroupPages.header(view, viewer: account, current: "members", strings: strings)
        let isManager = values["isManager"] as? Bool == true
        let isOwner = account.isAdmin || (view.membership?.state == .member && view.membership?.role == .owner)
        // An admin of a group of another node removes and blocks its members from here; the home node decides.
        let isRemote = (values["group"] as? [String: Any])?["isRemote"] as? Bool == true
        let canModerate = isManager || (isRemote && view.membership?.state == .member && (view.membership?.role ?? .member) >= .admin)
        values["canModerate"] = canModerate
        let people = try await groups.members(slug, viewer: account, states: isManager ? Membership.State.allCases : [.member])
        func row(_ member: MemberView) -> [String: Any] {
            [
                "username": member.username, "displayName": member.displayName, "since": PageValues.date(member.since),
                "roleLabel": strings["role.\(member.role.rawValue)"] ?? member.role.rawValue,
                "canManage": canModerate && member.role != .owner && member.username != account.username,
                "canChangeRole": isManager && isOwner && member.role != .owner,
                "roles": [Membership.Role.member, .admin].map { ["value": $0.rawValue, "label": strings["role.\($0.rawValue)"] ?? $0.rawValue, "selected": $0 == member.role] },
            ]
        }
        values["members"] = people.filter { $0.state == .member }.map(row)
        let requests = people.filter { $0.state == .requested }.map(row)
        let invited = people.filter { $0.state == .invited }.map(row)
        let blocked = people.filter { $0.state == .blocked }.map(row)
        values["requests"] = requests
        values["hasRequests"] = !requests.isEmpty
        values["invited"] = invited
        values["hasInvited"] = !invited.isEmpty
        values["blocked"] = blocked
        values["hasBlocked"] = !blocked.isEmpty
        if isManager {
            let now = Date()
            let links = try await groups.invitationLinks(slug, by: account)
            values["links"] = links.map { link in
                ["id": link.id, "email": link.email ?? "", "created": PageValues.date(link.createdAt), "expires": PageValues.date(link.expiresAt),
                 "stateLabel": strings[link.usedAt != nil ? "linkUsed" : link.expiresAt < now ? "linkExpired" : "linkOpen"] ?? "",
                 "isOpen": link.usedAt == nil && link.expiresAt >= now] as [String: Any]
            }
            values["hasLinks"] = !links.isEmpty
        }
        values.merge(extra) { $1 }
        return try await renderer.render("group-members", values, request: request, context: context, status: status)
    }

    private func failed(_ error: ServiceError, request: Request, context: NodeRequestContext) async throws -> Response {
        try await page(request: request, context: context, extra: ["errors": PageRenderer.messages(error), "hasErrors": true], status: .unprocessableContent)
    }

    @Sendable func invite(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let slug = try context.parameters.requireSlug()
        let form = try await request.form(context: context)
        do {
            _ = try await groups.invite(slug, by: account, username: (form["username"] ?? "").trimmingCharacters(in: .whitespaces).lowercased())
            return .seeOther("/groups/\(slug)/members?invited=1")
        } catch let error as ServiceError {
            return try await failed(error, request: request, context: context)
        }
    }

    /// One form per person and action: approve, refuse, role, remove, block, unblock.
    @Sendable func change(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let slug = try context.parameters.requireSlug()
        let username = try context.parameters.require("username")
        let form = try await request.form(context: context)
        do {
            switch form["action"] ?? "" {
            case "approve": _ = try await groups.change(slug, by: account, username: username, role: nil, approve: true)
            case "refuse", "remove": try await groups.remove(slug, by: account, username: username)
            case "role":
                guard let role = form["role"].flatMap(Membership.Role.init(rawValue:)) else { throw ServiceError.invalid(field: "role", "must be member or admin") }
                _ = try await groups.change(slug, by: account, username: username, role: role, approve: false)
            case "block": _ = try await groups.block(slug, by: account, username: username)
            case "unblock": try await groups.unblock(slug, by: account, username: username)
            default: throw ServiceError.invalid(field: "action", "is not a known action")
            }
            return .seeOther("/groups/\(slug)/members")
        } catch let error as ServiceError {
            return try await failed(error, request: request, context: context)
        }
    }

    /// Makes an invitation link and shows it once, on the page itself.
    @Sendable func createLink(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let slug = try context.parameters.requireSlug()
        let form = try await request.form(context: context)
        do {
            let link = try await groups.createInvitationLink(slug, by: account, email: form["email"]?.trimmingCharacters(in: .whitespaces).nilIfEmpty,
                                                            validDays: form["days"].flatMap { Int($0) } ?? 7)
            return try await page(request: request, context: context, extra: ["newLink": link.url])
        } catch let error as ServiceError {
            return try await failed(error, request: request, context: context)
        }
    }

    @Sendable func revokeLink(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let slug = try context.parameters.requireSlug()
        guard let id = Int64(try context.parameters.require("id")) else { throw Problem.notFound() }
        try await groups.revokeInvitationLink(slug, by: account, id: id)
        return .seeOther("/groups/\(slug)/members")
    }
}
