import Foundation
import Storage

/// `Delete` of an actor by itself: its cached profile and follows are removed.
struct DeleteHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        guard activity.object?.idValue == activity.actor else {
            return .ignored("only deletion of the actor itself is handled")
        }
        var effects = InboxEffects()
        effects.actorsToDelete = [activity.actor]
        return .applied(effects)
    }
}
