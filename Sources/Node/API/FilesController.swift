import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Files and folders over the API: uploads (`multipart/form-data`),
/// versions, downloads, folders, moving, renaming and deleting.
struct FilesController {
    let files: FileService
    let groups: GroupService
    let database: NodeDatabase
    let blobs: BlobStore
    let configuration: NodeConfiguration

    struct FolderBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case name, description, group, folderId, access }
        let placement: FileService.Placement

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            placement = .init(
                group: try container.decodeIfPresent(String.self, forKey: .group),
                folderId: try container.decodeIfPresent(Int64.self, forKey: .folderId),
                access: try decodeEnum(ContentItem.Access.self, container, .access),
                name: try container.decode(String.self, forKey: .name),
                description: try container.decodeIfPresent(String.self, forKey: .description))
        }
    }

    /// `folderId: null` moves to the top; leaving it out keeps the place.
    struct ChangeBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case name, description, access, folderId }
        let change: FileService.Change

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            var moveTo: Int64?? = nil
            if container.contains(.folderId) {
                moveTo = .some(try container.decodeNil(forKey: .folderId) ? nil : try container.decode(Int64.self, forKey: .folderId))
            }
            change = .init(
                name: try container.decodeIfPresent(String.self, forKey: .name),
                description: try container.decodeIfPresent(String.self, forKey: .description),
                access: try decodeEnum(ContentItem.Access.self, container, .access),
                moveTo: moveTo)
        }
    }

    func addRoutes(to group: RouterGroup<NodeRequestContext>) {
        group.post("files", use: upload)
        group.get("files/:id", use: showFile)
        group.patch("files/:id", use: change(.file))
        group.delete("files/:id", use: delete(.file))
        group.get("files/:id/versions", use: versions)
        group.post("files/:id/versions", use: addVersion)
        group.get("files/:id/download", use: download)
        group.get("files/:id/versions/:number/download", use: downloadVersion)
        group.post("folders", use: createFolder)
        group.get("folders/:id", use: showFolder)
        group.patch("folders/:id", use: change(.folder))
        group.delete("folders/:id", use: delete(.folder))
        group.get("groups/:slug/files", use: groupFiles)
        group.get("users/:username/files", use: personFiles)
    }

    private func id(_ context: NodeRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw Problem.notFound("no such file or folder") }
        return id
    }

    // MARK: Files

    /// Fields: `file` (the bytes, required), `name`, `description`, `group`, `folderId`, `access`.
    @Sendable func upload(request: Request, context: NodeRequestContext) async throws -> JSONResponse<ContentView> {
        let account = try context.requireAccount()
        let form = try await MultipartUpload.read(request, maxFileBytes: configuration.maxUploadBytes, blobs: blobs)
        guard let file = form.file else { throw ServiceError.invalid(field: "file", "is required") }
        let placement: FileService.Placement
        do {
            placement = try Self.placement(form.fields)
        } catch {
            file.blob.discard()
            throw error
        }
        let view = try await files.upload(by: account, file, placement)
        return JSONResponse(view, status: .created, headers: [.location: "/api/v1/files/\(view.id)"])
    }

    static func placement(_ fields: [String: String]) throws -> FileService.Placement {
        var placement = FileService.Placement(group: fields["group"]?.nilIfEmpty, name: fields["name"], description: fields["description"])
        if let raw = fields["folderId"]?.nilIfEmpty {
            guard let folderId = Int64(raw) else { throw ServiceError.invalid(field: "folderId", "must be a folder id") }
            placement.folderId = folderId
        }
        if let raw = fields["access"]?.nilIfEmpty {
            guard let access = ContentItem.Access(rawValue: raw) else {
                throw ServiceError.invalid(field: "access", "must be one of \(ContentItem.Access.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            placement.access = access
        }
        let known: Set<String> = ["name", "description", "group", "folderId", "access"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw ServiceError.invalid(field: unknown, "is not a field of an upload")
        }
        return placement
    }

    @Sendable func addVersion(request: Request, context: NodeRequestContext) async throws -> JSONResponse<ContentView> {
        let account = try context.requireAccount()
        let id = try id(context)
        let form = try await MultipartUpload.read(request, maxFileBytes: configuration.maxUploadBytes, blobs: blobs)
        guard let file = form.file else { throw ServiceError.invalid(field: "file", "is required") }
        var baseVersion: Int?
        if let raw = form.fields["baseVersion"]?.nilIfEmpty {
            guard let number = Int(raw), number >= 1 else {
                file.blob.discard()
                throw ServiceError.invalid(field: "baseVersion", "must be a version number")
            }
            baseVersion = number
        }
        return JSONResponse(try await files.addVersion(id, by: account, file, baseVersion: baseVersion), status: .created)
    }

    @Sendable func showFile(request: Request, context: NodeRequestContext) async throws -> JSONResponse<ContentView> {
        JSONResponse(try await files.show(try id(context), kind: .file, viewer: context.account))
    }

    /// Renaming, moving or describing a file or folder (`kind`).
    func change(_ kind: ContentItem.Kind) -> @Sendable (Request, NodeRequestContext) async throws -> JSONResponse<ContentView> {
        { request, context in
            let account = try context.requireAccount()
            let body = try await request.decodeJSON(ChangeBody.self, context: context)
            return JSONResponse(try await files.change(try id(context), kind: kind, by: account, body.change))
        }
    }

    func delete(_ kind: ContentItem.Kind) -> @Sendable (Request, NodeRequestContext) async throws -> Response {
        { _, context in
            try await files.delete(try id(context), kind: kind, by: try context.requireAccount())
            return Response(status: .noContent)
        }
    }

    @Sendable func versions(request: Request, context: NodeRequestContext) async throws -> JSONResponse<[FileVersionView]> {
        JSONResponse(try await files.versions(try id(context), viewer: context.account))
    }

    @Sendable func download(request: Request, context: NodeRequestContext) async throws -> Response {
        try await Self.serve(try await files.download(try id(context), version: nil, viewer: context.account), request: request, context: context)
    }

    @Sendable func downloadVersion(request: Request, context: NodeRequestContext) async throws -> Response {
        guard let number = context.parameters.get("number", as: Int.self) else { throw Problem.notFound("no such version") }
        return try await Self.serve(try await files.download(try id(context), version: number, viewer: context.account), request: request, context: context)
    }

    /// The type an upload is served as: never an ActivityStreams type, so that
    /// another node that fetches it cannot take it for an object of this
    /// origin (FEP-fe34 asks for uploads on another origin; Meent serves them
    /// from its own, so it serves them as plain bytes instead).
    static func servedType(_ stored: String) -> String {
        let media = stored.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return ["application/activity+json", "application/ld+json"].contains(media) ? "application/octet-stream" : stored
    }

    /// The bytes as an attachment the browser saves and never renders in our
    /// origin: the stored type, no sniffing, a sandboxing CSP, and the
    /// version's SHA-256 as a strong ETag. Readers may be few, so only
    /// private caches keep it, and they revalidate.
    static func serve(_ download: FileService.Download, request: Request, context: NodeRequestContext) async throws -> Response {
        let etag = "\"\(download.version.digest)\""
        var headers: HTTPFields = [
            .eTag: etag,
            .cacheControl: "private, no-cache",
            .contentSecurityPolicy: "sandbox; default-src 'none'",
            .xContentTypeOptions: "nosniff",
        ]
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = Self.servedType(download.version.contentType)
        headers[.contentDisposition] = Self.attachment(filename: download.name)
        let body = try await FileIO().loadFile(path: download.fileURL.path, context: context)
        return Response(status: .ok, headers: headers, body: body)
    }

    /// `Content-Disposition: attachment` with an ASCII fallback name (quotes,
    /// backslashes, controls and non-ASCII replaced) and the exact UTF-8 name
    /// in `filename*` (RFC 6266, RFC 8187).
    static func attachment(filename: String) -> String {
        let fallback = String(String.UnicodeScalarView(filename.unicodeScalars.map { scalar in
            scalar.isASCII && scalar.value >= 0x20 && scalar.value != 0x7F && scalar != "\"" && scalar != "\\" ? scalar : "_"
        }))
        let attrChars = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~")
        let encoded = filename.addingPercentEncoding(withAllowedCharacters: attrChars) ?? fallback
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(encoded)"
    }

    // MARK: Folders

    @Sendable func createFolder(request: Request, context: NodeRequestContext) async throws -> JSONResponse<ContentView> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(FolderBody.self, context: context)
        let view = try await files.createFolder(by: account, body.placement)
        return JSONResponse(view, status: .created, headers: [.location: "/api/v1/folders/\(view.id)"])
    }

    @Sendable func showFolder(request: Request, context: NodeRequestContext) async throws -> JSONResponse<FolderListing> {
        JSONResponse(try await files.folder(try id(context), viewer: context.account))
    }

    @Sendable func groupFiles(request: Request, context: NodeRequestContext) async throws -> JSONResponse<[ContentView]> {
        let view = try await groups.show(try context.parameters.requireSlug(), viewer: context.account)
        guard let group = try await database.group(slug: view.slug) else { throw Problem.notFound() }
        return JSONResponse(try await files.top(ofGroup: group, viewer: context.account))
    }

    @Sendable func personFiles(request: Request, context: NodeRequestContext) async throws -> JSONResponse<[ContentView]> {
        let username = try context.parameters.require("username")
        guard let owner = try await database.account(username: username), !owner.isDisabled else { throw Problem.notFound("no user named '\(username)'") }
        return JSONResponse(try await files.top(ofPerson: owner, viewer: context.account))
    }
}
