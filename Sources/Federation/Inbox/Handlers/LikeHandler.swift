import Foundation
import Storage

/// `Like` of an item in a local group by a member on another node: stored
/// and announced. (`Undo` of a `Like` is in ``UndoHandler``.)
struct LikeHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        try await Self.setLike(activity, objectId: activity.object?.idValue, liked: true, context: context)
    }

    static func setLike(_ activity: Activity, objectId: String?, liked: Bool, context: InboxContext) async throws -> HandlerResult {
        guard let objectId, let item = try await context.contentItem(objectId: objectId), let groupId = item.groupId,
              let group = try await context.database.group(id: groupId), !group.isRemote else {
            return .ignored("likes are handled for items in local groups")
        }
        guard try await context.membership(of: activity.actor, in: group)?.isMember == true else {
            return .ignored("\(activity.actor) is not a member of \(group.slug)")
        }
        var effects = InboxEffects()
        effects.changes = [.like(context.contentReference(objectId: objectId), account: try await context.personReference(activity.actor), liked: liked)]
        effects.deliveries = try await context.announce(activity, in: group, access: item.access, subjects: [])
        return .applied(effects)
    }
}
