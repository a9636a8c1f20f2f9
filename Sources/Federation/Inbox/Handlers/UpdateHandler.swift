import Foundation
import Storage

/// `Update` of an actor's own profile: the cached copy is fetched again from
/// the actor's home node, the source of truth.
struct UpdateHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        guard let object = activity.object, object.idValue == activity.actor else {
            return .ignored("only updates of the actor itself are handled")
        }
        let refreshed = try await context.resolver.actor(id: activity.actor, forceRefresh: true)
        var effects = InboxEffects()
        effects.actorsToSave = [refreshed]
        return .applied(effects)
    }
}
