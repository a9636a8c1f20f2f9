import Foundation
import Storage

/// `Remove` of a local person from a group on another node (sent by the
/// group, or announced by it): the membership ends here at once, and when
/// no local member remains the copies of the group's content are dropped.
/// `Remove` with the moderators collection as target takes a local person's
/// admin role away; `Add` to it (see ``AddHandler``) gives it.
struct RemoveHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        try await MembershipNotice.apply(activity, context: context, adding: false)
    }
}

struct AddHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        try await MembershipNotice.apply(activity, context: context, adding: true)
    }
}

enum MembershipNotice {
    /// `groupActor` is the group that sent or announced the activity.
    static func apply(_ activity: Activity, context: InboxContext, adding: Bool, groupActor: String? = nil) async throws -> HandlerResult {
        guard let group = try await context.mirroredGroup(actor: groupActor ?? activity.actor) else {
            return .ignored("membership changes come from the group")
        }
        guard let person = activity.object?.idValue, let account = try await context.localAccount(personId: person) else {
            return .ignored("not about a local person")
        }
        let target = activity.target?.idValue ?? ""
        var effects = InboxEffects()
        if target.hasSuffix("/moderators") {
            guard let membership = try await context.database.membership(groupId: group.id!, accountId: account.id!), membership.isMember else {
                return .ignored("not a member")
            }
            effects.changes = [.membership(group: .id(group.id!), account: .id(account.id!), state: .member, role: adding ? .admin : .member)]
        } else if !adding {
            effects.changes = [.membership(group: .id(group.id!), account: .id(account.id!), state: nil, role: .member)]
        } else {
            return .ignored("members are added by accepting their Follow")
        }
        return .applied(effects)
    }
}
