import Federation
import Foundation
import Storage

/// One version of a file, as a reader sees it.
public struct FileVersionView: Codable, Sendable, Equatable {
    public let number: Int
    public let filename: String
    public let contentType: String
    public let size: Int64
    public let sha256: String
    /// Who uploaded it; absent once their account is gone.
    public let uploadedBy: String?
    public let createdAt: Date
    public let downloadURL: String
}

/// A folder with the files and folders in it that the viewer may read.
public struct FolderListing: Codable, Sendable, Equatable {
    public let folder: ContentView
    public let items: [ContentView]
}

/// Files and folders, in a group or a person's own.
///
/// Files and folders are content items of the kinds `file` and `folder`
/// (with their versions in their own table) rather than tables of their own:
/// so who may read them is decided by the same single rule as every other
/// item (`NodeDatabase.visibility`), and search, the dashboard, likes,
/// comments and notifications work for them unchanged. Each item has its own
/// access level; a folder's level does not narrow what is inside it, but
/// only what a reader can see is ever listed.
///
/// Writing: members write in a group, a person alone in their own folders.
/// A file's or folder's author and the group's owner and admins rename,
/// move, add versions and delete; only the author changes its access.
public struct FileService: Sendable {
    let database: NodeDatabase
    let blobs: BlobStore
    let configuration: NodeConfiguration
    let content: ContentService
    /// Announces changes to a local group's files, and sends uploads into
    /// groups of other nodes to their home node.
    let federation: GroupFileFederation

    /// An uploaded file, already written to a temporary blob.
    public struct Upload: Sendable {
        public var blob: StagedBlob
        public var filename: String
        public var contentType: String

        public init(blob: StagedBlob, filename: String, contentType: String) {
            self.blob = blob
            self.filename = filename
            self.contentType = contentType
        }
    }

    /// Where a new file or folder goes and who may read it; `nil` takes the default.
    public struct Placement: Sendable {
        public var group: String?
        public var folderId: Int64?
        public var access: ContentItem.Access?
        public var name: String?
        public var description: String?

        public init(group: String? = nil, folderId: Int64? = nil, access: ContentItem.Access? = nil, name: String? = nil, description: String? = nil) {
            self.group = group
            self.folderId = folderId
            self.access = access
            self.name = name
            self.description = description
        }
    }

    /// A change to a file or folder; `moveTo` is `.some(nil)` to move to the top.
    public struct Change: Sendable {
        public var name: String?
        public var description: String?
        public var access: ContentItem.Access?
        public var moveTo: Int64??

        public init(name: String? = nil, description: String? = nil, access: ContentItem.Access? = nil, moveTo: Int64?? = nil) {
            self.name = name
            self.description = description
            self.access = access
            self.moveTo = moveTo
        }
    }

    /// What a download serves.
    public struct Download: Sendable {
        public let fileURL: URL
        public let version: FileVersion
        /// The file's current name, for `Content-Disposition`.
        public let name: String
    }

    // MARK: Creating

    public func createFolder(by account: Account, _ placement: Placement) async throws -> ContentView {
        var errors = FieldErrors()
        let name = (placement.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        errors.check("name", Self.nameProblem(name))
        errors.check("description", Validation.textProblem(placement.description ?? "", max: 5000))
        try errors.throwIfAny()
        let item = try await place(.folder, by: account, placement, name: name)
        let group = try await item.groupId.asyncMap { try await database.group(id: $0) } ?? nil
        if let group, group.isRemote {
            throw ServiceError(.conflict, "folders of a group of another node are made on its node (\(Origin.authority(of: group.actorId ?? "") ?? "its home"))")
        }
        let announcement = item.access == .private ? nil : try await federation.announcement(group: group, people: [item.authorId])
        let created = try await translatingFileErrors {
            try await database.createContent(item) { created in try announcement?.deliveries("Create", item: created, versions: []) ?? [] }
        }
        if announcement != nil { federation.runtime.outbox.wake() }
        return try await content.view(id: created.id!, viewer: account)
    }

    /// Stores an uploaded file as a new item; the temporary blob is consumed
    /// either way.
    public func upload(by account: Account, _ upload: Upload, _ placement: Placement) async throws -> ContentView {
        try await consuming(upload) {
            var errors = FieldErrors()
            let name = (placement.name?.trimmingCharacters(in: .whitespacesAndNewlines)).flatMap(\.nilIfEmpty) ?? upload.filename
            errors.check("name", Self.nameProblem(name))
            errors.check("description", Validation.textProblem(placement.description ?? "", max: 5000))
            try errors.throwIfAny()
            let item = try await place(.file, by: account, placement, name: name)
            let group = try await item.groupId.asyncMap { try await database.group(id: $0) } ?? nil
            if let group, group.isRemote {
                // The group's home node orders and stores it; this node mirrors what it answers.
                let folder = try await item.folderId.asyncMap { try await database.contentItem(id: $0) } ?? nil
                let mirrored = try await federation.forwardUpload(upload, group: group, folder: folder, name: name,
                                                                  description: placement.description ?? "", access: placement.access, by: account)
                return try await content.view(id: mirrored.id!, viewer: account)
            }
            let announcement = item.access == .private ? nil : try await federation.announcement(group: group, people: [item.authorId])
            let created = try await translatingFileErrors {
                try await database.createFile(item, upload: upload.blob, contentType: upload.contentType, filename: upload.filename, blobs: blobs) { created, version in
                    try announcement?.deliveries("Create", item: created, versions: [version]) ?? []
                }
            }
            if announcement != nil { federation.runtime.outbox.wake() }
            return try await content.view(id: created.id!, viewer: account)
        }
    }

    /// Adds a new version of a file; it becomes the one downloaded by default.
    /// With `baseVersion` (the version the uploader started from), a version
    /// whose base is no longer the current one is refused as a conflict.
    /// A file of another node's group is sent to its home node, which orders it.
    public func addVersion(_ id: Int64, by account: Account, _ upload: Upload, baseVersion: Int? = nil) async throws -> ContentView {
        try await consuming(upload) {
            let item = try await manageable(id, kind: .file, by: account)
            let group = try await item.groupId.asyncMap { try await database.group(id: $0) } ?? nil
            if let group, group.isRemote {
                _ = try await federation.forwardVersion(upload, of: item, group: group, baseVersion: baseVersion, by: account)
                return try await content.view(id: id, viewer: account)
            }
            let versions = try await database.fileVersions(itemId: id)
            let announcement = item.access == .private ? nil
                : try await federation.announcement(group: group, people: [item.authorId, account.id] + versions.map(\.authorId))
            _ = try await translatingFileErrors {
                try await database.addFileVersion(itemId: item.id!, upload: upload.blob, contentType: upload.contentType,
                                                  filename: upload.filename, authorId: account.id!, baseVersion: baseVersion, blobs: blobs) { item, version in
                    try announcement?.deliveries("Update", item: item, versions: [version] + versions) ?? []
                }
            }
            if announcement != nil { federation.runtime.outbox.wake() }
            return try await content.view(id: id, viewer: account)
        }
    }

    /// Runs `body`; when it fails, the upload's temporary file goes, and so do
    /// its bytes if they were moved into the store but no version uses them.
    private func consuming<T>(_ upload: Upload, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            upload.blob.discard()
            try? await database.removeUnusedBlobs([upload.blob.digest], from: blobs)
            throw error
        }
    }

    /// The new item's group, folder and access, after checking the author may write there.
    private func place(_ kind: ContentItem.Kind, by account: Account, _ placement: Placement, name: String) async throws -> ContentItem {
        var groupId: Int64?
        var group: Group?
        if let folderId = placement.folderId {
            guard let folder = try await database.content(id: folderId, viewerId: account.id)?.item, folder.type == .folder else {
                throw ServiceError.invalid(field: "folderId", "is not a folder you can see")
            }
            groupId = folder.groupId
            if let slug = placement.group, try await database.group(slug: slug)?.id != folder.groupId {
                throw ServiceError.invalid(field: "folderId", "is not a folder of group '\(slug)'")
            }
            if folder.groupId == nil, folder.authorId != account.id {
                throw ServiceError(.forbidden, "only the owner of a personal folder puts things in it")
            }
        } else if let slug = placement.group {
            guard let found = try await database.group(slug: slug) else { throw ServiceError(.notFound, "no group '\(slug)'") }
            groupId = found.id
        }
        if let groupId {
            group = try await database.group(id: groupId)
            guard try await database.membership(groupId: groupId, accountId: account.id!)?.isMember == true else {
                throw ServiceError(.forbidden, "only members of the group may add files to it")
            }
        }
        var access = placement.access ?? (groupId == nil ? .private : .members)
        if groupId == nil, access == .members { throw ServiceError.invalid(field: "access", "members needs a group") }
        // A closed or hidden group's files are for its members: nothing wider.
        if let group, group.membershipMode == .closed || group.isHidden, access == .public || access == .users { access = .members }
        return ContentItem(type: kind, groupId: groupId, authorId: account.id!, folderId: placement.folderId,
                           title: name, body: placement.description ?? "", access: access)
    }

    // MARK: Reading

    /// A file or folder the viewer may read; `kind` names which is expected.
    public func show(_ id: Int64, kind: ContentItem.Kind, viewer: Account?) async throws -> ContentView {
        _ = try await visible(id, kind: kind, viewer: viewer)
        return try await content.view(id: id, viewer: viewer)
    }

    public func folder(_ id: Int64, viewer: Account?) async throws -> FolderListing {
        _ = try await visible(id, kind: .folder, viewer: viewer)
        let folder = try await content.view(id: id, viewer: viewer)
        let items = try await content.views(try await database.files(at: .folder(id), viewerId: viewer?.id))
        return FolderListing(folder: folder, items: items)
    }

    /// The files and folders at the top of a group, as the viewer may see them.
    public func top(ofGroup group: Group, viewer: Account?) async throws -> [ContentView] {
        try await content.views(try await database.files(at: .groupTop(group.id!), viewerId: viewer?.id))
    }

    /// A person's own files and folders at the top, as the viewer may see them.
    public func top(ofPerson owner: Account, viewer: Account?) async throws -> [ContentView] {
        try await content.views(try await database.files(at: .personalTop(ownerId: owner.id!), viewerId: viewer?.id))
    }

    public func versions(_ id: Int64, viewer: Account?) async throws -> [FileVersionView] {
        _ = try await visible(id, kind: .file, viewer: viewer)
        let versions = try await database.fileVersions(itemId: id)
        var usernames: [Int64: String] = [:]
        for authorId in Set(versions.compactMap(\.authorId)) { usernames[authorId] = try await database.account(id: authorId)?.username }
        let base = configuration.baseURL.absoluteString
        return versions.map {
            FileVersionView(number: $0.number, filename: $0.filename, contentType: $0.contentType, size: $0.byteCount, sha256: $0.digest,
                            uploadedBy: $0.authorId.flatMap { usernames[$0] }, createdAt: $0.createdAt,
                            downloadURL: "\(base)/api/v1/files/\(id)/versions/\($0.number)/download")
        }
    }

    /// The bytes of a version (the current one when `number` is `nil`) of a file the viewer may read.
    public func download(_ id: Int64, version number: Int?, viewer: Account?) async throws -> Download {
        let item = try await visible(id, kind: .file, viewer: viewer)
        let versions = try await database.fileVersions(itemId: id)
        guard let version = number.map({ number in versions.first { $0.number == number } }) ?? versions.first else {
            throw ServiceError(.notFound, "file \(id) has no version \(number.map(String.init) ?? "")")
        }
        if item.apId != nil {
            // A file of another node's group: its bytes come from there, on the viewer's behalf, the first time.
            return Download(fileURL: try await federation.bytes(of: item, version: version, for: viewer), version: version, name: item.title)
        }
        guard let url = blobs.fileURL(version.digest) else { throw ServiceError(.notFound, "the bytes of this version are missing") }
        return Download(fileURL: url, version: version, name: item.title)
    }

    // MARK: Changing

    /// Renames, moves, describes or changes the access of a file or folder.
    public func change(_ id: Int64, kind: ContentItem.Kind, by account: Account, _ change: Change) async throws -> ContentView {
        var item = try await manageable(id, kind: kind, by: account)
        let group = try await item.groupId.asyncMap { try await database.group(id: $0) } ?? nil
        if change.access != nil { try Self.refuseMirrored(group) }
        var errors = FieldErrors()
        if let name = change.name { errors.check("name", Self.nameProblem(name.trimmingCharacters(in: .whitespacesAndNewlines))) }
        if let description = change.description { errors.check("description", Validation.textProblem(description, max: 5000)) }
        if let access = change.access {
            if item.authorId != account.id { throw ServiceError(.forbidden, "only the author changes who may read this") }
            if access == .members && item.groupId == nil { errors.check("access", "members needs a group") }
            if let groupId = item.groupId, access == .public || access == .users,
               let group = try await database.group(id: groupId), group.membershipMode == .closed || group.isHidden {
                errors.check("access", "files of a closed or hidden group are for its members")
            }
        }
        try errors.throwIfAny()
        if let group, group.isRemote {
            // The group's home node checks, applies and announces it; its answer is mirrored here.
            var folder: String??
            if case .some(let target) = change.moveTo {
                if let target {
                    guard let folderItem = try await database.content(id: target, viewerId: account.id)?.item, folderItem.type == .folder,
                          folderItem.groupId == group.id, let folderApId = folderItem.apId else {
                        throw ServiceError.invalid(field: "folderId", "is not a folder of this group you can see")
                    }
                    folder = .some(folderApId)
                } else {
                    folder = .some(nil)
                }
            }
            _ = try await federation.forwardChange(of: item, group: group, name: change.name?.trimmingCharacters(in: .whitespacesAndNewlines),
                                                   description: change.description, folder: folder, by: account)
            return try await content.view(id: id, viewer: account)
        }
        // The announce describes the item as it will be after both writes.
        let isMove: Bool
        if case .some(let target) = change.moveTo, target != item.folderId { isMove = true } else { isMove = false }
        let isEdit = change.name != nil || change.description != nil || change.access != nil
        var final = item
        if case .some(let target) = change.moveTo { final.folderId = target }
        if let name = change.name { final.title = name.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let description = change.description { final.body = description }
        if let access = change.access { final.access = access }
        final.updatedAt = Date()
        var deliveries: [Delivery] = []
        if (isMove || isEdit) && (item.access != .private || final.access != .private) {
            let versions = try await database.fileVersions(itemId: id)
            if let announcement = try await federation.announcement(group: group, people: [item.authorId] + versions.map(\.authorId)) {
                // Made private: the member nodes drop it; otherwise they take the new state.
                deliveries = final.access == .private ? try announcement.deleteDeliveries(final)
                    : try announcement.deliveries("Update", item: final, versions: versions)
            }
        }
        if case .some(let target) = change.moveTo, target != item.folderId {
            if let target, try await database.content(id: target, viewerId: account.id) == nil {
                throw ServiceError.invalid(field: "folderId", "is not a folder you can see")
            }
            item = try await translatingFileErrors { try await database.moveFileItem(id: id, to: target, deliveries: isEdit ? [] : deliveries) }
        }
        if let name = change.name { item.title = name.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let description = change.description { item.body = description }
        if let access = change.access { item.access = access }
        if isEdit {
            item.updatedAt = final.updatedAt
            try await translatingFileErrors { try await database.updateContent(item, deliveries: deliveries) }
        }
        if !deliveries.isEmpty { federation.runtime.outbox.wake() }
        return try await content.view(id: id, viewer: account)
    }

    /// Deletes a file with its versions, or a folder with everything in it.
    public func delete(_ id: Int64, kind: ContentItem.Kind, by account: Account) async throws {
        guard let item = try await database.contentItem(id: id), item.type == kind else { throw Self.notFound(id, kind) }
        if item.apId != nil, let groupId = item.groupId, let group = try await database.group(id: groupId), group.isRemote {
            // The group's home node checks and deletes it (and announces it); then the copy here goes.
            _ = try await manageable(id, kind: kind, by: account)
            try await federation.forwardDelete(of: item, by: account)
            return
        }
        // Announced (or, for a file of another node's group, refused) by the content service.
        try await content.delete(id, by: account)
    }

    /// Files of another node's group are renamed, moved and deleted on
    /// that node, which orders changes to them.
    static func refuseMirrored(_ group: Group?) throws {
        guard let group, group.isRemote else { return }
        throw ServiceError(.conflict, "files of a group of another node are changed on its node (\(Origin.authority(of: group.actorId ?? "") ?? "its home"))")
    }

    // MARK: Rules

    /// The item when the viewer may read it and it is of `kind`.
    private func visible(_ id: Int64, kind: ContentItem.Kind, viewer: Account?) async throws -> ContentItem {
        guard let item = try await database.content(id: id, viewerId: viewer?.id)?.item, item.type == kind else {
            throw Self.notFound(id, kind)
        }
        return item
    }

    /// The item when the account may change it: its author, or an owner or
    /// admin of its group; and they must be able to read it.
    private func manageable(_ id: Int64, kind: ContentItem.Kind, by account: Account) async throws -> ContentItem {
        let item = try await visible(id, kind: kind, viewer: account)
        if item.authorId == account.id { return item }
        if let groupId = item.groupId, try await database.membership(groupId: groupId, accountId: account.id!)?.isManager == true { return item }
        throw ServiceError(.forbidden, "only the author or the group's admins may change this \(kind.rawValue)")
    }

    static func notFound(_ id: Int64, _ kind: ContentItem.Kind) -> ServiceError {
        ServiceError(.notFound, "no \(kind.rawValue) \(id)")
    }

    /// A name is what a person sees and what a download is saved as: 1 to
    /// 200 characters, no control characters and no path separators.
    static func nameProblem(_ name: String) -> String? {
        if name.isEmpty || name.count > 200 { return "must be 1 to 200 characters" }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "/" || $0 == "\\" }) {
            return "must not contain control characters, '/' or '\\'"
        }
        if name == "." || name == ".." { return "must not be '.' or '..'" }
        return nil
    }

    /// Storage refusals of a move as the errors people see: a loop is a
    /// conflict with the folder tree, another group's folder is bad input.
    private func translatingFileErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StorageError where error.isCycle {
            throw ServiceError(.conflict, error.description, fieldErrors: [.init(pointer: "/folderId", detail: "would put the folder inside itself")])
        } catch let error as StorageError where error.isInvalidReference {
            throw ServiceError.invalid(field: "folderId", "must be a folder of the same group (or, outside groups, of the same owner)")
        } catch let error as StorageError {
            throw error.asServiceError
        }
    }
}
