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
        let inviter = await inviter(of: activity, group: actor, context: context)
        effects.changes = [
            .saveRemoteGroup(group),
            .membership(group: .actor(actor.id), account: .id(account.id!), state: .invited, role: .member),
            .notify(accountId: account.id!, kind: .groupInvited, actor: inviter, group: .actor(actor.id), item: nil),
        ]
        return .applied(effects)
    }

    /// Who sent the invitation, from Meent's `invitedBy`: shown in the
    /// notification, never used to decide anything. Only a person of the
    /// group's own node is believed (a group cannot name someone elsewhere),
    /// and an inviter who cannot be resolved leaves the notification
    /// without a name rather than losing the invitation.
    private func inviter(of activity: Activity, group: RemoteActor, context: InboxContext) async -> AccountReference? {
        guard let id = activity.invitedBy, Origin.authority(of: id) == Origin.authority(of: group.id), id != group.id else { return nil }
        do {
            return try await context.personReference(id)
        } catch {
            context.logger.debug("the inviter of an Invite could not be resolved", metadata: ["actor.id": "\(id)", "error": "\(error)"])
            return nil
        }
    }
}
