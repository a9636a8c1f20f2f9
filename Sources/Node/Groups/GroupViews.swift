import Foundation
import Storage

/// A group as one viewer may see it.
public struct GroupView: Codable, Sendable, Equatable {
    /// The viewer's own relation to the group, if any.
    public struct MyMembership: Codable, Sendable, Equatable {
        public let role: Membership.Role
        public let state: Membership.State
    }

    public let slug: String
    public let name: String
    public let description: String
    public let tags: [String]
    public let membershipMode: Group.MembershipMode
    public let isHidden: Bool
    public let memberCount: Int
    public let url: String
    public let createdAt: Date
    /// The node the group lives on (its home node).
    public let node: String
    public let membership: MyMembership?
    /// The group's icon, when it has one (the address changes with the image).
    public let iconURL: String?
    /// Shown to members only.
    public let welcomeMessage: String?
}

/// An invitation link of a group as its managers see it (without its code).
public struct InvitationLinkView: Codable, Sendable, Equatable {
    public let id: Int64
    public let email: String?
    public let createdBy: String?
    public let createdAt: Date
    public let expiresAt: Date
    public let usedAt: Date?
    public let usedBy: String?
    /// Neither used nor expired.
    public let isUsable: Bool
}

/// A person's place in a group, as the group's member list shows it.
public struct MemberView: Codable, Sendable, Equatable {
    public let username: String
    public let displayName: String
    public let role: Membership.Role
    public let state: Membership.State
    public let since: Date
}

/// The answer to joining a group.
public struct JoinResult: Codable, Sendable, Equatable {
    public let state: Membership.State
    public let role: Membership.Role
    /// The group's welcome message, when the person became a member.
    public let welcomeMessage: String?
}
