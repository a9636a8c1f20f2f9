import Foundation
import Storage

/// The rules a group's home node applies to content activities from its
/// members on other nodes, and that a member node applies to what a group
/// announces. One place, so a `Create` sent to the group and a `Create`
/// announced by it are checked alike.
enum GroupContentRules {
    /// The item a `Create` or `Update` carries, checked: the object is
    /// embedded, written by the activity's actor and lives on the actor's
    /// origin, and it is not one of this node's own items.
    static func received(_ activity: Activity, context: InboxContext) -> ContentObjects.Received? {
        guard let object = activity.object, case .object = object, let received = ContentObjects.received(object),
              received.author == activity.actor, Origin.same(received.id, activity.actor),
              !context.urls.isLocal(received.id) else { return nil }
        return received
    }

    /// The change that stores a received item in `group`; `nil` when a
    /// comment answers something that is not in the group.
    static func saveChange(_ received: ContentObjects.Received, author: AccountReference, group: Group, groupReference: GroupReference,
                           context: InboxContext) async throws -> (FederatedChange, ContentItem.Access)? {
        var parent: ContentReference?
        var access = received.access
        if let inReplyTo = received.inReplyTo {
            guard let parentItem = try await context.contentItem(objectId: inReplyTo), parentItem.groupId == group.id else { return nil }
            parent = context.contentReference(objectId: inReplyTo)
            access = parentItem.access
        }
        // Content of a closed or hidden group is for its members: nothing wider.
        if group.membershipMode == .closed || group.isHidden, access == .public || access == .users { access = .members }
        let item = ContentItem(type: received.kind, groupId: group.id, authorId: 0, title: received.title, body: received.body,
                               access: access, createdAt: received.published, updatedAt: received.updated, apId: received.id)
        return (.saveContent(item, author: author, group: groupReference, parent: parent), access)
    }

    /// The notification for a local author whose item a received reply answers.
    static func replyNotice(_ received: ContentObjects.Received, author: AccountReference, group: Group,
                            context: InboxContext) async throws -> FederatedChange? {
        guard let inReplyTo = received.inReplyTo, let parent = try await context.contentItem(objectId: inReplyTo),
              let parentAuthor = try await context.database.account(id: parent.authorId), !parentAuthor.isRemote else { return nil }
        return .notify(accountId: parentAuthor.id!, kind: .contentReply, actor: author, group: .id(group.id!), item: .apId(received.id))
    }

    /// Whether the person of another node may moderate (delete others'
    /// content in) a local group.
    static func isModerator(_ actorId: String, of group: Group, context: InboxContext) async throws -> Bool {
        try await context.membership(of: actorId, in: group)?.isManager == true
    }
}
