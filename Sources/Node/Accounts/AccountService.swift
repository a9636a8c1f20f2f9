import Federation
import Foundation
import Logging
import Storage

/// Accounts: sign-up in each registration mode, sign-in, sessions, API
/// tokens, invitations, roles and disabling.
///
/// Shared by the JSON API, the pages and the operator CLI, so every entrance
/// keeps the same rules.
public struct AccountService: Sendable {
    let database: NodeDatabase
    let configuration: NodeConfiguration
    let hasher: PasswordHasher
    let throttle: LoginThrottle

    init(database: NodeDatabase, configuration: NodeConfiguration, hasher: PasswordHasher, throttle: LoginThrottle = LoginThrottle()) {
        self.database = database
        self.configuration = configuration
        self.hasher = hasher
        self.throttle = throttle
    }

    public struct SignUp: Sendable {
        public var username: String
        public var email: String?
        public var password: String
        public var displayName: String?
        public var inviteCode: String?

        public init(username: String, email: String?, password: String, displayName: String? = nil, inviteCode: String? = nil) {
            self.username = username
            self.email = email
            self.password = password
            self.displayName = displayName
            self.inviteCode = inviteCode
        }
    }

    /// Creates an account as a visitor signing themselves up, honouring the
    /// node's registration mode. With `groupInvitationCode` (an invitation
    /// link into a group) the new account joins that group in the same
    /// transaction: an unusable link makes no account and uses no code. On an
    /// invite-only node such a link admits the visitor too.
    public func signUp(_ input: SignUp, groupInvitationCode: String? = nil) async throws -> Account {
        let groupInvitationHash = groupInvitationCode.map(SecretToken.hash)
        let mode = try await database.registrationMode(configured: configuration.registrationMode)
        switch mode {
        case .closed:
            throw ServiceError(.forbidden, "registration on this node is closed; ask an administrator for an account")
        case .inviteOnly where groupInvitationHash != nil:
            return try await create(input, role: .user, inviteCodeHash: nil, groupInvitationHash: groupInvitationHash)
        case .inviteOnly:
            guard let code = input.inviteCode, !code.isEmpty else {
                throw ServiceError(.invalid, "registration on this node needs an invitation code",
                                   fieldErrors: [.init(pointer: "/inviteCode", detail: "is required on this node")])
            }
        case .open:
            break
        }
        let inviteHash = mode == .inviteOnly ? input.inviteCode.map(SecretToken.hash) : nil
        return try await create(input, role: .user, inviteCodeHash: inviteHash, groupInvitationHash: groupInvitationHash)
    }

    /// Creates an account on an administrator's behalf, in any registration mode.
    public func createByAdministrator(_ input: SignUp, role: Account.Role) async throws -> Account {
        try await create(input, role: role, inviteCodeHash: nil)
    }

    private func create(_ input: SignUp, role: Account.Role, inviteCodeHash: String?, groupInvitationHash: String? = nil) async throws -> Account {
        let username = input.username.trimmingCharacters(in: .whitespaces)
        let email = input.email?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        let displayName = (input.displayName?.trimmingCharacters(in: .whitespacesAndNewlines)).flatMap(\.nilIfEmpty) ?? username
        var errors = FieldErrors()
        errors.check("username", Validation.usernameProblem(username))
        errors.check("email", email.flatMap(Validation.emailProblem))
        errors.check("password", Validation.passwordProblem(input.password))
        errors.check("displayName", Validation.textProblem(displayName, max: 100, allowEmpty: false))
        try errors.throwIfAny()
        if let inviteCodeHash, try await database.usableInvite(codeHash: inviteCodeHash) == nil {
            throw StorageError.inviteUnusable.asServiceError
        }
        // Checked early to spare the password hashing; the write checks again.
        if let groupInvitationHash, try await database.groupInvitation(codeHash: groupInvitationHash)?.isUsable(at: Date()) != true {
            throw Self.unusableGroupInvitation
        }
        let hash = try await hasher.hash(input.password)
        do {
            return try await translatingStorageErrors {
                try await database.createAccount(
                    NewAccount(username: username, email: email, passwordHash: hash, role: role, displayName: displayName),
                    inviteCodeHash: inviteCodeHash, groupInvitationCodeHash: groupInvitationHash)
            }
        } catch let error as ServiceError where groupInvitationHash != nil && error.fieldErrors.first?.pointer == "/inviteCode" {
            throw Self.unusableGroupInvitation  // the link was used by someone else in the meantime
        }
    }

    static let unusableGroupInvitation = ServiceError.invalid(field: "groupInvitation", "is unknown, used or expired")

    /// Checks a username and password. Refuses disabled accounts and throttles
    /// repeated failures per username and address.
    public func authenticate(username: String, password: String, address: String) async throws -> Account {
        if let wait = throttle.retryAfter(username: username, address: address) {
            var error = ServiceError(.rateLimited, "too many failed sign-in attempts; try again later")
            error.retryAfterSeconds = wait
            throw error
        }
        let account = try await database.account(username: username)
        guard try await hasher.verify(password, hash: account?.passwordHash), let account else {
            throttle.recordFailure(username: username, address: address)
            throw ServiceError(.unauthenticated, "username or password is wrong")
        }
        guard !account.isDisabled else {
            throw ServiceError(.forbidden, "this account is disabled")
        }
        throttle.recordSuccess(username: username, address: address)
        return account
    }

    /// Starts a browser session; returns the cookie's secret and the stored session.
    public func startSession(for account: Account, now: Date = Date()) async throws -> (token: String, session: Session) {
        let token = SecretToken.make()
        let session = Session(
            tokenHash: SecretToken.hash(token), accountId: account.id!, csrfToken: SecretToken.make(byteCount: 24),
            createdAt: now, expiresAt: now.addingTimeInterval(Double(configuration.sessionLifetimeDays) * 86_400))
        try await database.createSession(session)
        return (token, session)
    }

    public func endSession(token: String) async throws {
        try await database.deleteSession(tokenHash: SecretToken.hash(token))
    }

    /// The signed-in account of a session cookie, if the session is live and the account enabled.
    public func identity(sessionToken: String) async throws -> (Account, Session)? {
        guard let (session, account) = try await database.session(tokenHash: SecretToken.hash(sessionToken)),
              !account.isDisabled else { return nil }
        return (account, session)
    }

    /// The account of an API token, if the token exists and the account is enabled.
    public func identity(apiToken: String) async throws -> Account? {
        guard let (_, account) = try await database.apiToken(tokenHash: SecretToken.hash(apiToken)), !account.isDisabled else { return nil }
        return account
    }

    /// Creates a personal API token; the secret is returned only here.
    /// - Parameter field: the request member the name came from, for error pointers.
    public func createAPIToken(for account: Account, name: String, field: String = "name") async throws -> (secret: String, token: APIToken) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        var errors = FieldErrors()
        errors.check(field, Validation.textProblem(name, max: 100, allowEmpty: false))
        try errors.throwIfAny()
        let secret = "meent_" + SecretToken.make()
        let token = try await translatingStorageErrors {
            try await database.createAPIToken(accountId: account.id!, name: name, tokenHash: SecretToken.hash(secret))
        }
        return (secret, token)
    }

    /// Changes one's own password after checking the current one; ends all sessions.
    public func changePassword(for account: Account, current: String, new: String) async throws {
        guard try await hasher.verify(current, hash: account.passwordHash) else {
            throw ServiceError.invalid(field: "currentPassword", "is wrong")
        }
        try await setPassword(accountId: account.id!, new)
    }

    /// An administrator's reset: sets a new password (generated when `nil`)
    /// and returns it, and ends all sessions and revokes all API tokens, since
    /// a reset usually means someone else may know the old password.
    @discardableResult
    public func resetPassword(accountId: Int64, to password: String? = nil) async throws -> String {
        let password = password ?? SecretToken.makePassword()
        try await setPassword(accountId: accountId, password, revokingTokens: true)
        return password
    }

    private func setPassword(accountId: Int64, _ password: String, revokingTokens: Bool = false) async throws {
        if let problem = Validation.passwordProblem(password) {
            throw ServiceError.invalid(field: "newPassword", problem)
        }
        let hash = try await hasher.hash(password)
        try await translatingStorageErrors {
            try await database.setPasswordHash(accountId: accountId, hash, revokingTokens: revokingTokens)
        }
    }

    public func account(username: String) async throws -> Account {
        guard let account = try await database.account(username: username) else {
            throw ServiceError(.notFound, "no user named '\(username)'")
        }
        return account
    }

    /// Disables or enables an account. The last enabled administrator cannot
    /// be disabled, so a node never locks its operators out.
    @discardableResult
    public func setDisabled(_ account: Account, _ isDisabled: Bool) async throws -> Account {
        if isDisabled, account.isAdmin, !account.isDisabled { try await requireAnotherAdmin() }
        return try await translatingStorageErrors { try await database.setDisabled(accountId: account.id!, isDisabled) }
    }

    @discardableResult
    public func setRole(_ account: Account, _ role: Account.Role) async throws -> Account {
        if role != .admin, account.isAdmin, !account.isDisabled { try await requireAnotherAdmin() }
        return try await translatingStorageErrors { try await database.setRole(accountId: account.id!, role) }
    }

    /// Deletes an account and everything attached to it on this node; other
    /// people's replies and files in its threads and folders are kept. The
    /// `notice` tells the nodes that received the person's data.
    public func delete(_ account: Account, blobs: BlobStore, notice: AccountDeletionNotice = AccountDeletionNotice()) async throws {
        if account.isAdmin, !account.isDisabled { try await requireAnotherAdmin() }
        let digests = try await translatingStorageErrors { try await database.deleteAccount(id: account.id!, notice: notice) }
        try await database.removeUnusedBlobs(digests, from: blobs)
    }

    private func requireAnotherAdmin() async throws {
        if try await database.adminCount() <= 1 {
            throw ServiceError(.conflict, "this is the last administrator of the node; promote another account first")
        }
    }

    /// Makes an invitation code for the invite-only registration mode; the
    /// code is returned only here.
    public func createInvite(by creator: Account?, email: String?, validDays: Int = 14) async throws -> (code: String, invite: RegistrationInvite) {
        var errors = FieldErrors()
        errors.check("email", email.flatMap(Validation.emailProblem))
        errors.check("validDays", (1...365).contains(validDays) ? nil : "must be from 1 to 365")
        try errors.throwIfAny()
        let code = SecretToken.make(byteCount: 18)
        let invite = try await database.createInvite(
            codeHash: SecretToken.hash(code), email: email, createdBy: creator?.id,
            expiresAt: Date().addingTimeInterval(Double(validDays) * 86_400))
        return (code, invite)
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
