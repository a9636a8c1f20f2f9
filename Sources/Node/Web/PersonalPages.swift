import Foundation
import Hummingbird
import Storage

/// What a signed-in person sees of their own: the dashboard (with a
/// cursor), notifications (marked read), the people directory and search.
struct PersonalPages {
    let content: ContentService
    let follows: FollowService
    let groups: GroupService
    let notifications: NotificationService
    let profiles: ProfileService
    let search: SearchService
    let database: NodeDatabase
    let renderer: PageRenderer

    func addRoutes(to router: Router<NodeRequestContext>) {
        router.get("dashboard", use: dashboard)
        router.get("notifications", use: notificationsPage)
        router.post("notifications/read", use: markRead)
        router.get("people", use: people)
        router.get("search", use: searchPage)
    }

    @Sendable func dashboard(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let before = request.uri.queryParameters.get("before").flatMap { Int64($0) }
        let following = try await follows.following(account).filter { $0.state == .accepted }.map(\.actorId)
        let (items, next) = try await content.dashboard(for: account, following: following, personPrefix: follows.runtime.urls.person(""),
                                                        types: [.status, .blog, .discussion], before: before, limit: 20)
        let strings = renderer.strings(for: request)
        // The sidebar shows names and states only: one read, without the member counts a group listing has.
        let myGroups = try await database.groups(ofAccount: account.id!, states: [.member, .invited, .requested])
        let values: [String: Any] = [
            "cards": DashboardFeedHTML.cards(items, strings: strings, markdown: renderer.markdown), "hasItems": !items.isEmpty,
            "next": next.map { "/dashboard?before=\($0)" as Any } ?? false, "isLaterPage": before != nil,
            "groups": myGroups.map { group, membership in
                ["slug": group.slug, "name": group.name,
                 "stateLabel": membership.state == .member ? "" : strings["state.\(membership.state.rawValue)"] ?? ""]
            },
            "hasGroups": !myGroups.isEmpty,
        ]
        return try await renderer.render("dashboard", values, request: request, context: context)
    }

    @Sendable func notificationsPage(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let before = request.uri.queryParameters.get("before").flatMap { Int64($0) }
        let found = try await notifications.list(for: account, unreadOnly: false, before: before, limit: 31)
        let strings = renderer.strings(for: request)
        let items = found.prefix(30).map { notification -> [String: Any] in
            let link = notification.itemId.map { "/content/\($0)" } ?? notification.group.map { "/groups/\($0)" } ?? ""
            // Mustache renders a section for any string, even an empty one: what is not there is left out.
            var values: [String: Any] = ["id": notification.id, "text": strings["notification.\(notification.kind.rawValue)"] ?? notification.kind.rawValue,
                                         "hasActor": notification.actor != nil, "link": link, "hasLink": !link.isEmpty,
                                         "date": PageValues.date(notification.createdAt), "isRead": notification.isRead]
            if let actor = notification.actor {
                values["actor"] = actor
                values["actorName"] = notification.actorName ?? actor
                values["actorLink"] = "/users/" + (actor.addingPercentEncoding(withAllowedCharacters: Self.handleCharacters) ?? actor)
            }
            if let node = notification.actorNode { values["actorNode"] = node }
            if let group = notification.group { values["group"] = group }
            if let groupName = notification.groupName { values["groupName"] = groupName }
            return values
        }
        let values: [String: Any] = ["notifications": items, "hasNotifications": !items.isEmpty,
                                     "hasUnreadHere": items.contains { $0["isRead"] as? Bool == false },
                                     "next": found.count > 30 ? "/notifications?before=\(found[29].id)" as Any : false]
        return try await renderer.render("notifications", values, request: request, context: context)
    }

    /// Marks one notification (`id`) or all of them read.
    @Sendable func markRead(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let form = try await request.form(context: context)
        let ids = form["id"].flatMap { Int64($0) }.map { [$0] }
        try await database.markNotificationsRead(accountId: account.id!, ids: ids)
        return .seeOther("/notifications")
    }

    @Sendable func people(request: Request, context: NodeRequestContext) async throws -> Response {
        let viewer = try context.requirePageAccount()
        let after = request.uri.queryParameters.get("after").flatMap { Int64($0) } ?? 0
        let found = try await database.accounts(after: after, limit: 51, includeDisabled: false)
        let views = try await profiles.views(of: Array(found.prefix(50)), by: .account(viewer))
        let values: [String: Any] = [
            "people": views.map(Self.person), "hasPeople": !views.isEmpty,
            "next": found.count > 50 ? found[49].id.map { "/people?after=\($0)" as Any } ?? false : false,
        ]
        return try await renderer.render("people", values, request: request, context: context)
    }

    /// What a `name@host:port` handle keeps unencoded in a path (`@` and `:` are path characters).
    static let handleCharacters = CharacterSet.urlPathAllowed.union(CharacterSet(charactersIn: "@:")).subtracting(CharacterSet(charactersIn: "/?#"))

    static func person(_ view: ProfileView) -> [String: Any] {
        var values = WebController.dictionary(view)
        // A person of another node is kept here as `name@host`: their node is the host in that name.
        let remoteHost = view.username.split(separator: "@", maxSplits: 1).dropFirst().first.map(String.init)
        values["node"] = remoteHost ?? view.url.hostPart
        values["handle"] = remoteHost != nil ? "@\(view.username)" : "@\(view.username)@\(view.url.hostPart)"
        return values
    }

    @Sendable func searchPage(request: Request, context: NodeRequestContext) async throws -> Response {
        let text = request.uri.queryParameters.get("q")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        var values: [String: Any] = ["query": text, "searched": !text.isEmpty]
        if !text.isEmpty {
            guard text.count <= 200 else { throw Problem.badRequest("a search is at most 200 characters") }
            let strings = renderer.strings(for: request)
            let results = try await search.search(text, viewer: context.account)
            let wiki = try await search.wikiPages(text, viewer: context.account)
            values["content"] = results.content.map { PageValues.item($0, strings: strings, markdown: nil) }  // titles and excerpts only
            values["groups"] = results.groups.map { ["slug": $0.slug, "name": $0.name, "description": $0.description, "node": $0.url.hostPart] }
            values["people"] = results.people.map(Self.person)
            values["wiki"] = wiki.map { ["id": $0.id, "title": $0.title, "group": $0.group] as [String: Any] }
            values["hasContent"] = !results.content.isEmpty
            values["hasGroups"] = !results.groups.isEmpty
            values["hasPeople"] = !results.people.isEmpty
            values["hasWiki"] = !wiki.isEmpty
            values["nothingFound"] = results.content.isEmpty && results.groups.isEmpty && results.people.isEmpty && wiki.isEmpty
        }
        return try await renderer.render("search", values, request: request, context: context)
    }
}
