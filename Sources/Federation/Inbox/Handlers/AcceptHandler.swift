import Foundation
import Storage

/// `Accept` of something a local actor sent:
/// - of a `Follow` of a person: the follow becomes accepted (only the
///   followed actor can accept it);
/// - of a `Follow` of a group on another node: the local person becomes a
///   member of the group's mirror here (only the group can accept it);
/// - of a `Delete` this node sent: the other node confirms it applied the
///   deletion, which the data-flow ledger records.
struct AcceptHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        guard let objectId = activity.object?.idValue else { return .ignored("Accept names no object") }
        var effects = InboxEffects()
        if context.urls.isLocal(objectId), !(try await context.database.ledgerEntries(deletionActivityId: objectId).isEmpty) {
            guard let host = Origin.authority(of: activity.actor) else { return .ignored("no host") }
            effects.changes = [.confirmDeletion(activityId: objectId, host: host, at: Date())]
            return .applied(effects)
        }
        if let group = try await context.mirroredGroup(actor: activity.actor),
           let person = activity.object?["actor"]?.idValue, let account = try await context.localAccount(personId: person) {
            let existing = try await context.database.membership(groupId: group.id!, accountId: account.id!)
            guard existing?.state != .blocked else { return .ignored("blocked") }
            effects.changes = [.membership(group: .id(group.id!), account: .id(account.id!), state: .member, role: existing?.role ?? .member),
                               .notify(accountId: account.id!, kind: .groupApproved, actor: nil, group: .id(group.id!), item: nil)]
            return .applied(effects)
        }
        let candidates = try await context.database.followers(of: activity.actor, state: .pending)
        guard var follow = candidates.first(where: { $0.activityId == objectId }) else {
            return .ignored("no pending follow \(objectId) of \(activity.actor)")
        }
        follow.state = .accepted
        effects.followsToSave = [follow]
        return .applied(effects)
    }
}
