import Foundation
import Hummingbird
import Storage

/// A wiki page with its current text, as a reader sees it.
public struct WikiPageView: Codable, Sendable, Equatable {
    public let id: Int64
    public let group: String
    public let parentId: Int64?
    public let access: ContentItem.Access
    public let revision: Int
    public let title: String
    public let body: String
    public let updatedAt: Date
    /// True when this edit was merged with edits made since its base revision.
    public let merged: Bool?
}

public struct WikiRevisionView: Codable, Sendable, Equatable {
    public let number: Int
    public let title: String
    public let author: String
    public let mergedFrom: Int?
    public let createdAt: Date
}

/// An edit refused because it overlaps an edit accepted since it was begun:
/// a 409 problem that carries both versions. The refused text is also kept
/// on the node (`conflictId`), so nothing is lost.
public struct WikiConflictProblem: DetailedProblem, Sendable {
    public struct Version: Codable, Sendable {
        public let revision: Int?
        public let title: String
        public let body: String
    }

    struct Body: Encodable {
        let type = "/problems/edit-conflict"
        let title = "Edit conflict"
        let status = 409
        let detail: String
        /// The path of the request that was refused (RFC 9457).
        var instance: String?
        let conflictId: Int64
        let current: Version
        let yours: Version
    }

    let body: Body
    public var status: HTTPResponse.Status { .conflict }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body = body
        body.instance = request.uri.path
        return Response(status: .conflict, headers: [.contentType: Problem.mediaType, .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try JSONCoding.encoder.encode(body))))
    }
}

/// Wiki pages of groups: nestable pages, full revision history, diffs, and
/// safe concurrent editing. An edit names the revision it started from; a
/// stale edit that does not overlap later edits is merged, one that does is
/// refused with both versions shown and kept.
public struct WikiService: Sendable {
    let database: NodeDatabase
    let federation: GroupFederation

    public func create(in slug: String, by account: Account, title: String, body: String, parentId: Int64?, access: ContentItem.Access?) async throws -> WikiPageView {
        guard let group = try await database.group(slug: slug),
              try await database.membership(groupId: group.id!, accountId: account.id!)?.isMember == true
        else { throw ServiceError(.forbidden, "only members of the group may write its wiki") }
        var errors = FieldErrors()
        errors.check("title", Validation.textProblem(title, max: 200, allowEmpty: false))
        errors.check("body", Validation.textProblem(body, max: 200_000))
        var pageAccess = access ?? .members
        if group.membershipMode == .closed || group.isHidden, pageAccess == .public || pageAccess == .users { pageAccess = .members }
        if let parentId, try await database.wikiPage(id: parentId, viewerId: account.id)?.0.groupId != group.id {
            errors.check("parentId", "is not a page of this group")
        }
        try errors.throwIfAny()
        if group.isRemote {
            return try await createOnHomeNode(group, by: account, title: title, body: body, parentId: parentId, access: access)
        }
        let destinations = try await federation.wikiDestinations(group)
        let page = try await database.createWikiPage(WikiPage(groupId: group.id!, parentId: parentId, authorId: account.id!, access: pageAccess),
                                                     title: title.trimmingCharacters(in: .whitespacesAndNewlines), body: body) { page, revision in
            try federation.wikiDeliveries(page, revision: revision, group: group, isNew: true, author: account, to: destinations)
        }
        if !destinations.isEmpty { federation.runtime.outbox.wake() }
        return try await show(page.id!, viewer: account)
    }

    /// A new page of a mirrored group: the group's home node makes it
    /// (see RemoteWikiPages.swift) and its answer is stored here at once.
    private func createOnHomeNode(_ group: Group, by account: Account, title: String, body: String, parentId: Int64?,
                                  access: ContentItem.Access?) async throws -> WikiPageView {
        var parentApId: String?
        if let parentId {
            guard let apId = try await database.wikiPage(id: parentId, viewerId: account.id)?.0.apId else {
                throw ServiceError.invalid(field: "parentId", "is not a page of this group")
            }
            parentApId = apId
        }
        let made = try await federation.proposeWikiPage(in: group, by: account, title: title.trimmingCharacters(in: .whitespacesAndNewlines),
                                                        body: body, parentApId: parentApId, access: access)
        try await database.applyChanges([.saveWikiRevision(WikiRevisionNotice(
            pageApId: made.id, group: .id(group.id!), parentApId: made.parent, access: made.access, number: made.revision,
            title: made.title, body: made.body, author: .id(account.id!), mergedFrom: nil, createdAt: made.createdAt))], deliveries: [])
        guard let page = try await database.wikiPage(apId: made.id) else { throw ServiceError(.unavailable, "the new page was not stored") }
        return try await show(page.id!, viewer: account)
    }

    public func show(_ id: Int64, viewer: Account?, merged: Bool? = nil) async throws -> WikiPageView {
        guard let (page, revision) = try await database.wikiPage(id: id, viewerId: viewer?.id) else { throw ServiceError(.notFound, "no wiki page \(id)") }
        let slug = try await database.group(id: page.groupId)?.slug ?? ""
        return WikiPageView(id: id, group: slug, parentId: page.parentId, access: page.access, revision: revision.number,
                            title: revision.title, body: revision.body, updatedAt: page.updatedAt, merged: merged)
    }

    public func pages(in slug: String, viewer: Account?) async throws -> [WikiPageView] {
        guard let group = try await database.group(slug: slug) else { throw ServiceError(.notFound, "no group '\(slug)'") }
        if group.isHidden, viewer?.isAdmin != true {
            let state = try await viewer.asyncFlatMap { try await database.membership(groupId: group.id!, accountId: $0.id!) }?.state
            guard state == .member || state == .invited else { throw ServiceError(.notFound, "no group '\(slug)'") }
        }
        return try await database.wikiPages(groupId: group.id!, viewerId: viewer?.id).map { page, title in
            WikiPageView(id: page.id!, group: slug, parentId: page.parentId, access: page.access, revision: page.currentRevision,
                         title: title, body: "", updatedAt: page.updatedAt, merged: nil)
        }
    }

    /// Saves an edit that started from `baseRevision`.
    public func edit(_ id: Int64, by account: Account, title: String?, body: String, baseRevision: Int) async throws -> WikiPageView {
        guard let (page, _) = try await database.wikiPage(id: id, viewerId: account.id) else { throw ServiceError(.notFound, "no wiki page \(id)") }
        guard try await database.membership(groupId: page.groupId, accountId: account.id!)?.isMember == true else {
            throw ServiceError(.forbidden, "only members of the group may edit its wiki")
        }
        var errors = FieldErrors()
        errors.check("body", Validation.textProblem(body, max: 200_000))
        if let title { errors.check("title", Validation.textProblem(title, max: 200, allowEmpty: false)) }
        try errors.throwIfAny()
        if page.apId != nil {
            // The group's home node orders the revisions: it merges or refuses, and this node follows.
            let edit = try await federation.proposeWikiEdit(page, by: account, title: title, body: body, baseRevision: baseRevision)
            try await database.applyChanges([.saveWikiRevision(WikiRevisionNotice(
                pageApId: page.apId!, group: .id(page.groupId), parentApId: nil, access: page.access, number: edit.revision,
                title: edit.title, body: edit.body, author: .id(account.id!), mergedFrom: edit.mergedFrom, createdAt: edit.createdAt))],
                deliveries: [])
            return try await show(id, viewer: account, merged: edit.mergedFrom != nil)
        }
        guard let group = try await database.group(id: page.groupId) else { throw ServiceError(.notFound, "no wiki page \(id)") }
        let destinations = try await federation.wikiDestinations(group)
        // Retry when another edit lands between reading and writing; each pass merges against the newest.
        for _ in 0..<5 {
            guard let (current, currentRevision) = try await database.wikiPage(id: id, viewerId: account.id) else { break }
            guard let base = try await database.wikiRevision(pageId: id, number: baseRevision), baseRevision <= current.currentRevision else {
                throw ServiceError.invalid(field: "baseRevision", "is not a revision of this page")
            }
            let wantedTitle = title?.trimmingCharacters(in: .whitespacesAndNewlines) ?? base.title
            var newTitle = wantedTitle, newBody = body, mergedFrom: Int?
            if baseRevision != current.currentRevision {
                let titleConflict = wantedTitle != base.title && currentRevision.title != base.title && wantedTitle != currentRevision.title
                guard !titleConflict, let merged = TextMerge.merge(base: base.body, ours: currentRevision.body, theirs: body) else {
                    let kept = try await database.saveWikiConflict(WikiConflict(pageId: id, baseRevision: baseRevision, title: wantedTitle, body: body, authorId: account.id!))
                    throw WikiConflictProblem(body: .init(
                        detail: "revision \(current.currentRevision) changed the same lines since revision \(baseRevision); your version is kept as conflict \(kept.id!)",
                        conflictId: kept.id!,
                        current: .init(revision: currentRevision.number, title: currentRevision.title, body: currentRevision.body),
                        yours: .init(revision: nil, title: wantedTitle, body: body)))
                }
                newBody = merged
                newTitle = wantedTitle != base.title ? wantedTitle : currentRevision.title
                mergedFrom = baseRevision
            }
            let revision = WikiRevision(pageId: id, number: current.currentRevision + 1, title: newTitle, body: newBody,
                                        authorId: account.id!, mergedFrom: mergedFrom)
            let deliveries = try federation.wikiDeliveries(current, revision: revision, group: group, isNew: false, author: account, to: destinations)
            if try await database.appendWikiRevision(revision, expectedCurrent: current.currentRevision, deliveries: deliveries) {
                if !deliveries.isEmpty { federation.runtime.outbox.wake() }
                return try await show(id, viewer: account, merged: mergedFrom != nil)
            }
        }
        throw ServiceError(.conflict, "the page is being edited by many people at once; try again")
    }

    public func revisions(_ id: Int64, viewer: Account?) async throws -> [WikiRevisionView] {
        guard try await database.wikiPage(id: id, viewerId: viewer?.id) != nil else { throw ServiceError(.notFound, "no wiki page \(id)") }
        var names: [Int64: String] = [:]
        var views: [WikiRevisionView] = []
        for revision in try await database.wikiRevisions(pageId: id) {
            var author = "(deleted account)"
            if let authorId = revision.authorId {
                if names[authorId] == nil { names[authorId] = try await database.account(id: authorId)?.username ?? author }
                author = names[authorId]!
            }
            views.append(WikiRevisionView(number: revision.number, title: revision.title, author: author,
                                          mergedFrom: revision.mergedFrom, createdAt: revision.createdAt))
        }
        return views
    }

    public func revision(_ id: Int64, number: Int, viewer: Account?) async throws -> WikiRevision {
        guard try await database.wikiPage(id: id, viewerId: viewer?.id) != nil,
              let revision = try await database.wikiRevision(pageId: id, number: number) else { throw ServiceError(.notFound, "no revision \(number)") }
        return revision
    }

    public struct Diff: Codable, Sendable, Equatable {
        public let from: Int
        public let to: Int
        let lines: [TextMerge.DiffLine]
    }

    /// The line diff between any two revisions.
    public func diff(_ id: Int64, from: Int, to: Int, viewer: Account?) async throws -> Diff {
        let old = try await revision(id, number: from, viewer: viewer)
        let new = try await revision(id, number: to, viewer: viewer)
        return Diff(from: from, to: to, lines: TextMerge.diff(from: old.body, to: new.body))
    }
}
