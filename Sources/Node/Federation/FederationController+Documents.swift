import Federation
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// ActivityPub documents served at the same URLs as the pages (a group, a
/// content item, a person), chosen by the `Accept` header before routing, so
/// the HTML pages and the documents can grow apart.
///
/// Who may fetch what:
/// - a group's actor document and collections: anyone, for a listed group;
///   a hidden group's only with a signed request from a node this node
///   federates with;
/// - an item: anyone, if it is public; otherwise only with a signed request
///   on behalf of a person of another node who is a current member of the
///   item's group (never an item for its author alone). Everything else is a
///   404, so a fetch does not even learn that the item exists;
/// - a person: anyone (the document carries only public fields).
///
/// A signed fetch is recorded in the data-flow ledger (the signer's node
/// received the object).
struct ActivityDocumentsMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext
    let controller: FederationController

    func handle(_ request: Request, context: NodeRequestContext, next: (Request, NodeRequestContext) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head, FederationController.wantsActivityJSON(request) else {
            return try await next(request, context)
        }
        let segments = request.uri.path.split(separator: "/").map(String.init)
        switch (segments.first, segments.count) {
        case ("groups", 2) where segments[1] != "invitation":
            return try await controller.groupDocument(request, slug: segments[1])
        case ("groups", 3) where ["followers", "members", "moderators", "outbox"].contains(segments[2]):
            return try await controller.groupCollection(request, slug: segments[1], collection: segments[2])
        case ("content", 2):
            guard let id = Int64(segments[1]) else { throw Problem.notFound("no such item") }
            return try await controller.contentDocument(request, id: id)
        case ("users", 2):
            try await controller.recordSignedFetch(request, subject: LedgerSubject(controller.runtime.urls.person(segments[1]), kind: .profile))
            return try await next(request, context)
        default:
            return try await next(request, context)
        }
    }
}

extension FederationController {
    /// The actor that signed a fetch, or `nil` for an unsigned one. A
    /// signature that does not verify is refused (401), not treated as anonymous.
    func signedFetcher(_ request: Request) async throws -> String? {
        do {
            return try await runtime.receiver.verifyFetch(signableRequest(request, body: nil))
        } catch let error as FederationError {
            throw Problem(.unauthorized, type: "signature", detail: "the request's signature was refused: \(error.detail)")
        } catch {
            throw Problem(.unauthorized, type: "signature", detail: "the request's signature was refused: \(error)")
        }
    }

    func recordSignedFetch(_ request: Request, subject: LedgerSubject) async throws {
        guard let fetcher = try await signedFetcher(request), let host = Origin.authority(of: fetcher) else { return }
        try await services.database.recordFetch(subject, host: host)
    }

    private func localGroup(_ slug: String, request: Request) async throws -> Group {
        guard let group = try await services.database.group(slug: slug), !group.isRemote else { throw Problem.notFound("no such group") }
        if group.isHidden {
            guard let fetcher = try await signedFetcher(request), let host = Origin.authority(of: fetcher) else { throw Problem.notFound("no such group") }
            try await services.database.recordFetch(LedgerSubject(runtime.urls.group(slug), kind: .group), host: host)
        } else if let fetcher = try? await signedFetcher(request), let host = Origin.authority(of: fetcher) {
            // A node that looked the group up holds a mirror of it: the ledger
            // tells where a deletion of the group must go. (A signature that
            // does not verify still gets the public document.)
            try await services.database.recordFetch(LedgerSubject(runtime.urls.group(slug), kind: .group), host: host)
        }
        return group
    }

    func groupDocument(_ request: Request, slug: String) async throws -> Response {
        let group = try await localGroup(slug, request: request)
        return try Self.activityResponse(try await documents.group(group))
    }

    func groupCollection(_ request: Request, slug: String, collection name: String) async throws -> Response {
        let group = try await localGroup(slug, request: request)
        let urls = runtime.urls
        switch name {
        case "moderators":
            let moderators = try await services.database.members(groupId: group.id!).filter { $0.0.isManager }.map { row in
                JSONValue.string(row.1.actorId ?? urls.person(row.1.username))
            }
            return try Self.activityResponse([
                "@context": JSONValue.string("https://www.w3.org/ns/activitystreams"), "id": .string(urls.groupModerators(slug)),
                "type": .string("OrderedCollection"), "totalItems": .number(Double(moderators.count)), "orderedItems": .array(moderators),
            ])
        case "outbox":
            return try collection(id: urls.groupOutbox(slug), count: 0)
        default:
            let id = name == "members" ? urls.groupMembers(slug) : urls.groupFollowers(slug)
            return try collection(id: id, count: try await services.database.memberCount(groupId: group.id!))
        }
    }

    func contentDocument(_ request: Request, id: Int64) async throws -> Response {
        let database = services.database
        guard let item = try await database.contentItem(id: id), item.apId == nil else { throw Problem.notFound("no such item") }
        let fetcher = try await signedFetcher(request)
        var allowed = try await database.content(id: id, viewerId: nil) != nil
        if !allowed, let fetcher, item.access != .private, let groupId = item.groupId,
           let person = try await database.account(actorId: fetcher) {
            allowed = try await database.membership(groupId: groupId, accountId: person.id!)?.isMember == true
        }
        guard allowed, let author = try await database.account(id: item.authorId) else { throw Problem.notFound("no such item") }
        if let fetcher, let host = Origin.authority(of: fetcher) {
            try await database.recordFetch(LedgerSubject(runtime.urls.content(id), kind: .content), host: host)
        }
        let parent = try await item.parentId.asyncMap { try await database.contentItem(id: $0) } ?? nil
        let parentApId = parent.map { $0.apId ?? runtime.urls.content($0.id!) }
        let group = try await item.groupId.asyncMap { try await database.group(id: $0) } ?? nil
        let object: JSONValue
        if group != nil, item.type == .file || item.type == .folder {
            // A group's file or folder is described as its announces describe it (see FileObjects).
            object = try await services.files.federation.object(ofLocal: item)
        } else if let group {
            object = services.groupFederation.announcer.object(of: item, author: author, group: group, parentApId: parentApId)
        } else {
            object = ContentObjects.object(item, id: runtime.urls.content(id), author: author.actorId ?? runtime.urls.person(author.username),
                                           group: nil, inReplyTo: parentApId,
                                           to: item.access == .public ? [Activity.publicAudience] : [])
        }
        var document = object
        if case .object(var members) = document {
            members["@context"] = .string("https://www.w3.org/ns/activitystreams")
            document = .object(members)
        }
        return try Self.activityResponse(document)
    }
}

extension ActorDocuments {
    /// A group's actor document (FEP-1b12): moderators in `attributedTo`,
    /// how to join in `meentMembershipMode`, keys like a person's.
    func group(_ group: Group) async throws -> ActorDocument {
        let urls = runtime.urls
        let id = urls.group(group.slug)
        let keys = try await runtime.keyring.keys(owner: "group:\(group.id!)")
        var document = ActorDocument(id: id, type: "Group", inbox: urls.groupInbox(group.slug))
        document.preferredUsername = group.slug
        document.name = group.name
        document.summary = Self.html(paragraphsOf: group.description)
        document.url = id
        document.outbox = urls.groupOutbox(group.slug)
        document.followers = urls.groupFollowers(group.slug)
        document.endpoints = .init(sharedInbox: urls.sharedInbox)
        document.publicKey = .init(id: LocalActorURLs.rsaKeyId(id), owner: id, publicKeyPem: keys.rsaPublicPEM)
        document.assertionMethod = [.init(id: LocalActorURLs.ed25519KeyId(id), controller: id, publicKeyMultibase: keys.ed25519PublicMultibase)]
        document.manuallyApprovesFollowers = group.membershipMode != .open
        document.discoverable = !group.isHidden
        document.attributedTo = urls.groupModerators(group.slug)
        document.meentMembershipMode = group.membershipMode.rawValue
        document.meentHidden = group.isHidden
        return document
    }
}

extension FederationController {
    /// An edit of a wiki page of a local group, sent by a member's node on
    /// the member's behalf (signed with their key). The group orders it like
    /// a local edit and answers at once: 200 with the new revision, or 409
    /// with both versions; the new revision is then announced to every node
    /// with members.
    @Sendable func wikiEdit(request: Request, context: NodeRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw Problem.notFound("no such wiki page") }
        var request = request
        let body = try await request.collectBody(upTo: runtime.settings.maxDocumentBytes)
        let bytes = Array(buffer: body)
        let person = try await signingPerson(request, body: bytes, refusal: "edits from other nodes are signed by a member of the group")
        let edit = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        guard case .number(let base)? = edit["baseRevision"], let text = edit["body"]?.stringValue else {
            throw Problem.badRequest("an edit has baseRevision and body")
        }
        let view = try await services.wiki.edit(id, by: person, title: edit["title"]?.stringValue, body: text, baseRevision: Int(base))
        let revision = try await services.database.wikiRevision(pageId: id, number: view.revision)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let answer = RemoteWikiEdit(revision: view.revision, title: view.title, body: view.body, mergedFrom: revision?.mergedFrom,
                                    createdAt: revision?.createdAt ?? view.updatedAt)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(answer))))
    }
}
