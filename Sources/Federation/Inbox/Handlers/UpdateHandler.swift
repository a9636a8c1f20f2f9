import Foundation
import Storage

/// `Update` of an actor by itself: the cached copy is fetched again from the
/// actor's home node, the source of truth (and a mirrored group is refreshed).
///
/// `Update` of an item in a local group by its author on another node: the
/// group stores the change and announces it. Only the stored author may
/// change an item.
struct UpdateHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        guard let object = activity.object, let objectId = object.idValue else { return .ignored("the Update names no object") }
        var effects = InboxEffects()
        if objectId == activity.actor {
            let refreshed = try await context.resolver.actor(id: activity.actor, forceRefresh: true)
            effects.actorsToSave = [refreshed]
            if try await context.database.group(actorId: refreshed.id) != nil, let group = GroupMirror.group(from: refreshed) {
                effects.changes = [.saveRemoteGroup(group)]
            } else {
                effects.changes = [.refreshRemoteAccount(actorId: refreshed.id, displayName: refreshed.name)]
            }
            return .applied(effects)
        }
        guard let received = GroupContentRules.received(activity, context: context),
              let group = try await context.localGroup(for: activity, object: object) else {
            return .ignored("only updates of the actor itself or of items in local groups are handled")
        }
        guard let stored = try await context.database.contentItem(apId: received.id), stored.groupId == group.id,
              let author = try await context.database.account(actorId: activity.actor), stored.authorId == author.id else {
            return .ignored("only the stored author may change an item")
        }
        guard try await context.membership(of: activity.actor, in: group)?.isMember == true else {
            return .ignored("\(activity.actor) is no longer a member of \(group.slug)")
        }
        guard let (change, access) = try await GroupContentRules.saveChange(received, author: .id(author.id!), group: group,
                                                                            groupReference: .id(group.id!), context: context)
        else { return .ignored("the reply is not to an item of the group") }
        effects.changes = [change]
        effects.deliveries = try await context.announce(activity, in: group, access: access,
                                                        subjects: GroupAnnouncer.subjects(itemId: received.id, authorId: activity.actor))
        return .applied(effects)
    }
}
