import Foundation
import Storage

extension DeleteHandler {
    /// The effects of a `Delete` of a group by the group itself (its home
    /// node deleted it): the mirror here goes, with its memberships, the
    /// copies of its content, its wiki pages and its file rows and bytes,
    /// and this node confirms to the group's node with an `Accept`.
    ///
    /// Only the group's own actor can get here: the inbox checked that the
    /// activity is signed by its actor's key and that actor and activity
    /// share one origin (FEP-fe34), and the caller that the object is that
    /// actor. A `Delete` of the group by anyone else names an object that
    /// is not its actor and is ignored.
    static func mirroredGroupDeleted(_ group: Group, _ activity: Activity, context: InboxContext) async throws -> InboxEffects {
        var effects = try await actorDeleted(activity, context: context, confirmingTo: activity.actor, confirmedId: activity.id)
        effects.changes.insert(.deleteMirroredGroup(actorId: activity.actor), at: 0)
        return effects
    }
}
