import Foundation
import Storage

/// A content item as one reader sees it.
public struct ContentView: Codable, Sendable, Equatable {
    public struct Author: Codable, Sendable, Equatable {
        public let username: String
        public let displayName: String
    }

    public let id: Int64
    public let url: String
    public let type: ContentItem.Kind
    public let title: String
    /// Markdown.
    public let body: String
    public let access: ContentItem.Access
    /// The slug of the group the item belongs to.
    public let group: String?
    public let author: Author
    public let parentId: Int64?
    public let createdAt: Date
    public let updatedAt: Date
    public let likeCount: Int
    public let likedByMe: Bool
    public let commentCount: Int
    /// The folder a file or folder is in (absent at the top).
    public let folderId: Int64?
    /// The current version of a file (files only).
    public let file: FileInfo?
}

/// The current version of a file item, as a listing shows it.
public struct FileInfo: Codable, Sendable, Equatable {
    public let version: Int
    public let filename: String
    public let contentType: String
    public let size: Int64
    /// Hex SHA-256 of the bytes; also the download's ETag.
    public let sha256: String
    public let downloadURL: String
}

/// An item with its comments, in thread order.
public struct ContentThread: Codable, Sendable, Equatable {
    public let item: ContentView
    public let comments: [ContentView]
}

/// Status updates, blog posts, discussions and comments, with likes. Who may
/// read an item is decided in one place (`NodeDatabase.visibility`); this
/// service decides who may write.
public struct ContentService: Sendable {
    let database: NodeDatabase
    let configuration: NodeConfiguration
    let notifications: NotificationService
    /// File versions' bytes, dropped when the last item using them is deleted.
    let blobs: BlobStore
    let federation: GroupFederation
    /// Announces the deletion of a group's file or folder.
    let files: GroupFileFederation

    public struct Draft: Sendable {
        public var type: ContentItem.Kind?
        public var title: String?
        public var body: String?
        public var access: ContentItem.Access?
        public var group: String?
        public var parentId: Int64?

        public init(type: ContentItem.Kind? = nil, title: String? = nil, body: String? = nil, access: ContentItem.Access? = nil,
                    group: String? = nil, parentId: Int64? = nil) {
            self.type = type
            self.title = title
            self.body = body
            self.access = access
            self.group = group
            self.parentId = parentId
        }
    }

    /// Writes a new item (or a comment, when `parentId` is given).
    public func create(by account: Account, _ draft: Draft) async throws -> ContentView {
        var errors = FieldErrors()
        let body = draft.body ?? ""
        let title = (draft.title ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        errors.check("body", Validation.textProblem(body, max: 100_000, allowEmpty: false))
        errors.check("title", Validation.textProblem(title, max: 200))
        if let parentId = draft.parentId {
            try errors.throwIfAny()
            return try await comment(by: account, on: parentId, body: body)
        }
        guard let type = draft.type else {
            errors.check("type", "is required: status, blog or discussion")
            try errors.throwIfAny()
            throw ServiceError(.invalid, "type is required")
        }
        if type == .comment { errors.check("type", "comment needs parentId") }
        if type == .file || type == .folder { errors.check("type", "files and folders are made through /files and /folders") }
        if (type == .blog || type == .discussion) && title.isEmpty { errors.check("title", "is required for a \(type.rawValue)") }
        if type == .status && !title.isEmpty { errors.check("title", "is not used by status updates") }
        var groupId: Int64?
        var targetGroup: Group?
        var access = draft.access ?? (draft.group == nil ? .users : .members)
        if let slug = draft.group {
            guard let group = try await database.group(slug: slug),
                  let membership = try await database.membership(groupId: group.id!, accountId: account.id!), membership.isMember
            else { throw ServiceError(.forbidden, "only members of the group may write in it") }
            groupId = group.id
            targetGroup = group
            // Content in a closed or hidden group is for its members: nothing wider.
            if (group.membershipMode == .closed || group.isHidden), access == .public || access == .users { access = .members }
        } else if access == .members {
            errors.check("access", "members needs a group")
        }
        try errors.throwIfAny()
        let plan = try await federation.plan(group: targetGroup, author: account, access: access, parent: nil)
        let item = try await database.createContent(ContentItem(
            type: type, groupId: groupId, authorId: account.id!, title: title, body: body, access: access)) { try plan.deliveries("Create", of: $0) }
        if !plan.isEmpty { federation.runtime.outbox.wake() }
        try await notifications.notifyMentions(in: item, by: account)
        return try await view(id: item.id!, viewer: account)
    }

    private func comment(by account: Account, on parentId: Int64, body: String) async throws -> ContentView {
        guard let parent = try await database.content(id: parentId, viewerId: account.id)?.item else {
            throw ServiceError(.notFound, "no item \(parentId)")
        }
        if let groupId = parent.groupId {
            guard try await database.membership(groupId: groupId, accountId: account.id!)?.isMember == true else {
                throw ServiceError(.forbidden, "only members of the group may comment")
            }
        }
        let rootId = parent.rootId ?? parent.id!
        let group = try await parent.groupId.asyncMap { try await database.group(id: $0) } ?? nil
        let plan = try await federation.plan(group: group, author: account, access: parent.access, parent: parent)
        let item = try await database.createContent(ContentItem(
            type: .comment, groupId: parent.groupId, authorId: account.id!, parentId: parent.id, rootId: rootId,
            title: "", body: body, access: parent.access)) { try plan.deliveries("Create", of: $0) }
        if !plan.isEmpty { federation.runtime.outbox.wake() }
        // The author of what was answered, and the one who started the thread.
        var answered = [parent.authorId]
        if let rootAuthor = try await database.contentItem(id: rootId)?.authorId { answered.append(rootAuthor) }
        try await notifications.notify(answered, kind: .contentReply, actor: account, groupId: parent.groupId, itemId: item.id)
        try await notifications.notifyMentions(in: item, by: account)
        return try await view(id: item.id!, viewer: account)
    }

    /// An item and its comments, if the viewer may read it.
    public func thread(_ id: Int64, viewer: Account?) async throws -> ContentThread {
        guard let row = try await database.content(id: id, viewerId: viewer?.id) else { throw ServiceError(.notFound, "no item \(id)") }
        let comments = row.item.parentId == nil ? try await database.comments(rootId: id, viewerId: viewer?.id) : []
        let views = try await views([row] + comments)
        return ContentThread(item: views[0], comments: Array(views.dropFirst()))
    }

    public func list(_ query: ContentQuery, viewer: Account?) async throws -> [ContentView] {
        try await views(try await database.content(query, viewerId: viewer?.id))
    }

    /// What happens in a person's groups, from people they follow, and their
    /// own posts, newest first; pass the last id as `before` for the next page.
    public func dashboard(for account: Account, following: [String], personPrefix: String, types: [ContentItem.Kind],
                          before: Int64?, limit: Int) async throws -> (items: [ContentView], next: String?) {
        let rows = try await database.dashboard(accountId: account.id!, followedActorIds: following, actorIdPrefix: personPrefix,
                                                types: types, before: before, limit: limit + 1)
        let items = try await views(Array(rows.prefix(limit)))
        return (items, rows.count > limit ? items.last.map { String($0.id) } : nil)
    }

    /// The author changes their item.
    public func update(_ id: Int64, by account: Account, title: String?, body: String?, access: ContentItem.Access?) async throws -> ContentView {
        guard var item = try await database.content(id: id, viewerId: account.id)?.item else { throw ServiceError(.notFound, "no item \(id)") }
        guard item.authorId == account.id else { throw ServiceError(.forbidden, "only the author may change an item") }
        if item.type == .file || item.type == .folder {
            // Their names are checked as file names, and moves keep the folder tree whole.
            throw ServiceError.invalid(field: "type", "files and folders are changed through /api/v1/files and /api/v1/folders")
        }
        var errors = FieldErrors()
        if let body { errors.check("body", Validation.textProblem(body, max: 100_000, allowEmpty: false)) }
        if let title { errors.check("title", Validation.textProblem(title, max: 200, allowEmpty: item.type == .status || item.type == .comment)) }
        if let access {
            if item.parentId != nil { errors.check("access", "comments follow their thread") }
            if access == .members && item.groupId == nil { errors.check("access", "members needs a group") }
            if let groupId = item.groupId, access == .public || access == .users,
               let group = try await database.group(id: groupId), group.membershipMode == .closed || group.isHidden {
                errors.check("access", "content of a closed or hidden group is for its members")
            }
        }
        try errors.throwIfAny()
        if let title { item.title = title.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let body { item.body = body }
        if let access { item.access = access }
        item.updatedAt = Date()
        let group = try await item.groupId.asyncMap { try await database.group(id: $0) } ?? nil
        let parent = try await item.parentId.asyncMap { try await database.contentItem(id: $0) } ?? nil
        let plan = try await federation.plan(group: group, author: account, access: item.access, parent: parent)
        let deliveries = try plan.deliveries("Update", of: item)
        try await translatingStorageErrors { try await database.updateContent(item, deliveries: deliveries) }
        if !deliveries.isEmpty { federation.runtime.outbox.wake() }
        return try await view(id: id, viewer: account)
    }

    /// Deletes an item: its author, the group's owner and admins, or a node administrator.
    /// A group's file or folder is deleted on the group's home node, which
    /// announces it like a file change (``GroupFileFederation``).
    public func delete(_ id: Int64, by account: Account) async throws {
        guard let item = try await database.contentItem(id: id) else { throw ServiceError(.notFound, "no item \(id)") }
        let canSee = try await database.content(id: id, viewerId: account.id) != nil
        var allowed = item.authorId == account.id && canSee || account.isAdmin
        if !allowed, let groupId = item.groupId {
            allowed = try await database.membership(groupId: groupId, accountId: account.id!)?.isManager == true
        }
        guard allowed else {
            throw canSee ? ServiceError(.forbidden, "only the author or the group's admins may delete this") : ServiceError(.notFound, "no item \(id)")
        }
        var deliveries: [Delivery] = []
        if let groupId = item.groupId, let group = try await database.group(id: groupId) {
            if item.type == .file || item.type == .folder {
                try FileService.refuseMirrored(group)
                if item.access != .private, let announcement = try await files.announcement(group: group, people: []) {
                    deliveries = try announcement.deleteDeliveries(item)
                }
            } else {
                deliveries = try await federation.deleteDeliveries(item, group: group, by: account)
            }
        }
        let digests = try await translatingStorageErrors { try await database.deleteContent(id: id, deliveries: deliveries) }
        if !deliveries.isEmpty { federation.runtime.outbox.wake() }
        try await database.removeUnusedBlobs(digests, from: blobs)
    }

    public func like(_ id: Int64, by account: Account, _ liked: Bool) async throws -> ContentView {
        guard let item = try await database.content(id: id, viewerId: account.id)?.item else { throw ServiceError(.notFound, "no item \(id)") }
        var deliveries: [Delivery] = []
        if let groupId = item.groupId, let group = try await database.group(id: groupId) {
            deliveries = try await federation.likeDeliveries(item, group: group, by: account, liked: liked)
        }
        try await database.setLike(itemId: id, accountId: account.id!, liked, deliveries: deliveries)
        if !deliveries.isEmpty { federation.runtime.outbox.wake() }
        return try await view(id: id, viewer: account)
    }

    func view(id: Int64, viewer: Account?) async throws -> ContentView {
        guard let row = try await database.content(id: id, viewerId: viewer?.id) else { throw ServiceError(.notFound, "no item \(id)") }
        return try await views([row])[0]
    }

    /// The rows as their reader sees them. The authors' and groups' names
    /// come from one read for the whole page (and file versions from one more
    /// when the page holds files), not one read per author and group.
    func views(_ rows: [ContentRow]) async throws -> [ContentView] {
        guard !rows.isEmpty else { return [] }
        let names = try await database.listingNames(authorIds: rows.map(\.item.authorId), groupIds: rows.compactMap(\.item.groupId))
        let versions = try await database.currentFileVersions(itemIds: rows.filter { $0.item.type == .file }.map { $0.item.id! })
        let base = configuration.baseURL.absoluteString
        return rows.map { row in
            let item = row.item
            let file = versions[item.id!].map {
                FileInfo(version: $0.number, filename: $0.filename, contentType: $0.contentType, size: $0.byteCount, sha256: $0.digest,
                         downloadURL: "\(base)/api/v1/files/\(item.id!)/download")
            }
            return ContentView(
                id: item.id!, url: item.apId ?? "\(base)/content/\(item.id!)", type: item.type, title: item.title, body: item.body, access: item.access,
                group: item.groupId.flatMap { names.groupSlugs[$0] },
                author: names.authors[item.authorId].map { ContentView.Author(username: $0.username, displayName: $0.displayName) }
                    ?? ContentView.Author(username: "?", displayName: "?"),
                parentId: item.parentId, createdAt: item.createdAt, updatedAt: item.updatedAt,
                likeCount: row.likeCount, likedByMe: row.likedByViewer, commentCount: row.commentCount,
                folderId: item.folderId, file: file)
        }
    }
}
