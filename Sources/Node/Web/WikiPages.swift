import Foundation
import Hummingbird
import Storage

/// A group's wiki: the list of pages, creating, viewing, editing (the
/// revision the edit started from travels in a hidden field), history, the
/// diff between any two revisions, and the conflict screen that shows both
/// versions and keeps the refused text in its text box.
struct WikiPages {
    let groups: GroupService
    let wiki: WikiService
    let renderer: PageRenderer

    func addRoutes(to router: Router<NodeRequestContext>) {
        router.get("groups/:slug/wiki", use: list)
        router.post("groups/:slug/wiki", use: create)
        router.get("wiki/:id", use: show)
        router.get("wiki/:id/edit", use: editPage)
        router.post("wiki/:id/edit", use: edit)
        router.get("wiki/:id/history", use: history)
        router.get("wiki/:id/diff", use: diff)
    }

    private func pageID(_ context: NodeRequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("id")) else { throw Problem.notFound() }
        return id
    }

    private func groupValues(_ slug: String, request: Request, context: NodeRequestContext) async throws -> [String: Any] {
        let view = try await groups.show(slug, viewer: context.account)
        return GroupPages.header(view, viewer: context.account, current: "wiki", strings: renderer.strings(for: request))
    }

    private func listValues(_ slug: String, request: Request, context: NodeRequestContext) async throws -> [String: Any] {
        var values = try await groupValues(slug, request: request, context: context)
        let pages = try await wiki.pages(in: slug, viewer: context.account)
        values["pages"] = pages.map { ["id": $0.id, "title": $0.title, "updated": PageValues.date($0.updatedAt), "revision": $0.revision] as [String: Any] }
        values["hasPages"] = !pages.isEmpty
        values["parents"] = pages.map { ["id": $0.id, "title": $0.title] as [String: Any] }
        return values
    }

    @Sendable func list(request: Request, context: NodeRequestContext) async throws -> Response {
        let slug = try context.parameters.requireSlug()
        return try await renderer.render("wiki-list", try await listValues(slug, request: request, context: context), request: request, context: context)
    }

    @Sendable func create(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let slug = try context.parameters.requireSlug()
        let form = try await request.form(context: context)
        do {
            let page = try await wiki.create(in: slug, by: account, title: form["title"] ?? "", body: form["body"] ?? "",
                                             parentId: form["parentId"].flatMap { Int64($0) }, access: nil)
            return .seeOther("/wiki/\(page.id)")
        } catch let error as ServiceError {
            var values = try await listValues(slug, request: request, context: context)
            values["form"] = ["title": form["title"] ?? "", "body": form["body"] ?? ""]
            return try await renderer.renderErrors(error, "wiki-list", values, request: request, context: context)
        }
    }

    @Sendable func show(request: Request, context: NodeRequestContext) async throws -> Response {
        let page = try await wiki.show(try pageID(context), viewer: context.account)
        var values = try await groupValues(page.group, request: request, context: context)
        values["page"] = ["id": page.id, "title": page.title, "bodyHTML": Markdown.html(page.body), "revision": page.revision,
                          "updated": PageValues.date(page.updatedAt)] as [String: Any]
        let strings = renderer.strings(for: request)
        if request.uri.queryParameters.get("merged") == "1" { values["notice"] = strings["wikiMerged"] }
        else if request.uri.queryParameters.get("saved") == "1" { values["notice"] = strings["wikiSaved"] }
        return try await renderer.render("wiki-page", values, request: request, context: context)
    }

    @Sendable func editPage(request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try context.requirePageAccount()
        let page = try await wiki.show(try pageID(context), viewer: context.account)
        var values = try await groupValues(page.group, request: request, context: context)
        values["page"] = ["id": page.id, "title": page.title, "body": page.body, "revision": page.revision] as [String: Any]
        return try await renderer.render("wiki-edit", values, request: request, context: context)
    }

    @Sendable func edit(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let id = try pageID(context)
        let form = try await request.form(context: context)
        guard let base = form["baseRevision"].flatMap({ Int($0) }) else { throw Problem.badRequest("the form lacks the revision it started from") }
        do {
            let saved = try await wiki.edit(id, by: account, title: form["title"], body: form["body"] ?? "", baseRevision: base)
            return .seeOther("/wiki/\(id)?\(saved.merged == true ? "merged" : "saved")=1")
        } catch let conflict as WikiConflictProblem {
            let current = try await wiki.show(id, viewer: account)
            var values = try await groupValues(current.group, request: request, context: context)
            let body = conflict.body
            values["conflict"] = [
                "id": body.conflictId, "currentRevision": body.current.revision ?? current.revision, "baseRevision": base,
                "currentTitle": body.current.title, "currentBodyHTML": Markdown.html(body.current.body),
                "yourTitle": body.yours.title, "yourBody": body.yours.body,
            ] as [String: Any]
            values["page"] = ["id": id, "title": current.title, "revision": current.revision] as [String: Any]
            return try await renderer.render("wiki-conflict", values, request: request, context: context, status: .conflict)
        } catch let error as ServiceError {
            let current = try await wiki.show(id, viewer: account)
            var values = try await groupValues(current.group, request: request, context: context)
            values["page"] = ["id": id, "title": form["title"] ?? current.title, "body": form["body"] ?? "", "revision": base] as [String: Any]
            return try await renderer.renderErrors(error, "wiki-edit", values, request: request, context: context)
        }
    }

    @Sendable func history(request: Request, context: NodeRequestContext) async throws -> Response {
        let id = try pageID(context)
        let page = try await wiki.show(id, viewer: context.account)
        let revisions = try await wiki.revisions(id, viewer: context.account)
        var values = try await groupValues(page.group, request: request, context: context)
        values["page"] = ["id": id, "title": page.title, "revision": page.revision] as [String: Any]
        values["revisions"] = revisions.reversed().map { revision in
            ["number": revision.number, "title": revision.title, "author": revision.author, "date": PageValues.date(revision.createdAt),
             "mergedFrom": revision.mergedFrom ?? 0, "isMerged": revision.mergedFrom != nil,
             "isFrom": revision.number == max(page.revision - 1, 1), "isTo": revision.number == page.revision] as [String: Any]
        }
        values["canCompare"] = revisions.count > 1
        return try await renderer.render("wiki-history", values, request: request, context: context)
    }

    @Sendable func diff(request: Request, context: NodeRequestContext) async throws -> Response {
        let id = try pageID(context)
        let page = try await wiki.show(id, viewer: context.account)
        let query = request.uri.queryParameters
        guard let from = query.get("from").flatMap({ Int($0) }), let to = query.get("to").flatMap({ Int($0) }) else {
            throw Problem.badRequest("choose two revisions to compare")
        }
        let diff = try await wiki.diff(id, from: from, to: to, viewer: context.account)
        var values = try await groupValues(page.group, request: request, context: context)
        values["page"] = ["id": id, "title": page.title] as [String: Any]
        values["from"] = from
        values["to"] = to
        values["lines"] = diff.lines.map { line in
            ["text": line.text, "isAdded": line.op == "+", "isRemoved": line.op == "-", "isSame": line.op == " "] as [String: Any]
        }
        return try await renderer.render("wiki-diff", values, request: request, context: context)
    }
}
