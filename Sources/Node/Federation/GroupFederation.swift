import Federation
import Foundation
import Storage

/// What the group and content services send to other nodes when a group
/// spans nodes (FEP-1b12).
///
/// - On the group's home node, a change by a local person is wrapped in the
///   activity it stands for and announced by the group to the nodes of its
///   members elsewhere; membership decisions go to the person's node.
/// - On a member's node, a change to a group of another node goes to the
///   group's inbox; the home node checks and announces it.
///
/// Every method returns delivery rows for the caller to write in the same
/// transaction as the change itself.
public struct GroupFederation: Sendable {
    let database: NodeDatabase
    let runtime: FederationRuntime
    let follows: FollowService

    var urls: LocalActorURLs { runtime.urls }
    var announcer: GroupAnnouncer { GroupAnnouncer(database: database, outbox: runtime.outbox) }

    func personId(_ account: Account) -> String { account.actorId ?? urls.person(account.username) }
    func groupId(_ group: Group) -> String { group.actorId ?? urls.group(group.slug) }

    /// The actor of a remote group or person, from the cache or fetched.
    func remoteActor(_ id: String) async throws -> RemoteActor {
        do {
            return try await runtime.resolver.actor(id: id)
        } catch let error as FederationError {
            throw FollowService.serviceError(error, "cannot reach \(id)")
        }
    }

    // MARK: Finding people and groups of other nodes

    /// A person of another node, by `name@host` handle or actor URL, with
    /// the row this node keeps for them.
    func remotePerson(_ handleOrURL: String) async throws -> Account {
        let actor = try await follows.resolve(handleOrURL)
        guard actor.type == "Person" else { throw ServiceError.invalid(field: "username", "\(handleOrURL) is not a person") }
        return try await database.saveRemoteAccount(actorId: actor.id, username: "\(actor.preferredUsername ?? "user")@\(actor.host)",
                                                    displayName: actor.name)
    }

    /// A group of another node, by `name@host` handle or URL, mirrored here.
    func remoteGroup(_ handleOrURL: String) async throws -> Group {
        try await mirror(try await follows.resolve(handleOrURL))
    }

    /// The mirror of a group of another node, found by `name@host` handle or
    /// URL and saved (or refreshed) here.
    func mirror(_ actor: RemoteActor) async throws -> Group {
        guard let group = GroupMirror.group(from: actor) else {
            throw ServiceError.invalid(field: "group", "\(actor.id) is a \(actor.type), not a group")
        }
        return try await database.saveRemoteGroup(group)
    }

    // MARK: Membership, seen from a member's node

    /// A `Follow` of a group of another node: a request to join it.
    func join(_ group: Group, by account: Account) async throws -> [Delivery] {
        let actor = try await remoteActor(groupId(group))
        var follow = Activity(id: urls.newActivityId(), type: "Follow", actor: personId(account), object: .string(actor.id))
        follow.to = [actor.id]
        return try await deliveries(follow, to: actor, signer: account, subjects: [LedgerSubject(personId(account), kind: .profile)])
    }

    /// An `Undo` of the `Follow`: leaving a group of another node.
    func leave(_ group: Group, by account: Account) async throws -> [Delivery] {
        let actor = try await remoteActor(groupId(group))
        let undo = Activity(id: urls.newActivityId(), type: "Undo", actor: personId(account),
                            object: .object(["type": .string("Follow"), "actor": .string(personId(account)), "object": .string(actor.id)]),
                            to: [actor.id])
        return try await deliveries(undo, to: actor, signer: account)
    }

    // MARK: Membership, seen from the group's home node

    /// The group's answer to a person of another node: `Accept` (admitted) or `Reject`.
    func answer(_ group: Group, person: Account, admitted: Bool) async throws -> [Delivery] {
        let follow = JSONValue.object(["type": .string("Follow"), "actor": .string(personId(person)), "object": .string(groupId(group))])
        return try await groupMessage(admitted ? "Accept" : "Reject", group: group, object: follow, to: person)
    }

    /// An `Invite` from the group to a person of another node, naming the
    /// member who invited them (`invitedBy`) so that their node can say who.
    func invite(_ group: Group, person: Account, by inviter: Account) async throws -> [Delivery] {
        try await groupMessage("Invite", group: group, object: .string(groupId(group)), target: .string(personId(person)), to: person,
                               invitedBy: personId(inviter))
    }

    /// A `Remove` from the group's members (removal or block) to the person's node.
    func removed(_ group: Group, person: Account) async throws -> [Delivery] {
        try await groupMessage("Remove", group: group, object: .string(personId(person)), target: .string(urls.groupMembers(group.slug)), to: person)
    }

    /// `Add` to, or `Remove` from, the moderators collection.
    func roleChanged(_ group: Group, person: Account, isModerator: Bool) async throws -> [Delivery] {
        try await groupMessage(isModerator ? "Add" : "Remove", group: group, object: .string(personId(person)),
                               target: .string(urls.groupModerators(group.slug)), to: person)
    }

    private func groupMessage(_ type: String, group: Group, object: JSONValue, target: JSONValue? = nil, to person: Account,
                              invitedBy: String? = nil) async throws -> [Delivery] {
        guard let personId = person.actorId else { return [] }
        return try await announcer.message(type, from: group, object: object, target: target, to: try await remoteActor(personId),
                                           invitedBy: invitedBy)
    }

    private func deliveries(_ activity: Activity, to actor: RemoteActor, signer account: Account, subjects: [LedgerSubject] = []) async throws -> [Delivery] {
        let rows = try await runtime.outbox.deliveries(of: activity, to: [actor], signer: "account:\(account.id!)", subjects: subjects)
        guard !rows.isEmpty else { throw ServiceError(.forbidden, "this node does not federate with \(actor.host)") }
        return rows
    }

    // MARK: Content

    /// A plan for the deliveries of a content change, made before the change
    /// is written (it needs the network and the database) and turned into
    /// rows inside the write, once the item has its id.
    struct ContentPlan: Sendable {
        enum Route: Sendable {
            case none
            /// This node is the group's home: the group announces the change.
            case announce(Group, [Outbox.Destination])
            /// The group lives elsewhere: the change goes to its inbox.
            case toGroup(Group, Outbox.Destination)
        }

        let route: Route
        let author: Account
        let parentApId: String?
        let announcer: GroupAnnouncer
        let urls: LocalActorURLs
        let outbox: Outbox

        var isEmpty: Bool { if case .none = route { true } else { false } }

        /// The rows for `type` (`Create`, `Update`) of the stored item.
        func deliveries(_ type: String, of item: ContentItem) throws -> [Delivery] {
            try deliveries(type, item: item) { group in announcer.object(of: item, author: author, group: group, parentApId: parentApId) }
        }

        /// The rows for an activity about the item whose object is `object(group)`.
        func deliveries(_ type: String, item: ContentItem, object: (Group) -> JSONValue) throws -> [Delivery] {
            // Files and folders travel as the group's own objects (GroupFileFederation), not as a person's activities.
            guard item.type != .file && item.type != .folder else { return [] }
            let itemId = item.apId ?? urls.content(item.id!)
            let person = author.actorId ?? urls.person(author.username)
            let subjects = type == "Delete" || type == "Undo" ? [] : GroupAnnouncer.subjects(itemId: itemId, authorId: person)
            switch route {
            case .none:
                return []
            case .announce(let group, let destinations):
                let activity = announcer.activity(type, by: person, object: object(group), group: group, access: item.access)
                let inner = try JSONDecoder().decode(JSONValue.self, from: activity.encoded())
                return try announcer.deliveries(announcing: inner, group: group, to: destinations, access: item.access, subjects: subjects)
            case .toGroup(let group, let destination):
                var activity = Activity(id: urls.newActivityId(), type: type, actor: person, object: object(group),
                                        to: [group.actorId!], cc: [])
                activity.audience = group.actorId
                return try outbox.deliveries(of: activity, to: [destination], signer: "account:\(author.id!)", subjects: subjects)
            }
        }
    }

    /// Plans the deliveries for a change by `author` to an item in `group`
    /// (none for items outside groups or only for their author).
    func plan(group: Group?, author: Account, access: ContentItem.Access, parent: ContentItem?) async throws -> ContentPlan {
        let parentApId = parent.map { $0.apId ?? urls.content($0.id!) }
        var route = ContentPlan.Route.none
        if let group, access != .private {
            if group.isRemote {
                let actor = try await remoteActor(group.actorId!)
                guard let destination = try await runtime.outbox.destinations(for: [actor]).first else {
                    throw ServiceError(.forbidden, "this node does not federate with \(actor.host)")
                }
                route = .toGroup(group, destination)
            } else {
                let destinations = try await announcer.destinations(groupId: group.id!)
                if !destinations.isEmpty { route = .announce(group, destinations) }
            }
        }
        return ContentPlan(route: route, author: author, parentApId: parentApId, announcer: announcer, urls: urls, outbox: runtime.outbox)
    }

    /// The `Delete` of an item (by its author, or by a moderator).
    func deleteDeliveries(_ item: ContentItem, group: Group, by account: Account) async throws -> [Delivery] {
        let plan = try await plan(group: group, author: account, access: item.access, parent: nil)
        let itemId = item.apId ?? urls.content(item.id!)
        return try plan.deliveries("Delete", item: item) { _ in .object(["id": .string(itemId), "type": .string("Tombstone")]) }
    }

    /// A `Like`, or the `Undo` of one.
    func likeDeliveries(_ item: ContentItem, group: Group, by account: Account, liked: Bool) async throws -> [Delivery] {
        let plan = try await plan(group: group, author: account, access: item.access, parent: nil)
        let itemId = item.apId ?? urls.content(item.id!)
        let like = JSONValue.object(["type": .string("Like"), "actor": .string(personId(account)), "object": .string(itemId)])
        return try plan.deliveries(liked ? "Like" : "Undo", item: item) { _ in liked ? .string(itemId) : like }
    }
}

// MARK: Wiki pages across nodes

/// The result of an edit the group's home node ordered.
struct RemoteWikiEdit: Codable, Sendable {
    let revision: Int
    let title: String
    let body: String
    let mergedFrom: Int?
    let createdAt: Date
}

extension GroupFederation {
    func wikiPageId(_ page: WikiPage) -> String { page.apId ?? urls.wikiPage(page.id!) }

    /// The announces of a page's new revision by its (local) group to the
    /// nodes of its members elsewhere.
    /// The nodes a local group's wiki changes go to (none for a mirrored group).
    func wikiDestinations(_ group: Group) async throws -> [Outbox.Destination] {
        group.isRemote ? [] : try await announcer.destinations(groupId: group.id!)
    }

    func wikiDeliveries(_ page: WikiPage, revision: WikiRevision, group: Group, isNew: Bool, author: Account?,
                        to destinations: [Outbox.Destination]) throws -> [Delivery] {
        guard !destinations.isEmpty else { return [] }
        let author = author.map(personId)
        let parent = page.parentId.map { urls.wikiPage($0) }
        let object = WikiObjects.object(pageId: wikiPageId(page), group: groupId(group), parent: parent, access: page.access,
                                        revision: revision, author: author)
        var activity = Activity(id: urls.newActivityId(), type: isNew ? "Create" : "Update", actor: groupId(group), object: object,
                                to: [urls.groupMembers(group.slug)])
        activity.audience = groupId(group)
        let inner = try JSONDecoder().decode(JSONValue.self, from: activity.encoded())
        return try announcer.deliveries(announcing: inner, group: group, to: destinations, access: page.access,
                                        subjects: [LedgerSubject(wikiPageId(page), kind: .content)])
    }

    /// Sends an edit of a mirrored page to the group's home node, which
    /// orders it: the answer is the new revision, or the conflict.
    func proposeWikiEdit(_ page: WikiPage, by account: Account, title: String?, body: String, baseRevision: Int) async throws -> RemoteWikiEdit {
        guard let pageId = page.apId else { throw ServiceError(.conflict, "not a page of another node") }
        var payload: [String: JSONValue] = ["baseRevision": .number(Double(baseRevision)), "body": .string(body)]
        if let title { payload["title"] = .string(title) }
        let keys = try await runtime.keyring.keys(owner: "account:\(account.id!)")
        let person = urls.person(account.username)
        let answer: (status: Int, body: Data)
        do {
            answer = try await runtime.client.exchange("\(pageId)/edits", json: try JSONEncoder().encode(JSONValue.object(payload)),
                                                       signing: .rfc9421(keys.ed25519, keyId: LocalActorURLs.ed25519KeyId(person)))
        } catch let error as FederationError {
            throw FollowService.serviceError(error, "the group's node could not take the edit")
        }
        switch answer.status {
        case 200:
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            guard let edit = try? decoder.decode(RemoteWikiEdit.self, from: answer.body) else {
                throw ServiceError(.unavailable, "the group's node answered the edit with something unreadable")
            }
            return edit
        case 409:
            let problem = (try? JSONDecoder().decode(JSONValue.self, from: answer.body)) ?? .null
            let current = problem["current"]
            let kept = try await database.saveWikiConflict(WikiConflict(pageId: page.id!, baseRevision: baseRevision,
                                                                        title: title ?? "", body: body, authorId: account.id!))
            var revisionNumber: Int?
            if case .number(let number)? = current?["revision"] { revisionNumber = Int(number) }
            throw WikiConflictProblem(body: .init(
                detail: "the group's node refused the edit: \(problem["detail"]?.stringValue ?? "it overlaps a newer revision"); your version is kept as conflict \(kept.id!)",
                conflictId: kept.id!,
                current: .init(revision: revisionNumber, title: current?["title"]?.stringValue ?? "", body: current?["body"]?.stringValue ?? ""),
                yours: .init(revision: nil, title: title ?? "", body: body)))
        case 403, 404:
            throw ServiceError(.forbidden, "the group's node did not take the edit (\(answer.status)): you may no longer be a member")
        default:
            throw ServiceError(.unavailable, "the group's node answered the edit with \(answer.status)")
        }
    }
}

// MARK: Moderating a group of another node

extension GroupFederation {
    /// Sends a moderator's removal (`Remove` from the members collection) or
    /// block (`Block` with the group as target) of a person to the group's
    /// home node, signed with the moderator's key. The home node checks the
    /// moderator's rights and applies it at once; a refusal comes back as
    /// the home node's problem.
    func moderate(_ group: Group, by account: Account, person: Account, blocking: Bool) async throws {
        guard let groupActor = group.actorId else { throw ServiceError(.conflict, "not a group of another node") }
        let actor = try await remoteActor(groupActor)
        guard try await runtime.outbox.destinations(for: [actor]).first != nil else {
            throw ServiceError(.forbidden, "this node does not federate with \(actor.host)")
        }
        // A Meent group's members collection (FEP-1b12 leaves its name to the group).
        let membersCollection = "\(groupActor)/members"
        let activity = JSONValue.object([
            "@context": .string("https://www.w3.org/ns/activitystreams"),
            "id": .string(urls.newActivityId()),
            "type": .string(blocking ? "Block" : "Remove"),
            "actor": .string(personId(account)),
            "object": .string(personId(person)),
            "target": .string(blocking ? groupActor : membersCollection),
            "to": .array([.string(groupActor)]),
        ])
        let keys = try await runtime.keyring.keys(owner: "account:\(account.id!)")
        let answer: (status: Int, body: Data)
        do {
            answer = try await runtime.client.exchange("\(groupActor)/moderation", json: try JSONEncoder().encode(activity),
                                                       signing: .rfc9421(keys.ed25519, keyId: LocalActorURLs.ed25519KeyId(personId(account))))
        } catch let error as FederationError {
            throw FollowService.serviceError(error, "the group's node could not take the change")
        }
        let detail = ((try? JSONDecoder().decode(JSONValue.self, from: answer.body))?["detail"]?.stringValue) ?? "status \(answer.status)"
        switch answer.status {
        case 200..<300: return
        case 403, 401: throw ServiceError(.forbidden, "the group's node refused: \(detail)")
        case 404: throw ServiceError(.notFound, "the group's node refused: \(detail)")
        case 409: throw ServiceError(.conflict, "the group's node refused: \(detail)")
        case 400, 422: throw ServiceError.invalid(field: "username", "the group's node refused: \(detail)")
        default: throw ServiceError(.unavailable, "the group's node answered with \(answer.status)")
        }
    }
}
