import Foundation
import Storage

/// What the handlers of group activities share: finding the group an
/// activity is for, the membership of its actor, and the people it names.
extension InboxContext {
    /// The local group an activity is for: its `audience`, or a local group
    /// among its addressees or its object's.
    func localGroup(for activity: Activity, object: JSONValue? = nil) async throws -> Group? {
        var candidates = [activity.audience, object?["audience"]?.idValue, activity.target?.idValue].compactMap { $0 }
        candidates += (activity.to ?? []) + (activity.cc ?? [])
        candidates += (object?["to"]?.stringList ?? []) + (object?["cc"]?.stringList ?? [])
        if let objectId = object?.idValue { candidates.append(objectId) }
        for id in candidates {
            if let slug = urls.slug(ofGroup: id),
               let group = try await lookups.rememberedIfFound(\.groups, slug, read: { try await database.group(slug: slug) }),
               !group.isRemote { return group }
        }
        return nil
    }

    /// The mirror of the remote group that is the actor of `activity`.
    func mirroredGroup(actor: String) async throws -> Group? {
        try await database.group(actorId: actor)
    }

    /// A person as a group row names them: a local account by id, or a
    /// person of another node by actor id (fetched once to learn their name).
    func personReference(_ actorId: String) async throws -> AccountReference {
        if let account = try await localAccount(personId: actorId) { return .id(account.id!) }
        if let account = try await remoteAccount(actorId: actorId) {
            return .remote(actorId: actorId, username: account.username, displayName: nil)
        }
        let actor = try await resolver.actor(id: actorId)
        guard actor.type == "Person" || actor.type == "Service" || actor.type == "Application" else {
            throw FederationError.malformed("\(actorId) is a \(actor.type), not a person")
        }
        return .remote(actorId: actor.id, username: "\(actor.preferredUsername ?? "user")@\(actor.host)", displayName: actor.name)
    }

    /// The membership of a person of another node in a local group.
    func membership(of actorId: String, in group: Group) async throws -> Membership? {
        guard let account = try await remoteAccount(actorId: actorId) else { return nil }
        let key = InboxLookups.MembershipKey(groupId: group.id!, accountId: account.id!)
        return try await lookups.remembered(\.memberships, key) { try await database.membership(groupId: key.groupId, accountId: key.accountId) }
    }

    /// The account of a person of another node, by actor id.
    func remoteAccount(actorId: String) async throws -> Account? {
        try await lookups.rememberedIfFound(\.accounts, actorId) { try await database.account(actorId: actorId) }
    }

    /// An item by the id it travels under: an item written here, or one
    /// that came from another node.
    func contentItem(objectId: String) async throws -> ContentItem? {
        if let id = urls.contentId(of: objectId) { return try await database.contentItem(id: id) }
        return try await database.contentItem(apId: objectId)
    }

    func contentReference(objectId: String) -> ContentReference {
        if let id = urls.contentId(of: objectId) { return .id(id) }
        return .apId(objectId)
    }

    /// The announces of `activity`, as received, to the nodes of the group's
    /// members on other nodes.
    func announce(_ activity: Activity, in group: Group, access: ContentItem.Access, subjects: [LedgerSubject]) async throws -> [Delivery] {
        let destinations = try await lookups.remembered(\.destinations, group.id!) { try await announcer.destinations(groupId: group.id!) }
        guard !destinations.isEmpty else { return [] }
        let inner = try activity.raw ?? JSONDecoder().decode(JSONValue.self, from: activity.encoded())
        return try announcer.deliveries(announcing: inner, group: group, to: destinations, access: access, subjects: subjects)
    }

    /// A reply from a group to a person's node (`Accept`, `Reject`, `Invite`, `Remove`).
    func groupMessage(_ type: String, from group: Group, object: JSONValue, target: JSONValue? = nil, to person: String) async throws -> [Delivery] {
        try await announcer.message(type, from: group, object: object, target: target, to: try await resolver.actor(id: person))
    }

    /// Managers of a local group (for notifications).
    func managers(of group: Group) async throws -> [Int64] {
        try await database.members(groupId: group.id!).filter { $0.0.isManager && $0.1.actorId == nil }.map { $0.1.id! }
    }
}
