import Foundation
import Storage

/// `Delete` of an actor by itself: its cached profile, follows, row,
/// memberships and items are removed, and this node confirms with an
/// `Accept` from the node actor, which the sender's ledger records. A person
/// who was a member of local groups is also announced deleted by those
/// groups to the nodes that got their data from here. A group deleted by
/// its home node takes its mirror here with it (DeleteHandler+Group.swift);
/// a `Delete` of a group by any other actor changes nothing.
///
/// `Delete` of an item in a local group, by its author or by a moderator of
/// the group on another node: the item goes and the group announces it.
struct DeleteHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        guard let objectId = activity.object?.idValue else { return .ignored("the Delete names no object") }
        if objectId == activity.actor {
            if let group = try await context.mirroredGroup(actor: activity.actor) {
                return .applied(try await Self.mirroredGroupDeleted(group, activity, context: context))
            }
            return .applied(try await Self.actorDeleted(activity, context: context, confirmingTo: activity.actor, confirmedId: activity.id))
        }
        guard let item = try await context.contentItem(objectId: objectId), let groupId = item.groupId,
              let group = try await context.database.group(id: groupId), !group.isRemote else {
            return .ignored("only deletion of the actor itself or of items in local groups is handled")
        }
        let isAuthor = try await context.database.account(actorId: activity.actor)?.id == item.authorId
        let isModerator = try await GroupContentRules.isModerator(activity.actor, of: group, context: context)
        guard isAuthor || isModerator else {
            return .ignored("only the author or a moderator of the group may delete an item")
        }
        var effects = InboxEffects()
        effects.changes = [.deleteContent(context.contentReference(objectId: objectId))]
        effects.deliveries = try await context.announce(activity, in: group, access: item.access, subjects: [])
        return .applied(effects)
    }

    /// The effects of a person's (or group's) deletion by its home node.
    /// `confirmingTo` is the actor whose node receives the confirmation
    /// (the deleted actor's, or the group that announced it).
    static func actorDeleted(_ activity: Activity, context: InboxContext, confirmingTo: String, confirmedId: String) async throws -> InboxEffects {
        let deleted = activity.actor
        var effects = InboxEffects()
        effects.actorsToDelete = [deleted]
        // Groups of this node announce the deletion to the nodes they sent the person's data to.
        if let account = try await context.database.account(actorId: deleted) {
            for (group, membership) in try await context.database.groups(ofAccount: account.id!) where !group.isRemote && membership.isMember {
                let announces = try await context.announce(activity, in: group, access: .members, subjects: [])
                effects.deliveries += announces
                effects.changes += announces.map {
                    .requestDeletion(objectIds: [deleted], host: $0.host, activityId: $0.activityId, at: Date())
                }
            }
        }
        effects.changes.append(.deleteRemoteAccount(actorId: deleted))
        if let recipient = try await context.database.remoteActor(id: confirmingTo) {
            var accept = Activity(id: context.urls.newActivityId(), type: "Accept", actor: context.urls.nodeActor,
                                  object: .string(confirmedId), to: [confirmingTo])
            accept.published = ContentObjects.timestamp(Date())
            effects.deliveries += try await context.outbox.deliveries(of: accept, to: [recipient], signer: SigningKey.nodeOwner)
        }
        return effects
    }
}
