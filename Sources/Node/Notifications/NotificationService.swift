import Foundation
import Storage

/// A notification as its recipient sees it.
public struct NotificationView: Codable, Sendable, Equatable {
    public let id: Int64
    public let kind: UserNotification.Kind
    /// The username of who caused it (`name@host` for a person of another node).
    public let actor: String?
    /// Their display name.
    public let actorName: String?
    /// The node of a person of another node (its host); `nil` for people of this node.
    public let actorNode: String?
    /// The slug of the group it is about.
    public let group: String?
    /// The id of the item it is about.
    public let itemId: Int64?
    /// The name of a group that is gone (`group.deleted`).
    public let groupName: String?
    public let createdAt: Date
    public let isRead: Bool
}

/// Tells people about invitations, requests, decisions, replies and mentions.
public struct NotificationService: Sendable {
    let database: NodeDatabase

    /// Notifies each of `recipients` (never the actor themselves).
    func notify(_ recipients: [Int64], kind: UserNotification.Kind, actor: Account, groupId: Int64? = nil, itemId: Int64? = nil) async throws {
        let unique = Array(Set(recipients)).filter { $0 != actor.id }
        try await database.addNotifications(unique.map {
            UserNotification(accountId: $0, kind: kind, actorId: actor.id, groupId: groupId, itemId: itemId)
        })
    }

    /// `@username` mentions in a text, for names of this node; an `@` inside a
    /// word, as in an e-mail address, is not a mention.
    static func mentionedUsernames(in text: String) -> [String] {
        var names: [String] = []
        var current: String?
        var previous: Character = " "
        for character in text + " " {
            defer { previous = character }
            if character == "@" {
                // Inside a word (an e-mail address) an @ is no mention.
                current = previous.isLetter || previous.isNumber ? nil : ""
            } else if var name = current {
                if character.isASCII && (character.isLetter || character.isNumber || "._-".contains(character)) {
                    name.append(Character(character.lowercased()))
                    current = name
                } else {
                    while name.hasSuffix(".") || name.hasSuffix("-") { name.removeLast() }
                    if Validation.usernameProblem(name) == nil { names.append(name) }
                    current = nil
                }
            }
        }
        return Array(Set(names)).sorted()
    }

    /// Notifies people mentioned in `item` who may read it.
    func notifyMentions(in item: ContentItem, by actor: Account) async throws {
        var recipients: [Int64] = []
        for username in Self.mentionedUsernames(in: item.body) {
            guard let account = try await database.account(username: username), !account.isDisabled,
                  try await database.content(id: item.id!, viewerId: account.id) != nil else { continue }
            recipients.append(account.id!)
        }
        try await notify(recipients, kind: .contentMention, actor: actor, groupId: item.groupId, itemId: item.id)
    }

    public func list(for account: Account, unreadOnly: Bool, before: Int64?, limit: Int) async throws -> [NotificationView] {
        let notifications = try await database.notifications(accountId: account.id!, unreadOnly: unreadOnly, before: before, limit: limit)
        var actors: [Int64: (username: String, name: String, node: String?)] = [:]
        var slugs: [Int64: String] = [:]
        for notification in notifications {
            if let actorId = notification.actorId, actors[actorId] == nil, let account = try await database.account(id: actorId) {
                let name = try await database.profile(accountId: actorId)?.displayName ?? account.username
                actors[actorId] = (account.username, name, account.actorId?.hostPart.nilIfEmpty)
            }
            if let groupId = notification.groupId, slugs[groupId] == nil { slugs[groupId] = try await database.group(id: groupId)?.slug }
        }
        return notifications.map {
            let actor = $0.actorId.flatMap { actors[$0] }
            return NotificationView(id: $0.id!, kind: $0.kind, actor: actor?.username, actorName: actor?.name, actorNode: actor?.node,
                                    group: $0.groupId.flatMap { slugs[$0] }, itemId: $0.itemId, groupName: $0.groupName,
                                    createdAt: $0.createdAt, isRead: $0.readAt != nil)
        }
    }
}
