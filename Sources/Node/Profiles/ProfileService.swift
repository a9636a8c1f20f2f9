import Foundation
import Storage

/// Profiles: reading them as a given viewer may see them, and changing one's
/// own, including values of the fields administrators define.
public struct ProfileService: Sendable {
    let database: NodeDatabase
    let blobs: BlobStore
    let configuration: NodeConfiguration
    /// Announces profile changes to followers' nodes; `nil` where nothing federates.
    let follows: FollowService?

    /// Changes a person makes to their profile; `nil` keeps a value.
    public struct Update: Sendable {
        public struct FieldInput: Sendable {
            public var value: String?
            public var visibility: Visibility?
            public init(value: String?, visibility: Visibility?) {
                self.value = value
                self.visibility = visibility
            }
        }

        public var displayName: String?
        public var organisation: String?
        public var jobTitle: String?
        public var bio: String?
        /// Keyed by the field's `key`. An empty value removes it.
        public var fields: [String: FieldInput]?
        /// A new e-mail address; an empty string removes it.
        public var email: String?

        public init(displayName: String? = nil, organisation: String? = nil, jobTitle: String? = nil, bio: String? = nil,
                    fields: [String: FieldInput]? = nil, email: String? = nil) {
            self.displayName = displayName
            self.organisation = organisation
            self.jobTitle = jobTitle
            self.bio = bio
            self.fields = fields
            self.email = email
        }
    }

    /// The profile of `account` as `viewer` may see it.
    public func view(of account: Account, by viewer: Viewer) async throws -> ProfileView {
        guard let profile = try await database.profile(accountId: account.id!) else {
            throw ServiceError(.notFound, "no profile for '\(account.username)'")
        }
        let definitions = try await database.profileFields()
        let values = try await database.profileFieldValues(accountId: account.id!)
        return makeView(account: account, profile: profile, definitions: definitions, values: values, viewer: viewer)
    }

    /// Profiles of several accounts for a directory, as `viewer` may see them.
    public func views(of accounts: [Account], by viewer: Viewer) async throws -> [ProfileView] {
        let definitions = try await database.profileFields()
        let profiles = try await database.profiles(accountIds: accounts.compactMap(\.id))
        var views: [ProfileView] = []
        for account in accounts {
            guard let profile = profiles[account.id!] else { continue }
            let values = definitions.isEmpty ? [:] : try await database.profileFieldValues(accountId: account.id!)
            views.append(makeView(account: account, profile: profile, definitions: definitions, values: values, viewer: viewer))
        }
        return views
    }

    func makeView(account: Account, profile: Profile, definitions: [ProfileField], values: [Int64: ProfileFieldValue], viewer: Viewer) -> ProfileView {
        let isOwner = viewer.account?.id == account.id
        let isAdmin = viewer.account?.isAdmin == true
        let fields: [ProfileView.Field] = definitions.compactMap { definition in
            guard let value = values[definition.id!], viewer.maySee(value.visibility, ownerId: account.id!) else { return nil }
            return .init(key: definition.key, label: definition.label, kind: definition.kind, value: value.value,
                         visibility: isOwner ? value.visibility : nil)
        }
        let base = configuration.baseURL.absoluteString
        return ProfileView(
            username: account.username,
            displayName: profile.displayName,
            organisation: profile.organisation,
            jobTitle: profile.jobTitle,
            bio: profile.bio,
            url: "\(base)/users/\(account.username)",
            avatarURL: profile.avatarDigest.map { "\(base)/users/\(account.username)/avatar?v=\($0.prefix(12))" },
            fields: fields,
            email: isOwner || isAdmin ? account.email : nil,
            isDisabled: isOwner || isAdmin ? account.isDisabled : nil)
    }

    /// Validates and saves a profile change in one transaction: every field is
    /// checked first, and nothing is saved when any is refused.
    public func update(_ account: Account, with update: Update) async throws -> ProfileView {
        var errors = FieldErrors()
        if let value = update.displayName { errors.check("displayName", Validation.textProblem(value, max: 100, allowEmpty: false)) }
        if let value = update.organisation { errors.check("organisation", Validation.textProblem(value, max: 200)) }
        if let value = update.jobTitle { errors.check("jobTitle", Validation.textProblem(value, max: 200)) }
        if let value = update.bio { errors.check("bio", Validation.textProblem(value, max: 5000)) }
        let email = update.email?.trimmingCharacters(in: .whitespaces)
        if let email, !email.isEmpty { errors.check("email", Validation.emailProblem(email)) }

        var fieldValues: [ProfileFieldValue]?
        if let inputs = update.fields {
            let definitions = Dictionary(uniqueKeysWithValues: try await database.profileFields().map { ($0.key, $0) })
            let existing = try await database.profileFieldValues(accountId: account.id!)
            var collected: [ProfileFieldValue] = []
            for (key, input) in inputs.sorted(by: { $0.key < $1.key }) {
                guard let definition = definitions[key] else {
                    errors.check("fields.\(key)", "is not a profile field on this node")
                    continue
                }
                let previous = existing[definition.id!]
                let value = (input.value ?? previous?.value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                errors.check("fields.\(key).value", Self.problem(with: value, for: definition))
                collected.append(ProfileFieldValue(
                    accountId: account.id!, fieldId: definition.id!, value: value,
                    visibility: input.visibility ?? previous?.visibility ?? .users))
            }
            fieldValues = collected
        }
        try errors.throwIfAny()
        let change = ProfileChange(
            displayName: update.displayName?.trimmingCharacters(in: .whitespacesAndNewlines),
            organisation: update.organisation?.trimmingCharacters(in: .whitespacesAndNewlines),
            jobTitle: update.jobTitle?.trimmingCharacters(in: .whitespacesAndNewlines),
            bio: update.bio,
            email: email.map { $0.isEmpty ? nil : $0 })
        let deliveries = try await follows?.profileUpdateDeliveries(for: account) ?? []
        try await translatingStorageErrors {
            _ = try await database.updateProfile(accountId: account.id!, change, fieldValues: fieldValues, deliveries: deliveries)
        }
        if !deliveries.isEmpty { follows?.runtime.outbox.wake() }
        let updated = try await database.account(id: account.id!) ?? account
        return try await view(of: updated, by: .account(updated))
    }

    /// Why `value` does not fit the field's kind, or `nil`. Empty values are
    /// allowed: they clear the field.
    static func problem(with value: String, for field: ProfileField) -> String? {
        if value.isEmpty { return nil }
        switch field.kind {
        case .text: return Validation.textProblem(value, max: 200)
        case .longText: return Validation.textProblem(value, max: 5000)
        case .choice: return field.options.contains(value) ? nil : "must be one of: \(field.options.joined(separator: ", "))"
        case .date: return Self.isCalendarDate(value) ? nil : "must be a date written as YYYY-MM-DD"
        }
    }

    static func isCalendarDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard text.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              parts[0].count == 4, parts[1].count == 2, parts[2].count == 2 else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day)
        guard let date = calendar.date(from: components) else { return false }
        let back = calendar.dateComponents([.year, .month, .day], from: date)
        return back.year == year && back.month == month && back.day == day
    }

    // MARK: Avatar

    /// The image types accepted as avatars, recognised by their first bytes
    /// rather than by what the client claims.
    static func imageType(of bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if bytes.starts(with: Array("GIF87a".utf8)) || bytes.starts(with: Array("GIF89a".utf8)) { return "image/gif" }
        if bytes.count > 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return "image/webp" }
        return nil
    }

    static let maxAvatarBytes = 5 * 1024 * 1024

    /// Stores a new avatar image and drops the previous file when nothing else uses it.
    public func setAvatar(_ account: Account, bytes: [UInt8]) async throws -> ProfileView {
        guard bytes.count <= min(Self.maxAvatarBytes, configuration.maxUploadBytes) else {
            throw ServiceError.invalid(field: "avatar", "must be at most \(min(Self.maxAvatarBytes, configuration.maxUploadBytes) / 1024) KiB")
        }
        guard let contentType = Self.imageType(of: bytes) else {
            throw ServiceError.invalid(field: "avatar", "must be a PNG, JPEG, GIF or WebP image")
        }
        let digest = try blobs.put(bytes)
        let deliveries = try await follows?.profileUpdateDeliveries(for: account) ?? []
        let previous = try await database.setAvatar(accountId: account.id!, digest: digest, contentType: contentType, deliveries: deliveries)
        if !deliveries.isEmpty { follows?.runtime.outbox.wake() }
        try await removeIfUnused(previous, keeping: digest)
        return try await view(of: account, by: .account(account))
    }

    public func removeAvatar(_ account: Account) async throws {
        let previous = try await database.setAvatar(accountId: account.id!, digest: nil, contentType: nil)
        try await removeIfUnused(previous, keeping: nil)
    }

    /// The avatar bytes and type of `account`, if it has one.
    public func avatar(of account: Account) async throws -> (bytes: Data, contentType: String, digest: String)? {
        guard let profile = try await database.profile(accountId: account.id!),
              let digest = profile.avatarDigest, let type = profile.avatarContentType,
              let bytes = blobs.get(digest) else { return nil }
        return (bytes, type, digest)
    }

    private func removeIfUnused(_ digest: String?, keeping kept: String?) async throws {
        guard let digest, digest != kept, try await !database.isAvatarInUse(digest: digest) else { return }
        try? blobs.remove(digest)
    }

    // MARK: Field definitions (administrators)

    public struct FieldDefinition: Sendable {
        public var key: String?
        public var label: String?
        public var kind: ProfileField.Kind?
        public var options: [String]?
        public var position: Int?
        public init(key: String? = nil, label: String? = nil, kind: ProfileField.Kind? = nil, options: [String]? = nil, position: Int? = nil) {
            self.key = key
            self.label = label
            self.kind = kind
            self.options = options
            self.position = position
        }
    }

    public func createField(_ input: FieldDefinition) async throws -> ProfileField {
        var errors = FieldErrors()
        let key = input.key ?? ""
        errors.check("key", Self.fieldKeyProblem(key))
        errors.check("label", Validation.textProblem(input.label ?? "", max: 100, allowEmpty: false))
        if input.kind == nil { errors.check("kind", "is required: one of \(ProfileField.Kind.allCases.map(\.rawValue).joined(separator: ", "))") }
        errors.check("options", Self.optionsProblem(input.options ?? [], kind: input.kind ?? .text))
        try errors.throwIfAny()
        let field = ProfileField(key: key, label: input.label!, kind: input.kind!, options: input.kind == .choice ? input.options ?? [] : [], position: input.position ?? 0)
        return try await translatingStorageErrors { try await database.createProfileField(field) }
    }

    public func updateField(id: Int64, _ input: FieldDefinition) async throws -> ProfileField {
        guard var field = try await database.profileFields().first(where: { $0.id == id }) else {
            throw ServiceError(.notFound, "no profile field with id \(id)")
        }
        var errors = FieldErrors()
        if input.key != nil && input.key != field.key { errors.check("key", "cannot be changed; create a new field instead") }
        if input.kind != nil && input.kind != field.kind { errors.check("kind", "cannot be changed; create a new field instead") }
        if let label = input.label { errors.check("label", Validation.textProblem(label, max: 100, allowEmpty: false)) }
        if let options = input.options { errors.check("options", Self.optionsProblem(options, kind: field.kind)) }
        try errors.throwIfAny()
        if let label = input.label { field.label = label }
        if let options = input.options, field.kind == .choice { field.options = options }
        if let position = input.position { field.position = position }
        try await translatingStorageErrors { try await database.updateProfileField(field) }
        return field
    }

    public func deleteField(id: Int64) async throws {
        try await translatingStorageErrors { try await database.deleteProfileField(id: id) }
    }

    static func fieldKeyProblem(_ key: String) -> String? {
        let ok = (1...40).contains(key.utf8.count) && key.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 95 }
            && key.utf8.first.map { (97...122).contains($0) } == true
        return ok ? nil : "must be 1 to 40 characters: lowercase letters, digits or '_', starting with a letter"
    }

    static func optionsProblem(_ options: [String], kind: ProfileField.Kind) -> String? {
        guard kind == .choice else { return options.isEmpty ? nil : "are only for fields of kind choice" }
        if options.isEmpty { return "must list at least one choice" }
        if Set(options).count != options.count { return "must not repeat a choice" }
        if options.contains(where: { $0.isEmpty || $0.count > 100 }) { return "must each be 1 to 100 characters" }
        return nil
    }
}
