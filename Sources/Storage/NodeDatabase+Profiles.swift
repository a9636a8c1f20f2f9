import Foundation
import GRDB

/// The changes a person makes to the fixed part of their profile; `nil` keeps a value.
public struct ProfileChange: Sendable {
    public var displayName: String?
    public var organisation: String?
    public var jobTitle: String?
    public var bio: String?
    /// A new e-mail address for the account: `.some(nil)` removes it.
    public var email: String??

    public init(displayName: String? = nil, organisation: String? = nil, jobTitle: String? = nil, bio: String? = nil, email: String?? = nil) {
        self.displayName = displayName
        self.organisation = organisation
        self.jobTitle = jobTitle
        self.bio = bio
        self.email = email
    }
}

extension NodeDatabase {
    public func profile(accountId: Int64) async throws -> Profile? {
        try await pool.read { db in try Profile.fetchOne(db, key: accountId) }
    }

    /// Profiles of the given accounts, keyed by account id.
    public func profiles(accountIds: [Int64]) async throws -> [Int64: Profile] {
        try await pool.read { db in
            let profiles = try Profile.fetchAll(db, keys: accountIds)
            return Dictionary(uniqueKeysWithValues: profiles.map { ($0.accountId, $0) })
        }
    }

    /// Applies a profile change and replaces the given field values, and queues
    /// the deliveries that announce it, all in one transaction: either
    /// everything is saved or nothing is.
    @discardableResult
    public func updateProfile(
        accountId: Int64, _ change: ProfileChange, fieldValues: [ProfileFieldValue]? = nil,
        deliveries: [Delivery] = [], now: Date = Date()
    ) async throws -> Profile {
        try await pool.write { db in try mappingConstraintErrors {
            try Self.insert(deliveries, db)
            guard var profile = try Profile.fetchOne(db, key: accountId) else { throw StorageError.notFound("profile") }
            if let email = change.email {
                try db.execute(sql: "UPDATE account SET email = ?, updatedAt = ? WHERE id = ?", arguments: [email, now, accountId])
            }
            if let value = change.displayName { profile.displayName = value }
            if let value = change.organisation { profile.organisation = value }
            if let value = change.jobTitle { profile.jobTitle = value }
            if let value = change.bio { profile.bio = value }
            profile.updatedAt = now
            try profile.update(db)
            if let fieldValues {
                for value in fieldValues {
                    guard value.accountId == accountId else { throw StorageError.invalidReference("accountId") }
                    guard try ProfileField.exists(db, key: value.fieldId) else { throw StorageError.invalidReference("field") }
                    if value.value.isEmpty {
                        _ = try ProfileFieldValue.deleteOne(db, key: ["accountId": accountId, "fieldId": value.fieldId])
                    } else {
                        try value.upsert(db)
                    }
                }
            }
            return profile
        } }
    }

    /// Sets or clears the avatar; returns the digest it replaced.
    @discardableResult
    public func setAvatar(accountId: Int64, digest: String?, contentType: String?, deliveries: [Delivery] = [], now: Date = Date()) async throws -> String? {
        try await pool.write { db in
            try Self.insert(deliveries, db)
            guard var profile = try Profile.fetchOne(db, key: accountId) else { throw StorageError.notFound("profile") }
            let previous = profile.avatarDigest
            profile.avatarDigest = digest
            profile.avatarContentType = contentType
            profile.updatedAt = now
            try profile.update(db)
            return previous
        }
    }

    /// Whether anything (an avatar, a file version, a group icon) still uses this blob.
    public func isAvatarInUse(digest: String) async throws -> Bool {
        try await pool.read { db in
            // Blobs are shared by content: the same bytes may also be a file or a group icon.
            try Self.isBlobInUse(db, digest: digest)
        }
    }

    // MARK: Profile fields

    public func profileFields() async throws -> [ProfileField] {
        try await pool.read { db in
            try ProfileField.order(ProfileField.Columns.position, ProfileField.Columns.id).fetchAll(db)
        }
    }

    public func createProfileField(_ field: ProfileField) async throws -> ProfileField {
        try await pool.write { db in
            try mappingConstraintErrors {
                var field = field
                try field.insert(db)
                return field
            }
        }
    }

    public func updateProfileField(_ field: ProfileField) async throws {
        try await pool.write { db in
            try mappingConstraintErrors {
                guard try ProfileField.exists(db, key: field.id) else { throw StorageError.notFound("profile field") }
                try field.update(db)
            }
        }
    }

    /// Deletes a field definition and every person's value of it.
    public func deleteProfileField(id: Int64) async throws {
        try await pool.write { db in
            guard try ProfileField.deleteOne(db, key: id) else { throw StorageError.notFound("profile field") }
        }
    }

    /// A person's field values, keyed by field id.
    public func profileFieldValues(accountId: Int64) async throws -> [Int64: ProfileFieldValue] {
        try await pool.read { db in
            let values = try ProfileFieldValue.filter(ProfileFieldValue.Columns.accountId == accountId).fetchAll(db)
            return Dictionary(uniqueKeysWithValues: values.map { ($0.fieldId, $0) })
        }
    }
}
