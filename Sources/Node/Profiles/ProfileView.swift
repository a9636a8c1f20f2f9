import Foundation
import Storage

/// Who is looking at a profile; decides which field values they may see.
public enum Viewer: Sendable {
    case anonymous
    case account(Account)

    var account: Account? {
        if case .account(let account) = self { return account }
        return nil
    }

    /// Whether a value with `visibility` that belongs to `ownerId` may be shown.
    func maySee(_ visibility: Visibility, ownerId: Int64) -> Bool {
        switch visibility {
        case .public: return true
        case .users: return account != nil
        case .private: return account?.id == ownerId
        }
    }
}

/// A profile as one viewer may see it: what the API returns and the pages show.
public struct ProfileView: Codable, Sendable, Equatable {
    public struct Field: Codable, Sendable, Equatable {
        public let key: String
        public let label: String
        public let kind: ProfileField.Kind
        public let value: String
        /// Present only for the profile's owner, who chose it.
        public let visibility: Visibility?
    }

    public let username: String
    public let displayName: String
    public let organisation: String
    public let jobTitle: String
    public let bio: String
    public let url: String
    public let avatarURL: String?
    public let fields: [Field]
    /// Present only for the owner and node administrators.
    public let email: String?
    public let isDisabled: Bool?
}

/// An account as its owner or an administrator sees it.
public struct AccountView: Codable, Sendable, Equatable {
    public let id: Int64
    public let username: String
    public let email: String?
    public let role: Account.Role
    public let isDisabled: Bool
    public let createdAt: Date

    init(_ account: Account) {
        id = account.id!
        username = account.username
        email = account.email
        role = account.role
        isDisabled = account.isDisabled
        createdAt = account.createdAt
    }
}
