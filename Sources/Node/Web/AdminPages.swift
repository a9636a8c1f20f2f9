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
                              status: HTTPResponse.Status = .ok) async throws -> Response {
        let me = try requireAdmin(context)
        let strings = renderer.strings(for: request)
        let accounts = try await database.accounts(after: 0, limit: 200)
        let fields = try await database.profileFields()
        let values: [String: Any] = [
            "users": accounts.map { ["username": $0.username, "isAdmin": $0.isAdmin, "isDisabled": $0.isDisabled, "isMe": $0.id == me.id,
                                     "created": PageValues.date($0.createdAt)] as [String: Any] },
            "fields": fields.map { ["id": $0.id ?? 0, "key": $0.key, "label": $0.label, "kind": strings["fieldKind.\($0.kind.rawValue)"] ?? $0.kind.rawValue] as [String: Any] },
            "fieldKinds": ProfileField.Kind.allCases.map { ["value": $0.rawValue, "label": strings["fieldKind.\($0.rawValue)"] ?? $0.rawValue] },
            "errors": errors, "hasErrors": !errors.isEmpty,
            "hasFields": !fields.isEmpty,
            "registrationMode": strings["registration.\(configuration.registrationMode.rawValue)"] ?? configuration.registrationMode.rawValue,
            "federationMode": strings["federation.\(configuration.federationMode.rawValue)"] ?? configuration.federationMode.rawValue,
        ]
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
