import Foundation
import Storage

/// `Follow` of a local person: recorded as accepted (profiles are public)
/// and answered with an `Accept` from that person.
struct FollowHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        guard let followee = activity.object?.idValue, let account = try await context.localAccount(personId: followee) else {
            return .ignored("the Follow is not for a local person")
        }
        let follower = try await context.resolver.actor(id: activity.actor)
        var accept = Activity(id: context.urls.newActivityId(), type: "Accept", actor: followee,
                              object: .object(["id": .string(activity.id), "type": .string("Follow"),
                                               "actor": .string(activity.actor), "object": .string(followee)]))
        accept.to = [activity.actor]
        var effects = InboxEffects()
        effects.followsToSave = [Follow(follower: activity.actor, followee: followee, state: .accepted, activityId: activity.id)]
        effects.deliveries = try await context.outbox.deliveries(of: accept, to: [follower], signer: "account:\(account.id!)")
        return .applied(effects)
    }
}
