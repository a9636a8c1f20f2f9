import Foundation
import Storage

/// `Undo` of something the actor did before; an actor can only undo its own:
/// - a `Follow` of a person: the follow ends;
/// - a `Follow` of a local group: the person leaves it (a block stays);
/// - a `Like` of an item in a local group: the like goes and is announced.
struct UndoHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        guard let object = activity.object else { return .ignored("Undo names no object") }
        let type = object["type"]?.stringValue
        if type == "Like" {
            guard object["actor"]?.idValue ?? activity.actor == activity.actor else { return .ignored("not the actor's own like") }
            return try await LikeHandler.setLike(activity, objectId: object["object"]?.idValue, liked: false, context: context)
        }
        guard type == nil || type == "Follow" else { return .ignored("Undo of \(type ?? "?") is not handled") }
        let followee = object["object"]?.idValue
        var effects = InboxEffects()
        if let followee, let slug = context.urls.slug(ofGroup: followee), let group = try await context.database.group(slug: slug), !group.isRemote {
            guard let membership = try await context.membership(of: activity.actor, in: group), membership.state != .blocked else {
                return .ignored("not in the group")
            }
            guard membership.role != .owner else { return .ignored("the owner cannot leave") }
            effects.changes = [.membership(group: .id(group.id!), account: try await context.personReference(activity.actor), state: nil, role: .member)]
            return .applied(effects)
        }
        let follows = try await context.database.following(of: activity.actor)
        guard let follow = follows.first(where: { $0.activityId == object.idValue || $0.followee == followee }) else {
            return .ignored("no follow to undo")
        }
        effects.followsToDelete = [(follow.follower, follow.followee)]
        return .applied(effects)
    }
}
