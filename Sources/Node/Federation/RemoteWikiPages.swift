import Federation
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// New wiki pages of a group, written on a member's node.
///
/// The group's home node orders its wiki, so a page written on B for a
/// group of A is sent straight to A (`POST /groups/SLUG/wiki/pages`,
/// signed with the writer's key, like an edit). A checks that the signer is
/// a current member, creates the page as if written there and announces it
/// to every node with members; its answer carries the new page, which B
/// stores at once, so the writer sees the page without waiting for the
/// announce (which then changes nothing).

/// The page the group's home node made, as it answers the member's node.
struct RemoteWikiPage: Codable, Sendable {
    /// The page's ActivityPub id (its URL on the home node).
    let id: String
    let parent: String?
    let access: ContentItem.Access
    let revision: Int
    let title: String
    let body: String
    let createdAt: Date
}

extension GroupFederation {
    /// The address on a group's home node that takes new pages from members' nodes.
    static func wikiPagesEndpoint(groupActor: String) -> String { "\(groupActor)/wiki/pages" }

    /// Sends a new page of a mirrored group to its home node; returns the
    /// page as the home node made it. Refusals come back as the home node
    /// stated them (invalid input, not a member).
    func proposeWikiPage(in group: Group, by account: Account, title: String, body: String, parentApId: String?,
                         access: ContentItem.Access?) async throws -> RemoteWikiPage {
        guard let groupActor = group.actorId else { throw ServiceError(.conflict, "not a group of another node") }
        var payload: [String: JSONValue] = ["title": .string(title), "body": .string(body)]
        if let parentApId { payload["parent"] = .string(parentApId) }
        if let access { payload["access"] = .string(access.rawValue) }
        let keys = try await runtime.keyring.keys(owner: "account:\(account.id!)")
        let person = urls.person(account.username)
        let answer: (status: Int, body: Data)
        do {
            answer = try await runtime.client.exchange(Self.wikiPagesEndpoint(groupActor: groupActor),
                                                       json: try JSONEncoder().encode(JSONValue.object(payload)),
                                                       signing: .rfc9421(keys.ed25519, keyId: LocalActorURLs.ed25519KeyId(person)))
        } catch let error as FederationError {
            throw FollowService.serviceError(error, "the group's node could not take the page")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        switch answer.status {
        case 200, 201:
            guard let page = try? decoder.decode(RemoteWikiPage.self, from: answer.body),
                  Origin.same(page.id, groupActor), page.parent.map({ Origin.same($0, groupActor) }) ?? true else {
                throw ServiceError(.unavailable, "the group's node answered the new page with something unreadable")
            }
            return page
        case 400, 422:
            let problem = try? JSONDecoder().decode(ProblemAnswer.self, from: answer.body)
            throw ServiceError(.invalid, problem?.detail ?? "the group's node refused the page as invalid",
                               fieldErrors: problem?.errors ?? [])
        case 401, 403, 404:
            throw ServiceError(.forbidden, "the group's node did not take the page (\(answer.status)): you may no longer be a member")
        default:
            throw ServiceError(.unavailable, "the group's node answered the new page with \(answer.status)")
        }
    }

    private struct ProblemAnswer: Decodable {
        let detail: String?
        let errors: [ServiceError.FieldError]?
    }
}

extension FederationController {
    /// A new wiki page of a local group, sent by a member's node on the
    /// member's behalf (signed with their key): made like a page written
    /// here, announced to every node with members, and answered with 201
    /// and the page. Not a member, or invalid input: a problem, and nothing
    /// is stored.
    @Sendable func wikiPageFromMemberNode(request: Request, context: NodeRequestContext) async throws -> Response {
        let slug = try context.parameters.requireSlug()
        guard let group = try await services.database.group(slug: slug), !group.isRemote else { throw Problem.notFound("no such group") }
        var request = request
        let bytes = Array(buffer: try await request.collectBody(upTo: runtime.settings.maxDocumentBytes))
        let person = try await signingPerson(request, body: bytes, refusal: "new pages from other nodes are signed by a member of the group")
        guard try await services.database.membership(groupId: group.id!, accountId: person.id!)?.isMember == true else {
            throw Problem(.forbidden, type: "forbidden", detail: "new pages from other nodes are signed by a member of the group")
        }
        guard let page = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)),
              let title = page["title"]?.stringValue, let body = page["body"]?.stringValue else {
            throw Problem.badRequest("a new page has a title and a body")
        }
        var parentId: Int64?
        if let parent = page["parent"]?.stringValue {
            guard let id = runtime.urls.wikiPageId(of: parent) else {
                throw ServiceError.invalid(field: "parent", "is not a page of this group")
            }
            parentId = id
        }
        var access: ContentItem.Access?
        if let value = page["access"]?.stringValue {
            guard let known = ContentItem.Access(rawValue: value) else { throw ServiceError.invalid(field: "access", "is not an access level") }
            access = known
        }
        let view = try await services.wiki.create(in: slug, by: person, title: title, body: body, parentId: parentId, access: access)
        let revision = try await services.database.wikiRevision(pageId: view.id, number: view.revision)
        let answer = RemoteWikiPage(id: runtime.urls.wikiPage(view.id), parent: view.parentId.map(runtime.urls.wikiPage), access: view.access,
                                    revision: view.revision, title: view.title, body: view.body,
                                    createdAt: revision?.createdAt ?? view.updatedAt)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return Response(status: .created, headers: [.contentType: "application/json", .location: answer.id],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(answer))))
    }
}

extension LocalActorURLs {
    /// The row id of a local wiki page's id, if `id` is one.
    func wikiPageId(of id: String) -> Int64? {
        let prefix = String(wikiPage(0).dropLast())
        guard id.hasPrefix(prefix) else { return nil }
        return Int64(id.dropFirst(prefix.count))
    }
}
