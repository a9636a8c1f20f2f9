import Foundation
import Storage

/// `Create` of a post or comment in a local group by a member on another
/// node: the group checks the author is a current member, stores the item
/// and announces the activity, unchanged, to every node with members.
struct CreateHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        guard let received = GroupContentRules.received(activity, context: context) else {
            return .ignored("the Create carries no item by its actor")
        }
        guard let group = try await context.localGroup(for: activity, object: activity.object) else {
            return .ignored("the Create is not for a local group")
        }
        guard let membership = try await context.membership(of: activity.actor, in: group), membership.isMember else {
            return .ignored("\(activity.actor) is not a member of \(group.slug)")
        }
        let author = try await context.personReference(activity.actor)
        guard let (change, access) = try await GroupContentRules.saveChange(received, author: author, group: group,
                                                                            groupReference: .id(group.id!), context: context)
        else { return .ignored("the reply is not to an item of the group") }
        var effects = InboxEffects()
        effects.changes = [change]
        if let notice = try await GroupContentRules.replyNotice(received, author: author, group: group, context: context) {
            effects.changes.append(notice)
        }
        effects.deliveries = try await context.announce(activity, in: group, access: access,
                                                        subjects: GroupAnnouncer.subjects(itemId: received.id, authorId: activity.actor))
        return .applied(effects)
    }
}
