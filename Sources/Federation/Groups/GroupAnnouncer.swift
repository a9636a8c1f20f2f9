import Foundation
import Storage

/// How a group's home node passes what its members do to the nodes of its
/// other members (FEP-1b12): each accepted activity is wrapped, unchanged, in
/// an `Announce` by the group, once per node.
///
/// Content of a closed or hidden group, and items for members or signed-in
/// users only, are addressed per node to the members on that node and go
/// only to nodes that host a current member. Public items of an open group
/// are addressed to the public and the group's followers.
public struct GroupAnnouncer: Sendable {
    let database: NodeDatabase
    let outbox: Outbox

    public init(database: NodeDatabase, outbox: Outbox) {
        self.database = database
        self.outbox = outbox
    }

    var urls: LocalActorURLs { outbox.urls }

    /// The nodes of the group's current members on other nodes, with those members.
    public func destinations(groupId: Int64, excluding excludedActor: String? = nil) async throws -> [Outbox.Destination] {
        let members = try await database.remoteMembers(groupId: groupId).compactMap(\.actorId).filter { $0 != excludedActor }
        guard !members.isEmpty else { return [] }
        return try await outbox.destinations(for: try await database.remoteActors(ids: members))
    }

    /// Announces of `inner` by the local group to `destinations`.
    public func deliveries(announcing inner: JSONValue, group: Group, to destinations: [Outbox.Destination],
                           access: ContentItem.Access, subjects: [LedgerSubject]) throws -> [Delivery] {
        let groupId = urls.group(group.slug)
        let signer = "group:\(group.id!)"
        let isPublic = access == .public && group.membershipMode != .closed && !group.isHidden
        if isPublic {
            var announce = Activity(id: urls.newActivityId(), type: "Announce", actor: groupId, object: inner,
                                    to: [Activity.publicAudience], cc: [urls.groupFollowers(group.slug)])
            announce.audience = groupId
            var rows = try outbox.deliveries(of: announce, to: destinations, signer: signer, subjects: subjects)
            // Mastodon and its kin boost an announced object, not an announced
            // activity: a new public item is also announced by its id, which
            // they fetch. Meent nodes ignore this second form.
            if inner["type"]?.stringValue == "Create", let objectId = inner["object"]?.idValue {
                var boost = Activity(id: urls.newActivityId(), type: "Announce", actor: groupId, object: .string(objectId),
                                     to: [Activity.publicAudience], cc: [urls.groupFollowers(group.slug)])
                boost.audience = groupId
                rows += try outbox.deliveries(of: boost, to: destinations, signer: signer, subjects: [])
            }
            return rows
        }
        // Addressed per node, to the members there.
        var announce = Activity(id: urls.newActivityId(), type: "Announce", actor: groupId, object: inner)
        announce.audience = groupId
        return try outbox.addressedCopies(of: announce, to: destinations, signer: signer, subjects: subjects)
    }

    /// A message from the local group to one person of another node
    /// (`Accept`, `Reject`, `Invite`, `Remove`, `Add`), for their node.
    public func message(_ type: String, from group: Group, object: JSONValue, target: JSONValue? = nil,
                        to recipient: RemoteActor, invitedBy: String? = nil) async throws -> [Delivery] {
        var activity = Activity(id: urls.newActivityId(), type: type, actor: urls.group(group.slug), object: object, to: [recipient.id])
        activity.target = target
        activity.invitedBy = invitedBy
        activity.audience = urls.group(group.slug)
        return try await outbox.deliveries(of: activity, to: [recipient], signer: "group:\(group.id!)",
                                           subjects: [LedgerSubject(urls.group(group.slug), kind: .group)])
    }

    /// The activity a local person's change to group content is wrapped as.
    public func activity(_ type: String, by person: String, object: JSONValue, group: Group, access: ContentItem.Access) -> Activity {
        let groupId = urls.group(group.slug)
        let isPublic = access == .public && group.membershipMode != .closed && !group.isHidden
        var activity = Activity(id: urls.newActivityId(), type: type, actor: person, object: object,
                                to: isPublic ? [Activity.publicAudience] : [urls.groupMembers(group.slug)],
                                cc: [groupId])
        activity.audience = groupId
        return activity
    }

    /// The object of a stored item, as the group's home node describes it.
    public func object(of item: ContentItem, author: Account, group: Group, parentApId: String?) -> JSONValue {
        let groupId = group.actorId ?? urls.group(group.slug)
        let isPublic = item.access == .public && group.membershipMode != .closed && !group.isHidden
        return ContentObjects.object(
            item, id: item.apId ?? urls.content(item.id!), author: author.actorId ?? urls.person(author.username),
            group: groupId, inReplyTo: parentApId, to: isPublic ? [Activity.publicAudience] : [groupId])
    }

    /// What the ledger records for an item: the item and its author's profile.
    public static func subjects(itemId: String, authorId: String) -> [LedgerSubject] {
        [LedgerSubject(itemId, kind: .content), LedgerSubject(authorId, kind: .profile)]
    }
}

/// A group of another node, as this node mirrors it.
public enum GroupMirror {
    /// Extension properties of a Meent group actor: how one joins it and
    /// whether it is listed.
    public static let membershipModeProperty = "meentMembershipMode"
    public static let hiddenProperty = "meentHidden"

    /// The mirror row for a fetched group actor; `nil` when it is not a `Group`.
    public static func group(from actor: RemoteActor) -> Group? {
        guard actor.type == "Group" else { return nil }
        let document = (try? JSONDecoder().decode(JSONValue.self, from: actor.document)) ?? .null
        let mode = document[membershipModeProperty]?.stringValue.flatMap(Group.MembershipMode.init(rawValue:))
            ?? (document["manuallyApprovesFollowers"] == .bool(true) ? .request : .open)
        let hidden = document[hiddenProperty] == .bool(true)
        let name = actor.preferredUsername ?? "group"
        return Group(slug: "\(name)@\(actor.host)", name: actor.name ?? name,
                     description: ContentObjects.plainText(fromHTML: actor.summary ?? ""),
                     membershipMode: mode, isHidden: hidden, actorId: actor.id)
    }
}
