import Foundation
import Hummingbird
import MultipartKit
import Storage

/// Node administration in the browser: an overview of users, profile
/// fields, registration and federation settings, the branding form,
/// federation peers (allow, block) and the delivery queue (retry).
struct AdminPages {
    let accounts: AccountService
    let profiles: ProfileService
    let branding: BrandingService
    let database: NodeDatabase
    let configuration: NodeConfiguration
    let renderer: PageRenderer

    func addRoutes(to router: Router<NodeRequestContext>) {
        router.get("admin", use: overview)
        router.post("admin/users/:username", use: changeUser)
        router.post("admin/fields", use: createField)
        router.post("admin/fields/:id/delete", use: deleteField)
        router.post("admin/registration", use: setRegistration)
        router.get("admin/ledger", use: ledger)
        router.get("admin/branding", use: brandingPage)
        router.post("admin/branding", use: saveBranding)
        router.get("admin/federation", use: federation)
        router.post("admin/federation/peers", use: setPeer)
        router.post("admin/federation/retry", use: retry)
    }

    private func requireAdmin(_ context: NodeRequestContext) throws -> Account {
        let account = try context.requirePageAccount()
        guard account.isAdmin else { throw Problem.forbidden("only node administrators may see this page") }
        return account
    }

    @Sendable func overview(request: Request, context: NodeRequestContext) async throws -> Response {
        try await overviewPage(request: request, context: context)
    }

    private func overviewPage(request: Request, context: NodeRequestContext, errors: [String] = [],
                              registrationError: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let me = try requireAdmin(context)
        let strings = renderer.strings(for: request)
        let accounts = try await database.accounts(after: 0, limit: 200)
        let fields = try await database.profileFields()
        let stored = try await database.setting(NodeDatabase.registrationModeKey).flatMap(NodeConfiguration.RegistrationMode.init(rawValue:))
        let configured = configuration.registrationMode
        let modeLabel = { (mode: NodeConfiguration.RegistrationMode) in strings["registration.\(mode.rawValue)"] ?? mode.rawValue }
        var registrationOptions: [[String: Any]] = [["value": "configured", "id": "mode-configured", "checked": stored == nil,
                                                     "label": (strings["registrationAsConfigured"] ?? "") + " (\(modeLabel(configured)))"]]
        registrationOptions += NodeConfiguration.RegistrationMode.allCases.map {
            ["value": $0.rawValue, "id": "mode-\($0.rawValue)", "checked": stored == $0, "label": modeLabel($0)]
        }
        var values: [String: Any] = [
            "users": accounts.map { ["username": $0.username, "isAdmin": $0.isAdmin, "isDisabled": $0.isDisabled, "isMe": $0.id == me.id,
                                     "created": PageValues.date($0.createdAt)] as [String: Any] },
            "fields": fields.map { ["id": $0.id ?? 0, "key": $0.key, "label": $0.label, "kind": strings["fieldKind.\($0.kind.rawValue)"] ?? $0.kind.rawValue] as [String: Any] },
            "fieldKinds": ProfileField.Kind.allCases.map { ["value": $0.rawValue, "label": strings["fieldKind.\($0.rawValue)"] ?? $0.rawValue] },
            "errors": errors, "hasErrors": !errors.isEmpty,
            "hasFields": !fields.isEmpty,
            "registrationMode": modeLabel(stored ?? configured), "registrationOptions": registrationOptions,
            "registrationSetHere": stored != nil,
            "federationMode": strings["federation.\(configuration.federationMode.rawValue)"] ?? configuration.federationMode.rawValue,
        ]
        if let registrationError { values["registrationError"] = registrationError }
        if request.uri.queryParameters.get("registrationSaved") != nil { values["notice"] = strings["registrationSaved"] }
        return try await renderer.render("admin", values, request: request, context: context, status: status)
    }

    /// Enables, disables, promotes or demotes an account (never the last administrator).
    @Sendable func changeUser(request: Request, context: NodeRequestContext) async throws -> Response {
        let admin = try requireAdmin(context)
        let form = try await request.form(context: context)
        do {
            let account = try await accounts.account(username: try context.parameters.require("username"))
            switch form["action"] ?? "" {
            case "disable": _ = try await accounts.setDisabled(account, true)
            case "enable": _ = try await accounts.setDisabled(account, false)
            case "promote": _ = try await accounts.setRole(account, .admin)
            case "demote": _ = try await accounts.setRole(account, .user)
            default: throw ServiceError.invalid(field: "action", "is not a known action")
            }
            context.logger.notice("account changed", metadata: ["account.username": "\(account.username)", "by": "\(admin.username)"])
            return .seeOther("/admin")
        } catch let error as ServiceError {
            return try await overviewPage(request: request, context: context, errors: PageRenderer.messages(error), status: .unprocessableContent)
        }
    }

    @Sendable func createField(request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try requireAdmin(context)
        let form = try await request.form(context: context)
        let options = (form["options"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        do {
            _ = try await profiles.createField(.init(key: form["key"], label: form["label"], kind: form["kind"].flatMap(ProfileField.Kind.init(rawValue:)),
                                                     options: options, position: nil))
            return .seeOther("/admin")
        } catch let error as ServiceError {
            return try await overviewPage(request: request, context: context, errors: PageRenderer.messages(error), status: .unprocessableContent)
        }
    }

    @Sendable func deleteField(request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try requireAdmin(context)
        guard let id = Int64(try context.parameters.require("id")) else { throw Problem.notFound("no such profile field") }
        try await profiles.deleteField(id: id)
        return .seeOther("/admin")
    }

    /// Sets the registration mode (or returns to `node.conf`'s); sign-up follows it at once.
    @Sendable func setRegistration(request: Request, context: NodeRequestContext) async throws -> Response {
        let admin = try requireAdmin(context)
        let form = try await request.form(context: context)
        let choice = form["mode"] ?? ""
        let mode: NodeConfiguration.RegistrationMode?
        if choice == "configured" {
            mode = nil
        } else if let chosen = NodeConfiguration.RegistrationMode(rawValue: choice) {
            mode = chosen
        } else {
            return try await overviewPage(request: request, context: context, registrationError: renderer.text("registrationModeInvalid", request: request),
                                          status: .unprocessableContent)
        }
        try await database.setRegistrationMode(mode, by: admin)
        context.logger.notice("registration mode set", metadata: ["mode": "\(mode?.rawValue ?? "configured")", "by": "\(admin.username)"])
        return .seeOther("/admin?registrationSaved=1")
    }

    static let ledgerPageSize = 50

    /// The data-flow ledger (what `meent ledger` prints): what went to which
    /// node and when, filtered by object and host or to open deletions,
    /// 50 entries a page.
    @Sendable func ledger(request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try requireAdmin(context)
        let strings = renderer.strings(for: request)
        let query = request.uri.queryParameters
        let object = (query.get("object") ?? "").trimmingCharacters(in: .whitespaces)
        let hostText = (query.get("host") ?? "").trimmingCharacters(in: .whitespaces)
        let openOnly = query.get("open") == "1"
        let page = max(1, min(query.get("page").flatMap { Int($0) } ?? 1, 10_000))
        var values: [String: Any] = ["filter": ["object": object, "host": hostText, "open": openOnly]]
        var host: String?
        var fieldErrors: [String: String] = [:]
        if !hostText.isEmpty {
            do { host = try PeerCommand.validate(hostText) } catch { fieldErrors["host"] = strings["ledgerHostInvalid"] }
        }
        if object.count > 2000 { fieldErrors["object"] = strings["ledgerObjectTooLong"] }
        values["fields"] = fieldErrors
        var status: HTTPResponse.Status = .ok
        var entries: [LedgerEntry] = []
        if fieldErrors.isEmpty {
            entries = try await database.ledgerEntries(objectPrefix: object.nilIfEmpty, host: host, openDeletionsOnly: openOnly,
                                                       limit: Self.ledgerPageSize + 1, offset: (page - 1) * Self.ledgerPageSize)
        } else {
            status = .unprocessableContent
        }
        let shown = entries.prefix(Self.ledgerPageSize)
        values["entries"] = shown.map { entry -> [String: Any] in
            var row: [String: Any] = ["object": entry.objectId, "host": entry.host, "kindLabel": strings["ledgerKind.\(entry.kind.rawValue)"] ?? entry.kind.rawValue,
                                      "firstSent": PageValues.date(entry.firstSentAt), "lastSent": PageValues.date(entry.lastSentAt),
                                      "isOpen": entry.isDeletionOpen]
            if let confirmed = entry.deletionConfirmedAt {
                row["deletion"] = (strings["deletionConfirmed"] ?? "") + " " + PageValues.date(confirmed)
            } else if let requested = entry.deletionRequestedAt {
                row["deletion"] = (strings["deletionOpen"] ?? "") + " " + PageValues.date(requested)
            } else {
                row["deletion"] = "—"
            }
            return row
        }
        values["hasEntries"] = !shown.isEmpty
        values["filtered"] = !object.isEmpty || !hostText.isEmpty || openOnly
        func link(_ page: Int) -> String {
            var parts: [String] = []
            if !object.isEmpty { parts.append("object=" + (object.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")) }
            if !hostText.isEmpty { parts.append("host=" + (hostText.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")) }
            if openOnly { parts.append("open=1") }
            parts.append("page=\(page)")
            return "/admin/ledger?" + parts.joined(separator: "&")
        }
        // Mustache renders a section for any string, even an empty one: a link that is not there is left out.
        if entries.count > Self.ledgerPageSize { values["next"] = link(page + 1) }
        if page > 1 { values["previous"] = link(page - 1) }
        values["pageNumber"] = page
        values["hasPager"] = page > 1 || entries.count > Self.ledgerPageSize
        return try await renderer.render("admin-ledger", values, request: request, context: context, status: status)
    }

    private func brandingValues() async throws -> [String: Any] {
        let brand = try await branding.current()
        let saved = try await database.branding()
        return ["form": ["name": saved?.name ?? "", "primaryColor": brand.primaryColor, "accentColor": brand.accentColor],
                "configuredName": configuration.nodeName, "hasLogo": brand.hasLogo, "brandVersion": brand.version]
    }

    @Sendable func brandingPage(request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try requireAdmin(context)
        var values = try await brandingValues()
        if request.uri.queryParameters.get("saved") != nil { values["notice"] = renderer.text("brandingSaved", request: request) }
        return try await renderer.render("admin-branding", values, request: request, context: context)
    }

    /// The branding form is `multipart/form-data` (it carries the logo); its
    /// CSRF token travels in the action URL, where the middleware checks it.
    struct BrandingForm: Decodable {
        var name: String?
        var primaryColor: String?
        var accentColor: String?
        var removeLogo: String?
        var logo: UploadedFile?
    }

    /// The bytes of a file field, taken as they are (MultipartKit would
    /// otherwise read a `ByteBuffer` field as base64 text).
    struct UploadedFile: Decodable, MultipartPartConvertible {
        let bytes: ByteBuffer
        var multipart: MultipartPart? { MultipartPart(body: bytes) }
        init?(multipart: MultipartPart) { bytes = multipart.body }
        init(from decoder: any Decoder) throws {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a file field is read from its multipart part"))
        }
    }

    @Sendable func saveBranding(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try requireAdmin(context)
        var request = request
        guard let contentType = request.headers[.contentType], contentType.hasPrefix("multipart/form-data"),
              let boundary = contentType.components(separatedBy: "boundary=").last?.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        else { throw Problem.badRequest("the branding form is sent as multipart/form-data") }
        let body = try await request.collectBody(upTo: BrandingService.maxLogoBytes + 64 * 1024)
        let form = try FormDataDecoder().decode(BrandingForm.self, from: body, boundary: boundary)
        let logo = form.logo.flatMap { $0.bytes.readableBytes > 0 ? Array(buffer: $0.bytes) : nil }
        let update = BrandingService.Update(name: form.name ?? "", primaryColor: form.primaryColor ?? "", accentColor: form.accentColor ?? "",
                                            logo: logo, removeLogo: form.removeLogo == "1")
        do {
            try await branding.save(update, by: account)
            return .seeOther("/admin/branding?saved=1")
        } catch let error as ServiceError {
            var values = try await brandingValues()
            values["form"] = ["name": update.name, "primaryColor": update.primaryColor, "accentColor": update.accentColor]
            return try await renderer.renderErrors(error, "admin-branding", values, request: request, context: context)
        }
    }

    @Sendable func federation(request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try requireAdmin(context)
        let strings = renderer.strings(for: request)
        let peers = try await database.peers()
        let status = try await database.deliveryStatus()
        let stuck = try await database.deliveries(state: .failed, limit: 50)
        let values: [String: Any] = [
            "federationMode": strings["federation.\(configuration.federationMode.rawValue)"] ?? configuration.federationMode.rawValue,
            "peers": peers.map { peer in
                ["host": peer.host, "policyLabel": strings["policy" + peer.policy.rawValue.capitalized] ?? peer.policy.rawValue,
                 "isAllowed": peer.policy == .allowed, "isBlocked": peer.policy == .blocked,
                 "failures": peer.consecutiveFailures, "lastError": peer.lastError ?? "",
                 "lastSuccess": peer.lastSuccessAt.map(PageValues.date) ?? "—", "note": peer.note ?? ""] as [String: Any]
            },
            "hasPeers": !peers.isEmpty,
            "queue": ["queued": status.queued, "delivered": status.delivered, "failed": status.failed],
            "hosts": status.hosts.map { ["host": $0.host, "queued": $0.queued, "failed": $0.failed, "delivered": $0.delivered,
                                         "oldest": $0.oldestQueuedAt.map(PageValues.date) ?? "—"] as [String: Any] },
            "hasHosts": !status.hosts.isEmpty,
            "failed": stuck.map { ["host": $0.host, "activity": $0.activityId, "error": $0.lastError ?? "", "attempts": $0.attempts] as [String: Any] },
            "hasFailed": !stuck.isEmpty,
        ]
        return try await renderer.render("admin-federation", values, request: request, context: context)
    }

    @Sendable func setPeer(request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try requireAdmin(context)
        let form = try await request.form(context: context)
        let host = (form["host"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        guard !host.isEmpty, host.count <= 253, host.allSatisfy({ $0.isLetter || $0.isNumber || ".-:[]".contains($0) }),
              let policy = form["policy"].flatMap(Peer.Policy.init(rawValue:))
        else { throw Problem.badRequest("a peer is a host name and a policy (allowed, blocked or none)") }
        _ = try await database.setPeerPolicy(host: host, policy, note: form["note"]?.nilIfEmpty)
        return .seeOther("/admin/federation")
    }

    @Sendable func retry(request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try requireAdmin(context)
        let form = try await request.form(context: context)
        try await database.retryDeliveries(host: form["host"]?.nilIfEmpty, includeFailed: true)
        return .seeOther("/admin/federation")
    }
}
