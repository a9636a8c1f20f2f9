import Foundation
import Storage

/// `Follow` of a local person: recorded as accepted (profiles are public)
/// and answered with an `Accept` from that person.
///
/// `Follow` of a local group is a request to join it (FEP-1b12): the group
/// applies its membership mode. An open group, or a closed one that invited
/// the person, answers with `Accept`; a group that approves members records
/// the request for its admins; otherwise the group answers with `Reject`.
struct FollowHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        guard let objectId = activity.object?.idValue else { return .ignored("the Follow names no object") }
        if let slug = context.urls.slug(ofGroup: objectId), let group = try await context.database.group(slug: slug), !group.isRemote {
            return try await join(group, activity: activity, context: context)
        }
        guard let account = try await context.localAccount(personId: objectId) else {
            return .ignored("the Follow is not for a local person or group")
        }
        let follower = try await context.resolver.actor(id: activity.actor)
        var accept = Activity(id: context.urls.newActivityId(), type: "Accept", actor: objectId,
                              object: .object(["id": .string(activity.id), "type": .string("Follow"),
                                               "actor": .string(activity.actor), "object": .string(objectId)]))
        accept.to = [activity.actor]
        var effects = InboxEffects()
        effects.followsToSave = [Follow(follower: activity.actor, followee: objectId, state: .accepted, activityId: activity.id)]
        effects.deliveries = try await context.outbox.deliveries(of: accept, to: [follower], signer: "account:\(account.id!)",
                                                                 subjects: [LedgerSubject(objectId, kind: .profile)])
        return .applied(effects)
    }

    private func join(_ group: Group, activity: Activity, context: InboxContext) async throws -> HandlerResult {
        let person = try await context.personReference(activity.actor)
        let existing = try await context.membership(of: activity.actor, in: group)
        let follow = JSONValue.object(["id": .string(activity.id), "type": .string("Follow"),
                                       "actor": .string(activity.actor), "object": .string(context.urls.group(group.slug))])
        var effects = InboxEffects()
        let admitted: Bool
        switch existing?.state {
        case .blocked?:
            admitted = false
        case .member?:
            admitted = true
        case .invited?:
            admitted = true
        case .requested?, nil:
            switch group.membershipMode {
            case .open where !group.isHidden:
                admitted = true
            case .request where !group.isHidden:
                effects.changes.append(.membership(group: .id(group.id!), account: person, state: .requested, role: .member))
                for manager in try await context.managers(of: group) {
                    effects.changes.append(.notify(accountId: manager, kind: .groupRequested, actor: person, group: .id(group.id!), item: nil))
                }
                return .applied(effects)
            default:
                admitted = false
            }
        }
        if admitted {
            effects.changes.append(.membership(group: .id(group.id!), account: person, state: .member, role: existing?.role ?? .member))
            effects.deliveries = try await context.groupMessage("Accept", from: group, object: follow, to: activity.actor)
        } else {
            effects.deliveries = try await context.groupMessage("Reject", from: group, object: follow, to: activity.actor)
        }
        return .applied(effects)
    }
}
