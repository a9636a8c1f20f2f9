import Federation
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// The ActivityPub and discovery endpoints: WebFinger, NodeInfo, actor
/// documents, inboxes and collections.
struct FederationController {
    let services: NodeServices
    let documents: ActorDocuments

    static let activityContentTypes = ["application/activity+json", "application/ld+json"]
    static let activityJSON = "application/activity+json; charset=utf-8"

    init(services: NodeServices) {
        self.services = services
        self.documents = ActorDocuments(runtime: services.federation, profiles: services.profiles, configuration: services.configuration)
    }

    var runtime: FederationRuntime { services.federation }

    func addRoutes(to router: Router<NodeRequestContext>) {
        router.get(".well-known/webfinger", use: webFinger)
        router.get(".well-known/nodeinfo", use: nodeInfoLinks)
        router.get("nodeinfo/2.1", use: nodeInfo)
        router.get("actor", use: nodeActor)
        router.post("inbox", use: sharedInbox)
        router.post("users/:username/inbox", use: personalInbox)
        router.post("groups/:slug/inbox", use: groupInbox)
        router.post("wiki/:id/edits", use: wikiEdit)
        router.post("groups/:slug/wiki/pages", use: wikiPageFromMemberNode)
        addFileRoutes(to: router)
        addModerationRoutes(to: router)
        router.get("users/:username/outbox", use: outbox)
        router.get("users/:username/followers", use: followers)
        router.get("users/:username/following", use: following)
    }

    /// Whether a request asks for ActivityStreams rather than HTML.
    static func wantsActivityJSON(_ request: Request) -> Bool {
        guard let accept = request.headers[.accept]?.lowercased() else { return false }
        return activityContentTypes.contains { accept.contains($0) }
    }

    static func activityResponse(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(status: .ok, headers: [.contentType: activityJSON, .cacheControl: "max-age=60"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    // MARK: Discovery

    /// WebFinger for `acct:user@host` (this node's authority) or a person's URL.
    @Sendable func webFinger(request: Request, context: NodeRequestContext) async throws -> Response {
        guard let resource = request.uri.queryParameters.get("resource") else {
            throw Problem.badRequest("the resource parameter is required")
        }
        let username: String?
        if resource.hasPrefix("acct:") {
            let parts = resource.dropFirst(5).split(separator: "@")
            username = parts.count == 2 && parts[1].lowercased() == runtime.settings.authority ? String(parts[0]) : nil
        } else {
            username = runtime.urls.username(ofPerson: resource) ?? runtime.urls.slug(ofGroup: resource)
        }
        guard let username else { throw Problem.notFound("no such account on this node") }
        guard let account = try await services.database.account(username: username), !account.isDisabled else {
            // A group answers to its handle too, unless a person has the same name.
            if let group = try await services.database.group(slug: username), !group.isRemote, !group.isHidden {
                return try webFingerResponse(subject: "acct:\(group.slug)@\(runtime.settings.authority)", id: runtime.urls.group(group.slug))
            }
            throw Problem.notFound("no such account on this node")
        }
        return try webFingerResponse(subject: "acct:\(account.username)@\(runtime.settings.authority)", id: runtime.urls.person(account.username))
    }

    private func webFingerResponse(subject: String, id: String) throws -> Response {
        let document = WebFingerDocument(
            subject: subject, aliases: [id],
            links: [
                .init(rel: "self", type: "application/activity+json", href: id),
                .init(rel: "http://webfinger.net/rel/profile-page", type: "text/html", href: id),
            ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(status: .ok, headers: [.contentType: "application/jrd+json; charset=utf-8", .accessControlAllowOrigin: "*"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(document))))
    }

    @Sendable func nodeInfoLinks(request: Request, context: NodeRequestContext) async throws -> Response {
        let links = ["links": [["rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": "\(runtime.settings.baseURL)/nodeinfo/2.1"]]]
        return try JSONResponse(links).response(from: request, context: context)
    }

    @Sendable func nodeInfo(request: Request, context: NodeRequestContext) async throws -> Response {
        let document = NodeInfoDocument(
            softwareVersion: MeentVersion.current, openRegistrations: try await services.database.registrationMode(configured: services.configuration.registrationMode) == .open,
            users: try await services.database.accountCount(), localPosts: 0, nodeName: services.configuration.nodeName)
        var response = try JSONResponse(document).response(from: request, context: context)
        response.headers[.contentType] = "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\""
        return response
    }

    @Sendable func nodeActor(request: Request, context: NodeRequestContext) async throws -> Response {
        try Self.activityResponse(try await documents.nodeActor())
    }

    /// A person's actor document (served at the profile URL for ActivityPub clients).
    func personDocument(_ account: Account) async throws -> Response {
        try Self.activityResponse(try await documents.person(account))
    }

    // MARK: Inboxes

    @Sendable func sharedInbox(request: Request, context: NodeRequestContext) async throws -> Response {
        try await receive(request, context: context, recipient: "shared")
    }

    @Sendable func personalInbox(request: Request, context: NodeRequestContext) async throws -> Response {
        let username = try context.parameters.require("username")
        guard let account = try await services.database.account(username: username), !account.isDisabled else {
            throw Problem.notFound("no such inbox")
        }
        return try await receive(request, context: context, recipient: "account:\(account.id!)")
    }

    @Sendable func groupInbox(request: Request, context: NodeRequestContext) async throws -> Response {
        let slug = try context.parameters.requireSlug()
        guard let group = try await services.database.group(slug: slug), !group.isRemote else { throw Problem.notFound("no such inbox") }
        return try await receive(request, context: context, recipient: "group:\(group.id!)")
    }

    /// Reads the raw body (at most the activity size limit), checks and
    /// stores the activity, and answers 202 once it is durable.
    private func receive(_ request: Request, context: NodeRequestContext, recipient: String) async throws -> Response {
        var request = request
        let limit = runtime.settings.maxDocumentBytes
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem(.contentTooLarge, type: "too-large", detail: "activities are limited to \(limit) bytes")
        }
        let signable = signableRequest(request, body: Array(buffer: body))
        let outcome = try await runtime.receiver.receive(signable, recipient: recipient)
        if outcome == .accepted { runtime.activityStored() }
        return Response(status: .accepted)
    }

    /// The request as the signature verifier sees it, with the node's public scheme and authority.
    func signableRequest(_ request: Request, body: [UInt8]?) -> SignableRequest {
        var headers = HTTPHeaderFields()
        for field in request.headers { headers.append(name: field.name.rawName, value: field.value) }
        return SignableRequest(
            method: request.method.rawValue, scheme: services.configuration.baseURL.scheme ?? "https", authority: runtime.settings.authority,
            path: request.uri.path, query: request.uri.query, headers: headers, body: body)
    }

    // MARK: Collections

    private func account(_ context: NodeRequestContext) async throws -> Account {
        let username = try context.parameters.require("username")
        guard let account = try await services.database.account(username: username), !account.isDisabled else {
            throw Problem.notFound("no such account")
        }
        return account
    }

    /// Collections show their size only: who follows whom is not published.
    func collection(id: String, count: Int) throws -> Response {
        try Self.activityResponse([
            "@context": JSONValue.string("https://www.w3.org/ns/activitystreams"), "id": .string(id),
            "type": .string("OrderedCollection"), "totalItems": .number(Double(count)),
        ])
    }

    @Sendable func outbox(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try await account(context)
        return try collection(id: runtime.urls.outbox(account.username), count: 0)
    }

    @Sendable func followers(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try await account(context)
        let count = try await services.database.followers(of: runtime.urls.person(account.username)).count
        return try collection(id: runtime.urls.followers(account.username), count: count)
    }

    @Sendable func following(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try await account(context)
        let count = try await services.database.following(of: runtime.urls.person(account.username), state: .accepted).count
        return try collection(id: runtime.urls.following(account.username), count: count)
    }
}

extension HTTPField.Name {
    static let accessControlAllowOrigin = Self("Access-Control-Allow-Origin")!
}
