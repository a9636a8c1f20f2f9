import Foundation
import Storage

/// `Undo` of a `Follow`: the actor stops following. An actor can only undo
/// its own follows.
struct UndoHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        guard let object = activity.object else { return .ignored("Undo names no object") }
        let type = object["type"]?.stringValue
        guard type == nil || type == "Follow" else { return .ignored("Undo of \(type ?? "?") is not handled") }
        let followee = object["object"]?.idValue
        let follows = try await context.database.following(of: activity.actor)
        guard let follow = follows.first(where: { $0.activityId == object.idValue || $0.followee == followee }) else {
            return .ignored("no follow to undo")
        }
        var effects = InboxEffects()
        effects.followsToDelete = [(follow.follower, follow.followee)]
        return .applied(effects)
    }
}
