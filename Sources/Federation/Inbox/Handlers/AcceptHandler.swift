import Foundation
import Storage

/// `Accept` of a `Follow` a local person sent: the follow becomes accepted.
/// Only the followed actor can accept it.
struct AcceptHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        guard let followId = activity.object?.idValue else { return .ignored("Accept names no object") }
        let candidates = try await context.database.followers(of: activity.actor, state: .pending)
        guard var follow = candidates.first(where: { $0.activityId == followId }) else {
            return .ignored("no pending follow \(followId) of \(activity.actor)")
        }
        follow.state = .accepted
        var effects = InboxEffects()
        effects.followsToSave = [follow]
        return .applied(effects)
    }
}
