import Foundation
import GRDB

/// The public face of an account: name, organisation, job title, bio and avatar.
///
/// These fields are always public; fields with a visibility of their own are
/// ``ProfileField`` definitions with a ``ProfileFieldValue`` per person.
public struct Profile: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "profile"

    public var accountId: Int64
    public var displayName: String
    public var organisation: String
    public var jobTitle: String
    public var bio: String
    /// SHA-256 hex digest of the avatar image in the blob store, if any.
    public var avatarDigest: String?
    public var avatarContentType: String?
    public var updatedAt: Date

    public init(
        accountId: Int64, displayName: String, organisation: String = "", jobTitle: String = "",
        bio: String = "", avatarDigest: String? = nil, avatarContentType: String? = nil, updatedAt: Date = Date()
    ) {
        self.accountId = accountId
        self.displayName = displayName
        self.organisation = organisation
        self.jobTitle = jobTitle
        self.bio = bio
        self.avatarDigest = avatarDigest
        self.avatarContentType = avatarContentType
        self.updatedAt = updatedAt
    }
}
