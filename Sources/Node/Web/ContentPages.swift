import Foundation
import Hummingbird
import Storage

/// A group's discussions, blog and status updates, and each item's page
/// with its threaded comments and likes.
struct ContentPages {
    let groups: GroupService
    let content: ContentService
    let database: NodeDatabase
    let renderer: PageRenderer

    /// The three kinds of posts a group has, by the path segment of their page.
    static let sections: [(path: String, kind: ContentItem.Kind, tab: String)] = [
        ("discussions", .discussion, "discussions"), ("blog", .blog, "blog"), ("updates", .status, "statusUpdates"),
    ]

    func addRoutes(to router: Router<NodeRequestContext>) {
        for section in Self.sections {
            router.get("groups/:slug/\(section.path)") { request, context in try await list(section, request: request, context: context) }
            router.post("groups/:slug/\(section.path)") { request, context in try await create(section, request: request, context: context) }
        }
        router.get("content/:id", use: item)
        router.post("content/:id/comments", use: comment)
        router.post("content/:id/like", use: like)
    }

    private func listValues(_ section: (path: String, kind: ContentItem.Kind, tab: String), slug: String, request: Request,
                            context: NodeRequestContext) async throws -> [String: Any] {
        let (view, record) = try await groups.showWithRecord(slug, viewer: context.account)
        let strings = renderer.strings(for: request)
        let items = try await content.list(ContentQuery(groupId: record.id, types: [section.kind], limit: 50), viewer: context.account)
        var values = GroupPages.header(view, viewer: context.account, current: section.tab, strings: strings)
        let closed = record.membershipMode == .closed || record.isHidden
        values["section"] = ["path": section.path, "heading": strings[section.tab] ?? section.tab, "needsTitle": section.kind != .status,
                             "newLabel": strings["new.\(section.kind.rawValue)"] ?? ""]
        values["items"] = items.map { PageValues.item($0, strings: strings, markdown: renderer.markdown) }
        values["hasItems"] = !items.isEmpty
        values["accessOptions"] = PageValues.accessOptions(strings: strings, selected: .members,
                                                          allowed: closed ? [.members, .private] : ContentItem.Access.allCases)
        return values
    }

    func list(_ section: (path: String, kind: ContentItem.Kind, tab: String), request: Request, context: NodeRequestContext) async throws -> Response {
        let values = try await listValues(section, slug: try context.parameters.requireSlug(), request: request, context: context)
        return try await renderer.render("group-content", values, request: request, context: context)
    }

    func create(_ section: (path: String, kind: ContentItem.Kind, tab: String), request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let slug = try context.parameters.requireSlug()
        let form = try await request.form(context: context)
        do {
            let created = try await content.create(by: account, .init(
                type: section.kind, title: section.kind == .status ? nil : form["title"], body: form["body"],
                access: form["access"].flatMap(ContentItem.Access.init(rawValue:)), group: slug))
            return .seeOther(section.kind == .status ? "/groups/\(slug)/\(section.path)" : "/content/\(created.id)")
        } catch let error as ServiceError {
            var values = try await listValues(section, slug: slug, request: request, context: context)
            values["form"] = ["title": form["title"] ?? "", "body": form["body"] ?? ""]
            return try await renderer.renderErrors(error, "group-content", values, request: request, context: context)
        }
    }

    @Sendable func item(request: Request, context: NodeRequestContext) async throws -> Response {
        guard let id = Int64(try context.parameters.require("id")) else { throw Problem.notFound() }
        let thread = try await content.thread(id, viewer: context.account)
        let strings = renderer.strings(for: request)
        var depth: [Int64: Int] = [thread.item.id: 0]
        let comments: [[String: Any]] = thread.comments.map { comment in
            let level = min((comment.parentId.flatMap { depth[$0] } ?? 0) + 1, 6)
            depth[comment.id] = level
            var values = PageValues.item(comment, strings: strings, markdown: renderer.markdown)
            values["depth"] = level
            return values
        }
        var values: [String: Any] = ["item": PageValues.item(thread.item, strings: strings, markdown: renderer.markdown), "comments": comments, "hasComments": !comments.isEmpty]
        if let slug = thread.item.group {
            let view = try await groups.show(slug, viewer: context.account)
            let tab = Self.sections.first { $0.kind == thread.item.type }?.tab ?? "overview"
            values.merge(GroupPages.header(view, viewer: context.account, current: tab, strings: strings)) { $1 }
        }
        return try await renderer.render("item", values, request: request, context: context)
    }

    @Sendable func comment(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        guard let id = Int64(try context.parameters.require("id")) else { throw Problem.notFound() }
        let form = try await request.form(context: context)
        let parent = form["parentId"].flatMap { Int64($0) } ?? id
        let created = try await content.create(by: account, .init(body: form["body"], parentId: parent))
        return .seeOther("/content/\(id)#item-\(created.id)")
    }

    /// Likes or unlikes an item (or a comment, named by `target`), then returns to the thread.
    @Sendable func like(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        guard let id = Int64(try context.parameters.require("id")) else { throw Problem.notFound() }
        let form = try await request.form(context: context)
        let target = form["target"].flatMap { Int64($0) } ?? id
        _ = try await content.like(target, by: account, form["liked"] == "1")
        return .seeOther("/content/\(id)#item-\(target)")
    }
}
