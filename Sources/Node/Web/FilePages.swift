import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Files and folders as pages, in a group's files tab or in a person's own
/// space (`/files`): the listing of a folder (or the top) with breadcrumbs,
/// creating a folder, uploading a file (multipart, with the CSRF token in
/// the query string so the form works without JavaScript), a file's page
/// with its versions and a form for a new version, and the forms that
/// rename, move, change the access of and delete a file or folder. A
/// refused form comes back with each problem next to its field. Downloads
/// link to the API's download route, which serves the bytes with safe
/// headers. Everything goes through `FileService`.
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
        router.get("files", use: personalTop)
        router.post("files", use: upload)
        router.post("folders", use: createFolder)
        router.get("folders/:id", use: folder)
        router.get("files/:id", use: file)
        router.post("files/:id/versions", use: addVersion)
        for kind in ["files", "folders"] {
            router.post("\(kind)/:id/rename", use: rename)
            router.post("\(kind)/:id/move", use: move)
            router.post("\(kind)/:id/access", use: changeAccess)
            router.post("\(kind)/:id/delete", use: delete)
        }
    }

    /// Whose files a page shows: a group's, or a person's own.
    private enum Space {
        case group(String)
        case person(Account)
    }

    private func id(_ context: NodeRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw Problem.notFound() }
        return id
    }

    /// `.file` or `.folder`, from the first part of the path (`/files/…` or `/folders/…`).
    private func kind(_ request: Request) -> ContentItem.Kind {
        request.uri.path.hasPrefix("/folders/") ? .folder : .file
    }

    private func space(of view: ContentView, viewer: Account?) async throws -> Space {
        if let slug = view.group { return .group(slug) }
        guard let owner = try await database.account(username: view.author.username) else { throw Problem.notFound() }
        return .person(owner)
    }

    /// The values every page of a space shows: the group's header and tabs, or the person's own space.
    private func spaceValues(_ space: Space, request: Request, context: NodeRequestContext) async throws -> [String: Any] {
        let strings = renderer.strings(for: request)
        switch space {
        case .group(let slug):
            let view = try await groups.show(slug, viewer: context.account)
            var values = GroupPages.header(view, viewer: context.account, current: "files", strings: strings)
            values["isGroupSpace"] = true
            values["spaceName"] = view.name
            values["root"] = "/groups/\(slug)/files"
            values["rootName"] = strings["files"] ?? "files"
            values["uploadAction"] = "/groups/\(slug)/files"
            values["folderAction"] = "/groups/\(slug)/folders"
            values["canAdd"] = values["isMember"] as? Bool ?? false
            return values
        case .person(let owner):
            let isOwner = context.account?.id == owner.id
            let name = isOwner ? strings["myFiles"] ?? "" : try await database.profile(accountId: owner.id!)?.displayName ?? owner.username
            return ["isGroupSpace": false, "spaceName": name, "root": isOwner ? "/files" : "/users/\(owner.username)", "rootName": name,
                    "uploadAction": "/files", "folderAction": "/folders", "canAdd": isOwner, "isPersonal": true]
        }
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

    /// The breadcrumbs from the top to `folderId` (the folder itself last, not linked).
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

    // MARK: Listings

    /// A folder's page (or the top of a space), with `extra` values (a refused form's errors and what was typed).
    private func listing(_ space: Space, folder: ContentView?, items: [ContentView], request: Request, context: NodeRequestContext,
                         extra: [String: Any] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        var values = try await spaceValues(space, request: request, context: context)
        let strings = renderer.strings(for: request)
        values["items"] = items.sorted { ($0.type == .folder ? 0 : 1, $0.title) < ($1.type == .folder ? 0 : 1, $1.title) }.map { row($0, strings: strings) }
        values["hasItems"] = !items.isEmpty
        values["crumbs"] = try await breadcrumbs(folder?.id, viewer: context.account)
        values["folderId"] = folder.map { String($0.id) } ?? ""
        values["folderName"] = folder?.title ?? ""
        values["inFolder"] = folder != nil
        let defaultAccess: ContentItem.Access = if case .group = space { .members } else { .private }
        values["accessOptions"] = PageValues.accessOptions(strings: strings, selected: defaultAccess, allowed: allowedAccess(space))
        values["maxUpload"] = ByteCountFormatter.string(fromByteCount: Int64(configuration.maxUploadBytes), countStyle: .file)
        if let folder { values["manage"] = try await manageValues(folder, space: space, request: request, context: context) }
        values.merge(extra) { $1 }
        return try await renderer.render("files", values, request: request, context: context, status: status)
    }

    private func allowedAccess(_ space: Space) -> [ContentItem.Access] {
        if case .person = space { return ContentItem.Access.allCases.filter { $0 != .members } }
        return ContentItem.Access.allCases
    }

    @Sendable func top(request: Request, context: NodeRequestContext) async throws -> Response {
        try await groupTop(try context.parameters.require("slug"), request: request, context: context)
    }

    private func groupTop(_ slug: String, request: Request, context: NodeRequestContext, extra: [String: Any] = [:],
                          status: HTTPResponse.Status = .ok) async throws -> Response {
        _ = try await groups.show(slug, viewer: context.account)
        guard let group = try await database.group(slug: slug) else { throw Problem.notFound() }
        return try await listing(.group(slug), folder: nil, items: try await files.top(ofGroup: group, viewer: context.account),
                                 request: request, context: context, extra: extra, status: status)
    }

    /// The signed-in person's own files and folders, outside any group.
    @Sendable func personalTop(request: Request, context: NodeRequestContext) async throws -> Response {
        try await ownTop(request: request, context: context)
    }

    private func ownTop(request: Request, context: NodeRequestContext, extra: [String: Any] = [:],
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        let account = try context.requirePageAccount()
        return try await listing(.person(account), folder: nil, items: try await files.top(ofPerson: account, viewer: account),
                                 request: request, context: context, extra: extra, status: status)
    }

    @Sendable func folder(request: Request, context: NodeRequestContext) async throws -> Response {
        try await folderPage(try id(context), request: request, context: context)
    }

    private func folderPage(_ id: Int64, request: Request, context: NodeRequestContext, extra: [String: Any] = [:],
                            status: HTTPResponse.Status = .ok) async throws -> Response {
        let listing = try await files.folder(id, viewer: context.account)
        let space = try await space(of: listing.folder, viewer: context.account)
        return try await self.listing(space, folder: listing.folder, items: listing.items, request: request, context: context,
                                      extra: extra, status: status)
    }

    /// The page a form about a place (`folderId` in `space`) comes back to with its errors.
    private func placePage(_ folderId: Int64?, space: Space, request: Request, context: NodeRequestContext,
                           extra: [String: Any], status: HTTPResponse.Status) async throws -> Response {
        if let folderId { return try await folderPage(folderId, request: request, context: context, extra: extra, status: status) }
        switch space {
        case .group(let slug): return try await groupTop(slug, request: request, context: context, extra: extra, status: status)
        case .person: return try await ownTop(request: request, context: context, extra: extra, status: status)
        }
    }

    private func place(_ folderId: Int64?, space: Space) -> String {
        if let folderId { return "/folders/\(folderId)" }
        switch space {
        case .group(let slug): return "/groups/\(slug)/files"
        case .person: return "/files"
        }
    }

    // MARK: Adding

    @Sendable func upload(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let slug = context.parameters.get("slug")
        let space: Space = slug.map { .group($0) } ?? .person(account)
        let form = try await MultipartUpload.read(request, maxFileBytes: configuration.maxUploadBytes, blobs: blobs)
        let folderId = form.fields["folderId"]?.nilIfEmpty.flatMap { Int64($0) }
        do {
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
        } catch let error as ServiceError where error.kind == .invalid || error.kind == .conflict {
            let errors = FormErrors(error, fields: ["file", "access"], aliases: ["name": "file"])
            return try await placePage(folderId, space: space, request: request, context: context,
                                       extra: errors.values(form: "upload", inputs: inputs("upload", request)), status: FormErrors.status(error))
        }
    }

    @Sendable func createFolder(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let slug = context.parameters.get("slug")
        let space: Space = slug.map { .group($0) } ?? .person(account)
        let form = try await request.form(context: context)
        let folderId = form["folderId"]?.nilIfEmpty.flatMap { Int64($0) }
        let name = form["name"] ?? ""
        do {
            let access = try form["access"]?.nilIfEmpty.map { raw in
                guard let access = ContentItem.Access(rawValue: raw) else { throw ServiceError.invalid(field: "access", "is not a known access level") }
                return access
            }
            let view = try await files.createFolder(by: account, .init(group: slug, folderId: folderId, access: access, name: name))
            return .seeOther("/folders/\(view.id)")
        } catch let error as ServiceError where error.kind == .invalid || error.kind == .conflict {
            let errors = FormErrors(error, fields: ["name", "access"])
            return try await placePage(folderId, space: space, request: request, context: context,
                                       extra: errors.values(form: "folder", inputs: inputs("folder", request)).merging(["folderForm": ["name": name]]) { $1 },
                                       status: FormErrors.status(error))
        }
    }

    // MARK: A file's page

    @Sendable func file(request: Request, context: NodeRequestContext) async throws -> Response {
        try await filePage(try id(context), request: request, context: context)
    }

    private func filePage(_ id: Int64, request: Request, context: NodeRequestContext, extra: [String: Any] = [:],
                          status: HTTPResponse.Status = .ok) async throws -> Response {
        let view = try await files.show(id, kind: .file, viewer: context.account)
        let space = try await space(of: view, viewer: context.account)
        let versions = try await files.versions(id, viewer: context.account)
        var values = try await spaceValues(space, request: request, context: context)
        let strings = renderer.strings(for: request)
        values["file"] = row(view, strings: strings).merging(["author": view.author.displayName, "description": view.body,
                                                              "download": "/api/v1/files/\(id)/download"]) { $1 }
        values["crumbs"] = try await breadcrumbs(view.folderId, viewer: context.account).map { $0.merging(["isLink": true]) { $1 } }
        values["back"] = place(view.folderId, space: space)
        values["fileVersions"] = versions.map { version in
            ["number": version.number, "filename": version.filename, "size": ByteCountFormatter.string(fromByteCount: version.size, countStyle: .file),
             "uploadedBy": version.uploadedBy ?? "", "date": PageValues.date(version.createdAt), "download": version.downloadURL] as [String: Any]
        }
        values["maxUpload"] = ByteCountFormatter.string(fromByteCount: Int64(configuration.maxUploadBytes), countStyle: .file)
        values["manage"] = try await manageValues(view, space: space, request: request, context: context)
        values["canAddVersion"] = values["manage"] != nil
        values.merge(extra) { $1 }
        return try await renderer.render("file", values, request: request, context: context, status: status)
    }

    @Sendable func addVersion(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requirePageAccount()
        let id = try id(context)
        let form = try await MultipartUpload.read(request, maxFileBytes: configuration.maxUploadBytes, blobs: blobs)
        do {
            guard let file = form.file, file.filename.nilIfEmpty != nil else {
                form.file?.blob.discard()
                throw ServiceError.invalid(field: "file", "choose a file to upload")
            }
            _ = try await files.addVersion(id, by: account, file)
            return .seeOther("/files/\(id)")
        } catch let error as ServiceError where error.kind == .invalid {
            let errors = FormErrors(error, fields: ["file"])
            return try await filePage(id, request: request, context: context,
                                      extra: errors.values(form: "version", inputs: inputs("version", request)), status: FormErrors.status(error))
        }
    }

    /// The inputs of each form's fields (id and label), for the summary of a refused form.
    private func inputs(_ form: String, _ request: Request) -> [String: (id: String, label: String)] {
        let strings = renderer.strings(for: request)
        let fields: [String: (String, String)] = switch form {
        case "upload": ["file": ("file", "file"), "access": ("upload-access", "access")]
        case "version": ["file": ("file", "file")]
        case "folder": ["name": ("folder-name", "name"), "access": ("folder-access", "access")]
        case "rename": ["name": ("rename-name", "newName")]
        case "move": ["folderId": ("move-target", "moveTo")]
        case "access": ["access": ("change-access", "access")]
        case "delete": ["confirm": ("delete-confirm", "delete")]
        default: [:]
        }
        return fields.mapValues { (id: $0.0, label: strings[$0.1] ?? $0.1) }
    }

    // MARK: Renaming, moving, access, deleting

    /// The forms that change `item`, when the viewer may change it (its
    /// author, or an owner or admin of its group); `nil` otherwise.
    private func manageValues(_ item: ContentView, space: Space, request: Request, context: NodeRequestContext) async throws -> [String: Any]? {
        guard let viewer = context.account, !viewer.isRemote else { return nil }
        let isAuthor = item.author.username == viewer.username
        var isManager = false
        if case .group(let slug) = space, let group = try await database.group(slug: slug), group.actorId == nil {
            isManager = try await database.membership(groupId: group.id!, accountId: viewer.id!)?.isManager == true
        }
        guard isAuthor || isManager else { return nil }
        let strings = renderer.strings(for: request)
        let base = item.type == .folder ? "/folders/\(item.id)" : "/files/\(item.id)"
        var targets: [[String: Any]] = [["value": "", "label": strings["topLevel"] ?? "", "selected": item.folderId == nil]]
        for (id, path) in try await folders(in: space, excluding: item.type == .folder ? item.id : nil, viewer: viewer) {
            targets.append(["value": String(id), "label": path, "selected": id == item.folderId])
        }
        return ["base": base, "id": item.id, "name": item.title, "isFolder": item.type == .folder,
                "canChangeAccess": isAuthor, "accessOptions": PageValues.accessOptions(strings: strings, selected: item.access, allowed: allowedAccess(space)),
                "targets": targets]
    }

    /// Every folder of the space the viewer can see, with its path
    /// ("Reports / 2026"), leaving out `excluded` and what is inside it (a
    /// folder cannot move into itself). At most 500.
    private func folders(in space: Space, excluding excluded: Int64?, viewer: Account) async throws -> [(Int64, String)] {
        let top: FileLocation
        switch space {
        case .group(let slug):
            guard let group = try await database.group(slug: slug) else { return [] }
            top = .groupTop(group.id!)
        case .person(let owner):
            top = .personalTop(ownerId: owner.id!)
        }
        var found: [(Int64, String)] = []
        var queue: [(FileLocation, String)] = [(top, "")]
        while !queue.isEmpty, found.count < 500 {
            let (location, prefix) = queue.removeFirst()
            for row in try await database.files(at: location, viewerId: viewer.id) where row.item.type == .folder {
                guard let id = row.item.id, id != excluded else { continue }
                let path = prefix.isEmpty ? row.item.title : "\(prefix) / \(row.item.title)"
                found.append((id, path))
                queue.append((.folder(id), path))
            }
        }
        return found.sorted { $0.1.localizedStandardCompare($1.1) == .orderedAscending }
    }

    /// Runs a change of a file or folder from its page; a refused change
    /// renders that page again with the problems next to `fields` of `form`.
    private func changing(_ request: Request, context: NodeRequestContext, form formName: String, fields: Set<String>, echo: [String: String] = [:],
                          _ body: (Account, Int64, ContentItem.Kind) async throws -> Response) async throws -> Response {
        let account = try context.requirePageAccount()
        let id = try id(context)
        let kind = kind(request)
        do {
            return try await body(account, id, kind)
        } catch let error as ServiceError where error.kind == .invalid || error.kind == .conflict {
            let errors = FormErrors(error, fields: fields)
            let extra = errors.values(form: formName, inputs: inputs(formName, request)).merging(["echo": [formName: echo]]) { $1 }
            return kind == .folder
                ? try await folderPage(id, request: request, context: context, extra: extra, status: FormErrors.status(error))
                : try await filePage(id, request: request, context: context, extra: extra, status: FormErrors.status(error))
        }
    }

    @Sendable func rename(request: Request, context: NodeRequestContext) async throws -> Response {
        let form = try await request.form(context: context)
        let name = form["name"] ?? ""
        return try await changing(request, context: context, form: "rename", fields: ["name"], echo: ["name": name]) { account, id, kind in
            _ = try await files.change(id, kind: kind, by: account, .init(name: name))
            return .seeOther(kind == .folder ? "/folders/\(id)" : "/files/\(id)")
        }
    }

    @Sendable func move(request: Request, context: NodeRequestContext) async throws -> Response {
        let form = try await request.form(context: context)
        return try await changing(request, context: context, form: "move", fields: ["folderId"]) { account, id, kind in
            let target: Int64?
            if let raw = form["folderId"]?.nilIfEmpty {
                guard let folderId = Int64(raw) else { throw ServiceError.invalid(field: "folderId", "is not a folder you can see") }
                target = folderId
            } else {
                target = nil
            }
            _ = try await files.change(id, kind: kind, by: account, .init(moveTo: .some(target)))
            return .seeOther(kind == .folder ? "/folders/\(id)" : "/files/\(id)")
        }
    }

    @Sendable func changeAccess(request: Request, context: NodeRequestContext) async throws -> Response {
        let form = try await request.form(context: context)
        return try await changing(request, context: context, form: "access", fields: ["access"]) { account, id, kind in
            guard let access = form["access"].flatMap(ContentItem.Access.init(rawValue:)) else {
                throw ServiceError.invalid(field: "access", "is not a known access level")
            }
            _ = try await files.change(id, kind: kind, by: account, .init(access: access))
            return .seeOther(kind == .folder ? "/folders/\(id)" : "/files/\(id)")
        }
    }

    /// Deletes a file (with its versions) or a folder (with everything in
    /// it) once the confirmation box is ticked; then shows the folder it was in.
    @Sendable func delete(request: Request, context: NodeRequestContext) async throws -> Response {
        let form = try await request.form(context: context)
        return try await changing(request, context: context, form: "delete", fields: ["confirm"]) { account, id, kind in
            let view = try await files.show(id, kind: kind, viewer: account)
            let space = try await space(of: view, viewer: account)
            guard form["confirm"] == "1" else { throw ServiceError.invalid(field: "confirm", renderer.text("confirmDeleteMissing", request: request)) }
            try await files.delete(id, kind: kind, by: account)
            return .seeOther(place(view.folderId, space: space))
        }
    }
}
