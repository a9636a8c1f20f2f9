import Foundation
import Hummingbird
import Storage

/// A group's files and folders as pages: the listing of a folder (or the
/// group's top) with breadcrumbs, creating a folder, uploading a file
/// (multipart, with the CSRF token in the query string so the form works
/// without JavaScript), and a file's page with its versions and a form for a
/// new version. Downloads link to the API's download route, which serves the
/// bytes with safe headers. Everything goes through `FileService`.
struct FilePages {
    let groups: GroupService
    let files: FileService
    let database: NodeDatabase
    let blobs: BlobStore
    let configuration: NodeConfiguration
    let renderer: PageRenderer

    func addRoutes(to router: Router<NodeRequestContext>) {
        router.get("groups/:slug/files", use: top)
        router.post("groups/:slug/files", use: upload)
        router.post("groups/:slug/folders", use: createFolder)
        router.get("folders/:id", use: folder)
        router.get("files/:id", use: file)
        router.post("files/:id/versions", use: addVersion)
    }

    private func id(_ context: NodeRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw Problem.notFound() }
        return id
    }

    private func groupValues(_ slug: String, request: Request, context: NodeRequestContext) async throws -> [String: Any] {
        let view = try await groups.show(slug, viewer: context.account)
        return GroupPages.header(view, viewer: context.account, current: "files", strings: renderer.strings(for: request))
    }

    private func row(_ item: ContentView, strings: [String: String]) -> [String: Any] {
        var row: [String: Any] = ["id": item.id, "name": item.title, "isFolder": item.type == .folder,
                                  "accessLabel": strings["access.\(item.access.rawValue)"] ?? item.access.rawValue,
                                  "updated": PageValues.date(item.updatedAt)]
        if let file = item.file {
            row["size"] = ByteCountFormatter.string(fromByteCount: file.size, countStyle: .file)
            row["contentType"] = file.contentType
            row["versions"] = file.version
        }
        return row
    }

    /// The breadcrumbs from the group's top to `folderId` (the folder itself last, not linked).
    private func breadcrumbs(_ folderId: Int64?, viewer: Account?) async throws -> [[String: Any]] {
        var crumbs: [[String: Any]] = []
        var next = folderId
        while let id = next, crumbs.count < 32 {
            let view = try await files.show(id, kind: .folder, viewer: viewer)
            crumbs.insert(["id": id, "name": view.title, "isLink": id != folderId], at: 0)
            next = view.folderId
        }
        return crumbs
    }

    private func listing(_ slug: String, folder: ContentView?, items: [ContentView], request: Request, context: NodeRequestContext) async throws -> Response {
        var values = try await groupValues(slug, request: request, context: context)
        let strings = renderer.strings(for: request)
        values["items"] = items.sorted { ($0.type == .folder ? 0 : 1, $0.title) < ($1.type == .folder ? 0 : 1, $1.title) }.map { row($0, strings: strings) }
        values["hasItems"] = !items.isEmpty
        values["crumbs"] = try await breadcrumbs(folder?.id, viewer: context.account)
        values["folderId"] = folder.map { String($0.id) } ?? ""
        values["folderName"] = folder?.title ?? ""
        values["inFolder"] = folder != nil
        values["accessOptions"] = PageValues.accessOptions(strings: strings, selected: .members)
        values["maxUpload"] = ByteCountFormatter.string(fromByteCount: Int64(configuration.maxUploadBytes), countStyle: .file)
        return try await renderer.render("files", values, request: request, context: context)
    }

    @Sendable func top(request: Request, context: NodeRequestContext) async throws -> Response {
        let slug = try context.parameters.require("slug")
        _ = try await groups.show(slug, viewer: context.account)
        guard let group = try await database.group(slug: slug) else { throw Problem.notFound() }
        return try await listing(slug, folder: nil, items: try await files.top(ofGroup: group, viewer: context.account), request: request, context: context)
    }

    @Sendable func folder(request: Request, context: NodeRequestContext) async throws -> Response {
        let listing = try await files.folder(try id(context), viewer: context.account)
        guard let slug = listing.folder.group else { throw Problem.notFound() }
        return try await self.listing(slug, folder: listing.folder, items: listing.items, request: request, context: context)
    }

    private func place(_ folderId: Int64?, slug: String) -> String {
        folderId.map { "/folders/\($0)" } ?? "/groups/\(slug)/files"
    }

    @Sendable func upload(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let slug = try context.parameters.require("slug")
        let form = try await MultipartUpload.read(request, maxFileBytes: configuration.maxUploadBytes, blobs: blobs)
        guard let file = form.file, file.filename.nilIfEmpty != nil else {
            form.file?.blob.discard()
            throw ServiceError.invalid(field: "file", "choose a file to upload")
        }
        var placement: FileService.Placement
        do {
            placement = try FilesController.placement(form.fields)
        } catch {
            file.blob.discard()
            throw error
        }
        placement.group = slug
        let view = try await files.upload(by: account, file, placement)
        return .seeOther("/files/\(view.id)")
    }

    @Sendable func createFolder(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let slug = try context.parameters.require("slug")
        let form = try await request.form(context: context)
        let folderId = form["folderId"]?.nilIfEmpty.flatMap { Int64($0) }
        let access = form["access"].flatMap { ContentItem.Access(rawValue: $0) }
        let view = try await files.createFolder(by: account, .init(group: slug, folderId: folderId, access: access, name: form["name"] ?? ""))
        return .seeOther("/folders/\(view.id)")
    }

    @Sendable func file(request: Request, context: NodeRequestContext) async throws -> Response {
        let id = try id(context)
        let view = try await files.show(id, kind: .file, viewer: context.account)
        guard let slug = view.group else { throw Problem.notFound() }
        let versions = try await files.versions(id, viewer: context.account)
        var values = try await groupValues(slug, request: request, context: context)
        let strings = renderer.strings(for: request)
        values["file"] = row(view, strings: strings).merging(["author": view.author.displayName, "description": view.body,
                                                              "download": "/api/v1/files/\(id)/download"]) { $1 }
        values["crumbs"] = try await breadcrumbs(view.folderId, viewer: context.account).map { $0.merging(["isLink": true]) { $1 } }
        values["back"] = place(view.folderId, slug: slug)
        values["fileVersions"] = versions.map { version in
            ["number": version.number, "filename": version.filename, "size": ByteCountFormatter.string(fromByteCount: version.size, countStyle: .file),
             "uploadedBy": version.uploadedBy ?? "", "date": PageValues.date(version.createdAt), "download": version.downloadURL] as [String: Any]
        }
        values["maxUpload"] = ByteCountFormatter.string(fromByteCount: Int64(configuration.maxUploadBytes), countStyle: .file)
        return try await renderer.render("file", values, request: request, context: context)
    }

    @Sendable func addVersion(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let id = try id(context)
        let form = try await MultipartUpload.read(request, maxFileBytes: configuration.maxUploadBytes, blobs: blobs)
        guard let file = form.file, file.filename.nilIfEmpty != nil else {
            form.file?.blob.discard()
            throw ServiceError.invalid(field: "file", "choose a file to upload")
        }
        _ = try await files.addVersion(id, by: account, file)
        return .seeOther("/files/\(id)")
    }
}
