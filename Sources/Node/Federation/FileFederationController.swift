import Federation
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// The endpoints through which the nodes of a group's members reach the
/// group's files on its home node (see ``GroupFileFederation``):
///
/// - `POST /groups/SLUG/uploads?name=&filename=&type=&folder=&access=&description=`
///   and `POST /content/ID/versions?filename=&type=&baseVersion=`: the raw
///   bytes of a new file or version, signed (RFC 9421, `Content-Digest`
///   over the bytes) with the key of the member who uploads it; the query
///   is covered by the signature. The home node stores it as an upload of
///   that member (with the same rules and size limit), announces it, and
///   answers with the stored object (201), or with a problem (409 when the
///   named base version is no longer the current one).
/// - `GET /content/ID/versions/N`: the bytes of one version. A public file
///   to anyone; any other only to a request signed on behalf of a current
///   member of its group; everyone else gets 404. A signed fetch is
///   recorded in the data-flow ledger.
extension FederationController {
    func addFileRoutes(to router: Router<NodeRequestContext>) {
        router.post("groups/:slug/uploads", use: remoteUpload)
        router.post("content/:id/versions", use: remoteVersion)
        router.get("content/:id/versions/:number", use: versionBytes)
        router.post("content/:id/changes", use: remoteChange)
    }

    /// `POST /content/ID/changes`, signed with the key of the person who
    /// makes the change: `{"type": "Update", "name"?, "description"?,
    /// "folder"?}` (`folder`: a folder's id on this node, or null for the
    /// group's top level) renames, describes or moves a file or folder;
    /// `{"type": "Delete"}` deletes it (a folder with everything in it).
    /// The same rights as here apply (the author, or an owner or admin of
    /// the group); the change is announced as if made here. The answer is
    /// the object as it is now (200), 204 for a deletion, or a problem.
    @Sendable func remoteChange(request: Request, context: NodeRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self),
              let item = try await services.database.contentItem(id: id), item.apId == nil, item.groupId != nil,
              item.type == .file || item.type == .folder else {
            throw Problem.notFound("no such file or folder")
        }
        var request = request
        let bytes = Array(buffer: try await request.collectBody(upTo: runtime.settings.maxDocumentBytes))
        let person = try await signedPerson(request, body: bytes)
        guard let body = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)), let type = body["type"]?.stringValue else {
            throw Problem.badRequest("a change is {\"type\": \"Update\" or \"Delete\", …}")
        }
        switch type {
        case "Delete":
            try await services.files.delete(id, kind: item.type, by: person)
            return Response(status: .noContent)
        case "Update":
            var change = FileService.Change()
            if let name = body["name"] { guard let text = name.stringValue else { throw ServiceError.invalid(field: "name", "must be text") }; change.name = text }
            if let description = body["description"] {
                guard let text = description.stringValue else { throw ServiceError.invalid(field: "description", "must be text") }
                change.description = text
            }
            if let folder = body["folder"] {
                if case .null = folder {
                    change.moveTo = .some(nil)
                } else {
                    guard let url = folder.stringValue, let folderId = runtime.urls.contentId(of: url) else {
                        throw ServiceError.invalid(field: "folder", "is not a folder of this node")
                    }
                    change.moveTo = .some(folderId)
                }
            }
            _ = try await services.files.change(id, kind: item.type, by: person, change)
            return try await storedObject(id, status: .ok)
        default:
            throw Problem.badRequest("a change is an Update or a Delete")
        }
    }

    @Sendable func remoteUpload(request: Request, context: NodeRequestContext) async throws -> Response {
        let slug = try context.parameters.requireSlug()
        guard let group = try await services.database.group(slug: slug), !group.isRemote else { throw Problem.notFound("no such group") }
        var request = request
        let bytes = try await uploadBody(&request)
        let person = try await signedPerson(request, body: bytes)
        let query = request.uri.queryParameters
        let name = query.get("name").map({ String($0) })
        guard let filename = (query.get("filename").map({ String($0) }) ?? name)?.nilIfEmpty else {
            throw ServiceError.invalid(field: "filename", "is required")
        }
        var placement = FileService.Placement(group: group.slug, name: name, description: query.get("description").map({ String($0) }))
        if let folder = query.get("folder").map({ String($0) }) {
            guard let folderId = runtime.urls.contentId(of: folder) else { throw ServiceError.invalid(field: "folder", "is not a folder of this node") }
            placement.folderId = folderId
        }
        if let raw = query.get("access").map({ String($0) }) {
            guard let access = ContentItem.Access(rawValue: raw) else { throw ServiceError.invalid(field: "access", "is not an access level") }
            placement.access = access
        }
        let upload = try stage(bytes, filename: filename, type: query.get("type").map({ String($0) }))
        let view = try await services.files.upload(by: person, upload, placement)
        return try await storedObject(view.id, status: .created)
    }

    @Sendable func remoteVersion(request: Request, context: NodeRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self),
              let item = try await services.database.contentItem(id: id), item.apId == nil, item.type == .file else {
            throw Problem.notFound("no such file")
        }
        var request = request
        let bytes = try await uploadBody(&request)
        let person = try await signedPerson(request, body: bytes)
        let query = request.uri.queryParameters
        var baseVersion: Int?
        if let raw = query.get("baseVersion") {
            guard let number = Int(raw), number >= 1 else { throw ServiceError.invalid(field: "baseVersion", "must be a version number") }
            baseVersion = number
        }
        guard let filename = query.get("filename").map({ String($0) })?.nilIfEmpty else { throw ServiceError.invalid(field: "filename", "is required") }
        let upload = try stage(bytes, filename: filename, type: query.get("type").map({ String($0) }))
        _ = try await services.files.addVersion(id, by: person, upload, baseVersion: baseVersion)
        return try await storedObject(id, status: .created)
    }

    @Sendable func versionBytes(request: Request, context: NodeRequestContext) async throws -> Response {
        let database = services.database
        guard let id = context.parameters.get("id", as: Int64.self), let number = context.parameters.get("number", as: Int.self),
              let item = try await database.contentItem(id: id), item.apId == nil, item.type == .file else {
            throw Problem.notFound("no such file")
        }
        let fetcher = try await signedFetcher(request)
        var allowed = try await database.content(id: id, viewerId: nil) != nil
        if !allowed, let fetcher, item.access != .private, let groupId = item.groupId,
           let person = try await database.account(actorId: fetcher) {
            allowed = try await database.membership(groupId: groupId, accountId: person.id!)?.isMember == true
        }
        guard allowed, let version = try await database.fileVersions(itemId: id).first(where: { $0.number == number }),
              let url = services.blobs.fileURL(version.digest) else { throw Problem.notFound("no such file") }
        if let fetcher, let host = Origin.authority(of: fetcher) {
            try await database.recordFetch(LedgerSubject(runtime.urls.content(id), kind: .content), host: host)
        }
        return try await FilesController.serve(.init(fileURL: url, version: version, name: item.title), request: request, context: context)
    }

    // MARK: Helpers

    /// The raw body, at most the node's upload size limit.
    private func uploadBody(_ request: inout Request) async throws -> [UInt8] {
        let limit = services.configuration.maxUploadBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem(.contentTooLarge, type: "too-large", detail: "files are limited to \(limit) bytes")
        }
        do {
            return Array(buffer: try await request.collectBody(upTo: limit))
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem(.contentTooLarge, type: "too-large", detail: "files are limited to \(limit) bytes")
        }
    }

    /// The person of another node on whose behalf a request with a body was signed.
    private func signedPerson(_ request: Request, body: [UInt8]) async throws -> Account {
        try await signingPerson(request, body: body, refusal: "files from other nodes are signed by a member of the group")
    }

    /// The bytes as a staged upload in the blob store.
    private func stage(_ bytes: [UInt8], filename: String, type: String?) throws -> FileService.Upload {
        let writer = try services.blobs.beginUpload()
        do {
            try writer.write(bytes)
            return FileService.Upload(blob: try writer.finish(), filename: filename, contentType: FileObjects.safeMediaType(type))
        } catch {
            writer.discard()
            throw error
        }
    }

    private func storedObject(_ id: Int64, status: HTTPResponse.Status) async throws -> Response {
        guard let item = try await services.database.contentItem(id: id) else { throw Problem.notFound("no such file") }
        var object = try await services.files.federation.object(ofLocal: item)
        if case .object(var members) = object {
            members["@context"] = .string("https://www.w3.org/ns/activitystreams")
            object = .object(members)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(status: status, headers: [.contentType: FederationController.activityJSON],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(object))))
    }
}
