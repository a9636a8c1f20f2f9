import Foundation
import Hummingbird
import Storage

/// The group pages: the list with search and tag filter, creating a group,
/// a group's page and settings, joining and leaving, and invitation links.
/// Members, requests and invitations are in ``GroupMemberPages``.
struct GroupPages {
    let groups: GroupService
    let content: ContentService
    let database: NodeDatabase
    let renderer: PageRenderer

    func addRoutes(to router: Router<NodeRequestContext>) {
        router.get("groups", use: list)
        router.get("groups/new", use: newGroup)
        router.post("groups/new", use: create)
        router.get("groups/invitation/:code", use: invitation)
        router.post("groups/invitation/:code", use: acceptInvitation)
        router.get("groups/:slug", use: group)
        router.post("groups/:slug/join", use: join)
        router.post("groups/:slug/leave", use: leave)
        router.get("groups/:slug/settings", use: settings)
        router.post("groups/:slug/settings", use: saveSettings)
        router.post("groups/:slug/delete", use: deleteGroup)
    }

    /// The group's name and the tabs of its pages, shared by every page of a group.
    static func header(_ view: GroupView, viewer: Account?, current: String, strings: [String: String]) -> [String: Any] {
        // A mirrored group (its slug names its home node) is managed on its home node only.
        let isRemote = view.slug.contains("@")
        let isManager = !isRemote && (viewer?.isAdmin == true || (view.membership?.state == .member && (view.membership?.role ?? .member) >= .admin))
        var tabs: [(String, String)] = [("", "overview"), ("/discussions", "discussions"), ("/blog", "blog"), ("/updates", "statusUpdates"), ("/wiki", "wiki"), ("/files", "files")]
        if view.membership?.state == .member || isManager { tabs.append(("/members", "members")) }
        if isManager { tabs.append(("/settings", "settings")) }
        return [
            "group": ["slug": view.slug, "name": view.name, "description": view.description, "memberCount": view.memberCount,
                      "tags": view.tags, "isHidden": view.isHidden, "node": view.url.hostPart, "url": view.url, "isRemote": isRemote],
            "isManager": isManager, "isMember": view.membership?.state == .member, "hasTags": !view.tags.isEmpty,
            "tabs": tabs.map { ["path": "/groups/\(view.slug)\($0.0)", "label": strings[$0.1] ?? $0.1, "isCurrent": $0.1 == current] },
        ]
    }

    @Sendable func list(request: Request, context: NodeRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let search = query.get("q")?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        let tag = query.get("tag")?.lowercased().nilIfEmpty
        let after = query.get("after").flatMap(Int64.init) ?? 0
        let (items, next) = try await groups.list(viewer: context.account, search: search, after: after, limit: 50)
        let shown = tag.map { tag in items.filter { $0.tags.contains(tag) } } ?? items
        let strings = renderer.strings(for: request)
        var values: [String: Any] = [
            "search": search ?? "", "tag": tag ?? "", "hasGroups": !shown.isEmpty,
            "groups": shown.map { group in
                ["slug": group.slug, "name": group.name, "description": group.description, "memberCount": group.memberCount,
                 "modeLabel": strings["mode.\(group.membershipMode.rawValue)"] ?? "", "tags": group.tags.map { ["tag": $0] },
                 "node": group.url.hostPart] as [String: Any]
            },
            "next": next.map { "/groups?after=\($0)" + (search.map { "&q=\($0.urlQueryEncoded)" } ?? "") + (tag.map { "&tag=\($0.urlQueryEncoded)" } ?? "") as Any } ?? false,
        ]
        if query.get("deleted") == "1" { values["notice"] = strings["groupDeleted"] }
        return try await renderer.render("groups", values, request: request, context: context)
    }

    private func formValues(_ settings: GroupService.Settings, request: Request) -> [String: Any] {
        let strings = renderer.strings(for: request)
        let mode = settings.membershipMode ?? .open
        return [
            "form": ["name": settings.name ?? "", "description": settings.description ?? "", "tags": (settings.tags ?? []).joined(separator: ", "),
                     "welcomeMessage": settings.welcomeMessage ?? "", "isHidden": settings.isHidden ?? false, "slug": settings.slug ?? ""],
            "modes": Group.MembershipMode.allCases.map { ["value": $0.rawValue, "label": strings["mode.\($0.rawValue)"] ?? $0.rawValue, "selected": $0 == mode] },
        ]
    }

    private static func settings(from form: FormData) -> GroupService.Settings {
        GroupService.Settings(
            slug: form["slug"]?.trimmingCharacters(in: .whitespaces).nilIfEmpty, name: form["name"], description: form["description"],
            tags: form["tags"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } },
            membershipMode: form["membershipMode"].flatMap(Group.MembershipMode.init(rawValue:)),
            isHidden: form["isHidden"] == "1", welcomeMessage: form["welcomeMessage"])
    }

    @Sendable func newGroup(request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try context.requirePageAccount()
        return try await renderer.render("group-new", formValues(.init(), request: request), request: request, context: context)
    }

    @Sendable func create(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let settings = Self.settings(from: try await request.form(context: context))
        do {
            let view = try await groups.create(by: account, settings)
            return .seeOther("/groups/\(view.slug)")
        } catch let error as ServiceError {
            return try await renderer.renderErrors(error, "group-new", formValues(settings, request: request), request: request, context: context)
        }
    }

    @Sendable func group(request: Request, context: NodeRequestContext) async throws -> Response {
        let slug = try context.parameters.requireSlug()
        let (view, record) = try await groups.showWithRecord(slug, viewer: context.account)
        let items = try await content.list(ContentQuery(groupId: record.id, limit: 20), viewer: context.account)
        let strings = renderer.strings(for: request)
        let state = view.membership?.state
        var values = Self.header(view, viewer: context.account, current: "overview", strings: strings)
        values["modeLabel"] = strings["mode.\(view.membershipMode.rawValue)"] ?? ""
        values["isRequested"] = state == .requested
        values["isInvited"] = state == .invited
        values["canJoin"] = context.account != nil && (state == .invited || (state == nil && view.membershipMode != .closed))
        values["canLeave"] = state == .member && view.membership?.role != .owner
        values["joinLabel"] = strings[view.membershipMode == .request && state == nil ? "askToJoin" : "join"] ?? ""
        values["hasItems"] = !items.isEmpty
        // The overview lists titles only: no body is rendered.
        values["items"] = items.map { PageValues.item($0, strings: strings, markdown: nil) }
        values["descriptionHTML"] = Markdown.html(view.description)
        if request.uri.queryParameters.get("welcome") == "1" { values["welcome"] = view.welcomeMessage }
        return try await renderer.render("group", values, request: request, context: context)
    }

    @Sendable func join(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let slug = try context.parameters.requireSlug()
        let result = try await groups.join(slug, by: account)
        return .seeOther("/groups/\(slug)\(result.welcomeMessage != nil ? "?welcome=1" : "")")
    }

    @Sendable func leave(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let slug = try context.parameters.requireSlug()
        try await groups.leave(slug, by: account)
        return .seeOther("/groups")
    }

    @Sendable func settings(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let slug = try context.parameters.requireSlug()
        let view = try await groups.show(slug, viewer: account)
        var values = try await settingsValues(view, account: account, request: request)
        if request.uri.queryParameters.get("saved") != nil { values["notice"] = renderer.strings(for: request)["settingsSaved"] }
        return try await renderer.render("group-settings", values, request: request, context: context)
    }

    /// The settings page of a group as stored, for its managers only.
    func settingsValues(_ view: GroupView, account: Account, request: Request) async throws -> [String: Any] {
        var values = Self.header(view, viewer: account, current: "settings", strings: renderer.strings(for: request))
        guard values["isManager"] as? Bool == true else { throw Problem.forbidden("only the group's owner and admins may change its settings") }
        let record = try await database.group(slug: view.slug)
        values.merge(formValues(.init(name: view.name, description: view.description, tags: view.tags, membershipMode: view.membershipMode,
                                      isHidden: view.isHidden, welcomeMessage: record?.welcomeMessage ?? ""), request: request)) { $1 }
        values["canDelete"] = Self.canDelete(view, viewer: account)
        return values
    }

    @Sendable func saveSettings(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let slug = try context.parameters.requireSlug()
        var settings = Self.settings(from: try await request.form(context: context))
        settings.slug = nil
        do {
            let view = try await groups.update(slug, by: account, settings)
            return .seeOther("/groups/\(view.slug)/settings?saved=1")
        } catch let error as ServiceError {
            let view = try await groups.show(slug, viewer: account)
            var values = Self.header(view, viewer: account, current: "settings", strings: renderer.strings(for: request))
            values.merge(formValues(settings, request: request)) { $1 }
            values["canDelete"] = Self.canDelete(view, viewer: account)
            return try await renderer.renderErrors(error, "group-settings", values, request: request, context: context)
        }
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

extension String {
    /// The host (and port) of a URL string: the node something lives on.
    var hostPart: String {
        guard let url = URL(string: self), let host = url.host else { return "" }
        return url.port.map { "\(host):\($0)" } ?? host
    }

    var urlQueryEncoded: String {
        addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? self
    }
}
