import Foundation
import Storage

/// `Invite` from a group on another node to a local person: the group is
/// mirrored here and the person sees the invitation. Accepting it sends a
/// `Follow` to the group, which admits an invited person.
struct InviteHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        let invitee = activity.target?.idValue ?? activity.to?.first(where: { context.urls.username(ofPerson: $0) != nil })
        guard let invitee, let account = try await context.localAccount(personId: invitee) else {
            return .ignored("the Invite is not for a local person")
        }
        let actor = try await context.resolver.actor(id: activity.actor)
        guard var group = GroupMirror.group(from: actor) else { return .ignored("only groups invite") }
        if let existing = try await context.database.group(actorId: actor.id) { group.id = existing.id }
        let current = try await context.database.membership(groupId: group.id ?? -1, accountId: account.id!)
        guard current?.state != .member, current?.state != .blocked else { return .ignored("already a member") }
        var effects = InboxEffects()
        effects.changes = [
            .saveRemoteGroup(group),
            .membership(group: .actor(actor.id), account: .id(account.id!), state: .invited, role: .member),
            .notify(accountId: account.id!, kind: .groupInvited, actor: nil, group: .actor(actor.id), item: nil),
        ]
        return .applied(effects)
    }
}
