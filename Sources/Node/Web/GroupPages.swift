import Foundation
import Hummingbird
import Storage

/// The pages a group's links lead to: the group itself and its invitation links.
struct GroupPages {
    let groups: GroupService
    let content: ContentService
    let database: NodeDatabase
    let renderer: PageRenderer

    func addRoutes(to router: Router<NodeRequestContext>) {
        router.get("groups/invitation/:code", use: invitation)
        router.post("groups/invitation/:code", use: acceptInvitation)
        router.get("groups/:slug", use: group)
        router.post("groups/:slug/join", use: join)
    }

    @Sendable func group(request: Request, context: NodeRequestContext) async throws -> Response {
        let slug = try context.parameters.require("slug")
        let view = try await groups.show(slug, viewer: context.account)
        guard let record = try await database.group(slug: slug) else { throw Problem.notFound() }
        let items = try await content.list(ContentQuery(groupId: record.id, limit: 20), viewer: context.account)
        let strings = renderer.localizer.strings(for: renderer.localizer.language(for: request))
        let state = view.membership?.state
        var values: [String: Any] = [
            "group": ["slug": view.slug, "name": view.name, "description": view.description, "memberCount": view.memberCount],
            "modeLabel": strings[["open": "modeOpen", "request": "modeRequest", "closed": "modeClosed"][view.membershipMode.rawValue]!] ?? "",
            "isMember": state == .member, "isRequested": state == .requested,
            "canJoin": context.account != nil && (state == .invited || (state == nil && view.membershipMode != .closed)),
            "joinLabel": strings[view.membershipMode == .request && state == nil ? "askToJoin" : "join"] ?? "",
            "hasItems": !items.isEmpty,
            "items": items.map { ["title": $0.title, "excerpt": String($0.body.prefix(200)), "author": $0.author.displayName] },
        ]
        if let welcome = request.uri.queryParameters.get("welcome"), welcome == "1" { values["welcome"] = view.welcomeMessage }
        return try await renderer.render("group", values, request: request, context: context)
    }

    @Sendable func join(request: Request, context: NodeRequestContext) async throws -> Response {
        guard let account = context.account else { return .redirect(to: "/login") }
        let slug = try context.parameters.require("slug")
        let result = try await groups.join(slug, by: account)
        return .redirect(to: "/groups/\(slug)\(result.welcomeMessage != nil ? "?welcome=1" : "")", type: .found)
    }

    @Sendable func invitation(request: Request, context: NodeRequestContext) async throws -> Response {
        let code = try context.parameters.require("code")
        var values: [String: Any] = ["code": code, "usable": false]
        if let invitation = try await database.groupInvitation(codeHash: SecretToken.hash(code)), invitation.isUsable(at: Date()),
           let group = try await database.group(id: invitation.groupId) {
            values["usable"] = true
            values["groupName"] = group.name
        }
        return try await renderer.render("group-invitation", values, request: request, context: context,
                                         status: values["usable"] as? Bool == true ? .ok : .notFound)
    }

    @Sendable func acceptInvitation(request: Request, context: NodeRequestContext) async throws -> Response {
        guard let account = context.account else { return .redirect(to: "/login") }
        let view = try await groups.acceptInvitationLink(code: try context.parameters.require("code"), by: account)
        return .redirect(to: "/groups/\(view.slug)\(view.welcomeMessage != nil ? "?welcome=1" : "")", type: .found)
    }
}
