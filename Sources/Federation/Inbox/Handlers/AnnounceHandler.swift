import Foundation
import Storage

/// `Announce` by a group on another node of what happened in it (FEP-1b12).
/// The group's home node is authoritative for its membership and content:
/// what it announces is applied to the group's mirror here. The wrapped
/// activity must be embedded (nothing is fetched for it) and keep the
/// origin rules: its id, actor and object share one origin, and it never
/// claims this node's own items.
struct AnnounceHandler: ActivityHandler {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult {
        guard let group = try await context.mirroredGroup(actor: activity.actor) else {
            return .ignored("announces are followed from groups this node's people are in")
        }
        guard let wrapped = activity.object, case .object = wrapped else {
            return .ignored("the announced activity is not embedded; nothing is fetched for it")
        }
        var inner: Activity
        do {
            inner = try JSONDecoder().decode(Activity.self, from: JSONEncoder().encode(wrapped))
        } catch {
            return .ignored("the announced activity is malformed")
        }
        inner.raw = wrapped
        guard Origin.same(inner.id, inner.actor) else { return .ignored("the announced activity's id and actor have different origins") }
        let isLocalActor = context.urls.isLocal(inner.actor)
        var effects = InboxEffects()
        if inner.type == "Create" || inner.type == "Update", FileObjects.isFileObject(inner.object) {
            return try await FileNotices.apply(inner, group: group, announcedBy: activity.actor, context: context)
        }
        if inner.type == "Create" || inner.type == "Update", inner.object?["type"]?.stringValue == "Document" {
            // Wiki pages belong to the group: only the group writes them.
            guard inner.actor == activity.actor, let object = inner.object, Origin.same(object.idValue ?? "", activity.actor),
                  var (notice, author) = WikiObjects.notice(object, group: .id(group.id!)) else {
                return .ignored("a wiki page is written by its group, on the group's node")
            }
            if let author { notice.author = try? await context.personReference(author) }
            effects.changes = [.saveWikiRevision(notice)]
            return .applied(effects)
        }
        switch inner.type {
        case "Create", "Update":
            if isLocalActor { return .ignored("this node's own activity came back") }
            guard let received = GroupContentRules.received(inner, context: context) else { return .ignored("no item by the announced actor") }
            guard received.audience == nil || received.audience == group.actorId else { return .ignored("the item belongs to another group") }
            if inner.type == "Update" {
                guard let stored = try await context.database.contentItem(apId: received.id), stored.groupId == group.id,
                      try await context.database.account(actorId: inner.actor)?.id == stored.authorId else {
                    return .ignored("only the stored author may change an item")
                }
            }
            let author = try await context.personReference(inner.actor)
            guard let (change, _) = try await GroupContentRules.saveChange(received, author: author, group: group,
                                                                         groupReference: .id(group.id!), context: context)
            else { return .ignored("the reply is not to an item of the group") }
            effects.changes = [change]
            if let notice = try await GroupContentRules.replyNotice(received, author: author, group: group, context: context) {
                effects.changes.append(notice)
            }
        case "Delete":
            guard let objectId = inner.object?.idValue else { return .ignored("the Delete names no object") }
            if objectId == inner.actor {
                guard !isLocalActor else { return .ignored("this node's own person") }
                return .applied(try await DeleteHandler.actorDeleted(inner, context: context, confirmingTo: activity.actor, confirmedId: activity.id))
            }
            guard let item = try await context.contentItem(objectId: objectId), item.groupId == group.id else {
                return .ignored("no such item in the group")
            }
            effects.changes = [.deleteContent(context.contentReference(objectId: objectId))]
        case "Like", "Undo":
            if isLocalActor { return .ignored("this node's own activity came back") }
            let isUndo = inner.type == "Undo"
            guard !isUndo || inner.object?["type"]?.stringValue == "Like" else { return .ignored("only likes are undone here") }
            let objectId = isUndo ? inner.object?["object"]?.idValue : inner.object?.idValue
            guard let objectId, let item = try await context.contentItem(objectId: objectId), item.groupId == group.id else {
                return .ignored("no such item in the group")
            }
            effects.changes = [.like(context.contentReference(objectId: objectId), account: try await context.personReference(inner.actor), liked: !isUndo)]
        case "Remove", "Add":
            let knownActor = try await context.database.account(actorId: inner.actor) != nil
            guard inner.actor == activity.actor || knownActor || isLocalActor else { return .ignored("unknown moderator") }
            return try await MembershipNotice.apply(inner, context: context, adding: inner.type == "Add", groupActor: activity.actor)
        default:
            return .ignored("announced \(inner.type) is not handled")
        }
        return .applied(effects)
    }
}
