import Federation
import Foundation
import Logging
import Storage

/// Files and folders of a group that spans nodes (see docs/federation.md,
/// "Files across nodes").
///
/// - On the group's home node, every new file or folder, new version,
///   change and deletion is announced by the group to the nodes of its
///   members elsewhere, as ``FileObjects`` describes, with the same per-node
///   addressing as other group content.
/// - On a member's node, an upload (or a new version) into a mirrored group
///   is sent at once to the home node, signed with the uploader's key; the
///   home node orders and stores it and answers with the stored object,
///   which is mirrored here before the upload returns. The bytes of a
///   mirrored file are fetched from the home node on first download, on
///   behalf of the person downloading, checked against their SHA-256 and
///   kept under that digest.
struct GroupFileFederation: Sendable {
    let database: NodeDatabase
    let runtime: FederationRuntime
    /// Where the bytes of mirrored files are kept: a store of their own, so
    /// that a file announced by another node is never answered with bytes
    /// this node holds for its own files (whoever knows a digest could
    /// otherwise read them through a group of their making).
    let cache: BlobStore

    var urls: LocalActorURLs { runtime.urls }
    var announcer: GroupAnnouncer { GroupAnnouncer(database: database, outbox: runtime.outbox) }

    // MARK: On the group's home node

    /// What announcing changes to one local group's files needs, gathered
    /// before the write so that the rows can be made inside it.
    struct Announcement: Sendable {
        let group: Group
        let destinations: [Outbox.Destination]
        /// Actor ids of the people the objects name, by account id.
        let people: [Int64: String]
        let announcer: GroupAnnouncer
        let urls: LocalActorURLs

        var isEmpty: Bool { destinations.isEmpty }

        /// The announces of `type` (`Create`, `Update`) of the item with `versions` (newest first).
        func deliveries(_ type: String, item: ContentItem, versions: [FileVersion]) throws -> [Delivery] {
            guard !destinations.isEmpty, let author = people[item.authorId] else { return [] }
            let id = urls.content(item.id!)
            let object = FileObjects.object(
                item, id: id, author: author, group: urls.group(group.slug), folder: item.folderId.map { urls.content($0) },
                versions: versions.sorted { $0.number > $1.number }.map { version in
                    FileObjects.Version(number: version.number, digest: version.digest, size: version.byteCount, mediaType: version.contentType,
                                        filename: version.filename, uploader: version.authorId.flatMap { people[$0] }, published: version.createdAt)
                })
            return try announce(type, object: object, access: item.access,
                                subjects: [LedgerSubject(id, kind: .content), LedgerSubject(author, kind: .profile)])
        }

        /// The announces of the deletion of an item (a folder with everything in it).
        func deleteDeliveries(_ item: ContentItem) throws -> [Delivery] {
            guard !destinations.isEmpty else { return [] }
            return try announce("Delete", object: .object(["id": .string(urls.content(item.id!)), "type": .string("Tombstone")]),
                                access: item.access, subjects: [])
        }

        private func announce(_ type: String, object: JSONValue, access: ContentItem.Access, subjects: [LedgerSubject]) throws -> [Delivery] {
            let groupId = urls.group(group.slug)
            var activity = Activity(id: urls.newActivityId(), type: type, actor: groupId, object: object, to: [urls.groupMembers(group.slug)])
            activity.audience = groupId
            let inner = try JSONDecoder().decode(JSONValue.self, from: activity.encoded())
            return try announcer.deliveries(announcing: inner, group: group, to: destinations, access: access, subjects: subjects)
        }
    }

    /// The announcement for changes to files of `group`; `nil` for items
    /// outside groups, for mirrored groups, and for groups with no members
    /// on other nodes. Private items (for their author alone) are never
    /// announced: the callers leave them out.
    func announcement(group: Group?, people accountIds: [Int64?]) async throws -> Announcement? {
        guard let group, !group.isRemote else { return nil }
        let destinations = try await announcer.destinations(groupId: group.id!)
        guard !destinations.isEmpty else { return nil }
        var people: [Int64: String] = [:]
        for id in Set(accountIds.compactMap { $0 }) {
            if let account = try await database.account(id: id) { people[id] = account.actorId ?? urls.person(account.username) }
        }
        return Announcement(group: group, destinations: destinations, people: people, announcer: announcer, urls: urls)
    }

    /// The object a local file is described with now (the answer to an upload from a member's node).
    func object(ofLocal item: ContentItem) async throws -> JSONValue {
        let versions = try await database.fileVersions(itemId: item.id!)
        var people: [Int64: String] = [:]
        for id in Set([item.authorId] + versions.compactMap(\.authorId)) {
            if let account = try await database.account(id: id) { people[id] = account.actorId ?? urls.person(account.username) }
        }
        let group = try await item.groupId.asyncMap { try await database.group(id: $0) } ?? nil
        let groupSlug = group?.slug ?? ""
        return FileObjects.object(
            item, id: urls.content(item.id!), author: people[item.authorId] ?? "", group: urls.group(groupSlug),
            folder: item.folderId.map { urls.content($0) },
            versions: versions.map { version in
                FileObjects.Version(number: version.number, digest: version.digest, size: version.byteCount, mediaType: version.contentType,
                                    filename: version.filename, uploader: version.authorId.flatMap { people[$0] }, published: version.createdAt)
            })
    }

    // MARK: On a member's node

    /// Sends a new file for a mirrored group to its home node and mirrors
    /// what the home node stored. The staged bytes become the cached copy.
    func forwardUpload(_ upload: FileService.Upload, group: Group, folder: ContentItem?, name: String, description: String,
                       access: ContentItem.Access?, by account: Account) async throws -> ContentItem {
        guard let groupActor = group.actorId else { throw ServiceError(.conflict, "not a group of another node") }
        var query = [("name", name), ("filename", upload.filename), ("type", upload.contentType)]
        if !description.isEmpty { query.append(("description", description)) }
        if let folder {
            guard let folderId = folder.apId else { throw ServiceError.invalid(field: "folderId", "is not a folder of this group") }
            query.append(("folder", folderId))
        }
        if let access { query.append(("access", access.rawValue)) }
        return try await send(upload, to: "\(groupActor)/uploads", query: query, group: group, by: account)
    }

    /// Sends a new version of a mirrored file to the group's home node,
    /// which refuses it (409) when `baseVersion` is no longer the current one.
    func forwardVersion(_ upload: FileService.Upload, of item: ContentItem, group: Group, baseVersion: Int?, by account: Account) async throws -> ContentItem {
        guard let itemId = item.apId else { throw ServiceError(.conflict, "not a file of another node") }
        var query = [("filename", upload.filename), ("type", upload.contentType)]
        if let baseVersion { query.append(("baseVersion", String(baseVersion))) }
        return try await send(upload, to: "\(itemId)/versions", query: query, group: group, by: account)
    }

    private func send(_ upload: FileService.Upload, to endpoint: String, query: [(String, String)], group: Group,
                      by account: Account) async throws -> ContentItem {
        // Only unreserved characters stay as they are, so the query reads back exactly (no `+` for a space).
        let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        let encoded = query.map { name, value in "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "")" }
        let url = "\(endpoint)?\(encoded.joined(separator: "&"))"
        let bytes = try Data(contentsOf: upload.blob.temporaryURL)
        let keys = try await runtime.keyring.keys(owner: "account:\(account.id!)")
        let answer: (status: Int, body: Data)
        do {
            answer = try await runtime.client.upload(url, body: bytes, contentType: FileObjects.safeMediaType(upload.contentType),
                                                     signing: .rfc9421(keys.ed25519, keyId: LocalActorURLs.ed25519KeyId(urls.person(account.username))))
        } catch let error as FederationError {
            throw FollowService.serviceError(error, "the group's node could not take the file")
        }
        let document = (try? JSONDecoder().decode(JSONValue.self, from: answer.body)) ?? .null
        let detail = document["detail"]?.stringValue ?? "no reason given"
        switch answer.status {
        case 200, 201:
            break
        case 409:
            throw ServiceError(.conflict, "the group's node refused the version: \(detail)")
        case 413:
            throw ServiceError.invalid(field: "file", "is larger than the group's node takes (\(detail))")
        case 400, 415, 422:
            throw ServiceError(.invalid, "the group's node refused the file: \(detail)")
        case 401, 403, 404:
            throw ServiceError(.forbidden, "the group's node did not take the file (\(answer.status)): you may no longer be a member")
        default:
            throw ServiceError(.unavailable, "the group's node answered the upload with \(answer.status)")
        }
        let context = InboxContext(database: database, resolver: runtime.resolver, outbox: runtime.outbox, urls: urls,
                                   logger: Logger(label: "meent.files"))
        guard let notice = try await context.fileNotice(document, group: group),
              notice.versions.contains(where: { $0.digest == upload.blob.digest }) else {
            throw ServiceError(.unavailable, "the group's node answered the upload with something unreadable")
        }
        guard let item = try await database.saveFileNotice(notice) else {
            throw ServiceError(.unavailable, "the group's node answered with a file this node cannot keep")
        }
        // The rows name the digest first, so a clean-up of unused bytes cannot take these.
        try cache.store(upload.blob)
        return item
    }

    /// The bytes of a version of a mirrored file: from the cache, or else
    /// fetched from the group's home node on behalf of `viewer` (who may
    /// read it here), checked and kept under their digest.
    func bytes(of item: ContentItem, version: FileVersion, for viewer: Account?) async throws -> URL {
        guard let itemId = item.apId else { throw ServiceError(.notFound, "the bytes of this version are missing") }
        if let cached = cache.fileURL(version.digest) { return cached }
        let url = FileObjects.versionURL(itemId: itemId, number: version.number)
        let signing: RequestSigning
        if let viewer, viewer.actorId == nil {
            let keys = try await runtime.keyring.keys(owner: "account:\(viewer.id!)")
            signing = .rfc9421(keys.ed25519, keyId: LocalActorURLs.ed25519KeyId(urls.person(viewer.username)))
        } else {
            signing = .unsigned
        }
        let data: Data
        do {
            data = try await runtime.client.download(url, maxBytes: Int(version.byteCount), signing: signing)
        } catch let error as FederationError {
            throw FollowService.serviceError(error, "the group's node did not send the file")
        }
        guard BlobStore.digest(of: data) == version.digest else {
            throw ServiceError(.unavailable, "the group's node sent bytes that do not match the file's SHA-256")
        }
        try cache.put(data)
        guard let stored = cache.fileURL(version.digest) else { throw ServiceError(.unavailable, "the file could not be kept") }
        return stored
    }
}

// MARK: Changing files from a member's node

extension GroupFileFederation {
    /// Sends a rename, move or new description of a mirrored file or folder
    /// to the group's home node (`POST ID/changes`, signed with the
    /// person's key), which checks the person's rights, applies and
    /// announces it, and answers with the object as it is now; that is
    /// mirrored here before this returns. `folder` is the id of the target
    /// folder on the home node (`.some(nil)`: the group's top level).
    func forwardChange(of item: ContentItem, group: Group, name: String?, description: String?, folder: String??,
                       by account: Account) async throws -> ContentItem {
        var payload: [String: JSONValue] = ["type": .string("Update")]
        if let name { payload["name"] = .string(name) }
        if let description { payload["description"] = .string(description) }
        if case .some(let folder) = folder { payload["folder"] = folder.map(JSONValue.string) ?? .null }
        let document = try await sendChange(payload, of: item, by: account)
        let context = InboxContext(database: database, resolver: runtime.resolver, outbox: runtime.outbox, urls: urls,
                                   logger: Logger(label: "meent.files"))
        guard let notice = try await context.fileNotice(document, group: group), notice.apId == item.apId else {
            throw ServiceError(.unavailable, "the group's node answered the change with something unreadable")
        }
        guard let saved = try await database.saveFileNotice(notice) else {
            throw ServiceError(.unavailable, "the group's node answered with a file this node cannot keep")
        }
        return saved
    }

    /// Sends the deletion of a mirrored file or folder to the group's home
    /// node; once it has deleted it, the copy here goes too, with cached
    /// bytes no other mirrored file uses.
    func forwardDelete(of item: ContentItem, by account: Account) async throws {
        _ = try await sendChange(["type": .string("Delete")], of: item, by: account)
        let dropped = try await database.applyChanges([.deleteContent(.id(item.id!))], deliveries: [])
        try await database.removeUnusedCachedBlobs(dropped, from: cache)
    }

    private func sendChange(_ payload: [String: JSONValue], of item: ContentItem, by account: Account) async throws -> JSONValue {
        guard let itemId = item.apId else { throw ServiceError(.conflict, "not a file of another node") }
        let keys = try await runtime.keyring.keys(owner: "account:\(account.id!)")
        let answer: (status: Int, body: Data)
        do {
            answer = try await runtime.client.exchange("\(itemId)/changes", json: try JSONEncoder().encode(JSONValue.object(payload)),
                                                       signing: .rfc9421(keys.ed25519, keyId: LocalActorURLs.ed25519KeyId(urls.person(account.username))))
        } catch let error as FederationError {
            throw FollowService.serviceError(error, "the group's node could not take the change")
        }
        let document = (try? JSONDecoder().decode(JSONValue.self, from: answer.body)) ?? .null
        let detail = document["detail"]?.stringValue ?? "no reason given"
        switch answer.status {
        case 200..<300: return document
        case 409: throw ServiceError(.conflict, "the group's node refused the change: \(detail)")
        case 400, 422: throw ServiceError(.invalid, "the group's node refused the change: \(detail)")
        case 401, 403, 404: throw ServiceError(.forbidden, "the group's node refused the change (\(answer.status)): \(detail)")
        default: throw ServiceError(.unavailable, "the group's node answered the change with \(answer.status)")
        }
    }
}
