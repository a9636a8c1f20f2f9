import Federation
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// The endpoint through which a moderator of a group who is a person of
/// another node removes or blocks one of its members
/// (see ``GroupFederation/moderate(_:by:person:blocking:)``):
///
/// - `POST /groups/SLUG/moderation`, a JSON activity signed (RFC 9421) with
///   the moderator's key, whose `actor` is the signer:
///   `{"type": "Remove", "actor": MOD, "object": PERSON, "target": "…/groups/SLUG/members"}`
///   removes the person (or refuses their request, or withdraws their
///   invitation); `{"type": "Block", "actor": MOD, "object": PERSON, "target": "…/groups/SLUG"}`
///   removes them and keeps them out. These are the shapes FEP-1b12 groups
///   (and Lemmy's community bans) use.
///
/// The group applies it exactly as if the moderator had acted here (same
/// rights: a current admin or the owner of the group; admins only by the
/// owner; never the owner), so a removed person of another node is told
/// with the group's `Remove` and their node drops its copies. It answers at
/// once: 200 with `{"object": PERSON, "state": "removed"|"blocked"}`, or a
/// problem (403 for a signer who may not moderate the group, 404 for a
/// person not in it, 409 for the owner).
extension FederationController {
    func addModerationRoutes(to router: Router<NodeRequestContext>) {
        router.post("groups/:slug/moderation", use: moderation)
    }

    @Sendable func moderation(request: Request, context: NodeRequestContext) async throws -> Response {
        let slug = try context.parameters.requireSlug()
        guard let group = try await services.database.group(slug: slug), !group.isRemote else { throw Problem.notFound("no such group") }
        var request = request
        let bytes = Array(buffer: try await request.collectBody(upTo: runtime.settings.maxDocumentBytes))
        let moderator = try await signingPerson(request, body: bytes, refusal: "moderation from other nodes is signed by a moderator of the group")
        guard let activity = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)),
              let type = activity["type"]?.stringValue, type == "Remove" || type == "Block",
              let person = activity["object"]?.idValue, let target = activity["target"]?.idValue else {
            throw Problem.badRequest("moderation is a Remove (target: the members collection) or a Block (target: the group) of a person")
        }
        guard let signer = moderator.actorId, activity["actor"]?.idValue == signer else {
            throw Problem(.forbidden, type: "forbidden", detail: "the activity's actor is not its signer")
        }
        let expectedTarget = type == "Remove" ? runtime.urls.groupMembers(group.slug) : runtime.urls.group(group.slug)
        guard target == expectedTarget else { throw Problem.badRequest("the target of a \(type) is \(expectedTarget)") }
        let username: String
        if let local = runtime.urls.username(ofPerson: person), person == runtime.urls.person(local) {
            username = local
        } else if let remote = try await services.database.account(actorId: person) {
            username = remote.username
        } else {
            throw Problem.notFound("\(person) is not in this group")
        }
        if type == "Block" {
            _ = try await services.groups.block(group.slug, by: moderator, username: username)
        } else {
            try await services.groups.remove(group.slug, by: moderator, username: username)
        }
        let answer = JSONValue.object(["object": .string(person), "state": .string(type == "Block" ? "blocked" : "removed")])
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(answer))))
    }
}
