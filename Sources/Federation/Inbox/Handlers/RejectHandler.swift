import Foundation
import Storage

/// `Reject` of a request to join a group on another node: the pending
/// request is dropped. Only the group itself can refuse.
struct RejectHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        guard let group = try await context.mirroredGroup(actor: activity.actor),
              let person = activity.object?["actor"]?.idValue, let account = try await context.localAccount(personId: person)
        else { return .ignored("not a refusal by a group of a local person") }
        var effects = InboxEffects()
        effects.changes = [.membership(group: .id(group.id!), account: .id(account.id!), state: nil, role: .member)]
        return .applied(effects)
    }
}
