import Foundation
import GRDB

/// What is needed to create an account with its profile.
public struct NewAccount: Sendable {
    public var username: String
    public var email: String?
    public var passwordHash: String
    public var role: Account.Role
    public var displayName: String

    public init(username: String, email: String?, passwordHash: String, role: Account.Role = .user, displayName: String) {
        self.username = username
        self.email = email
        self.passwordHash = passwordHash
        self.role = role
        self.displayName = displayName
    }
}

extension NodeDatabase {
    // MARK: Accounts

    /// Creates an account and its profile in one transaction. When
    /// `inviteCodeHash` is given, the invitation must be usable and is
    /// consumed by the same transaction. When `groupInvitationCodeHash` is
    /// given, the new account joins that group through the invitation link in
    /// the same transaction too: if the link cannot be used, no account is
    /// made and no code is consumed.
    public func createAccount(_ new: NewAccount, inviteCodeHash: String? = nil, groupInvitationCodeHash: String? = nil,
                              now: Date = Date()) async throws -> Account {
        try await pool.write { db in
            try mappingConstraintErrors {
                var invite: RegistrationInvite?
                if let inviteCodeHash {
                    invite = try RegistrationInvite.filter(RegistrationInvite.Columns.codeHash == inviteCodeHash).fetchOne(db)
                    guard let found = invite, found.isUsable(at: now) else { throw StorageError.inviteUnusable }
                }
                var account = Account(
                    username: new.username, email: new.email, passwordHash: new.passwordHash,
                    role: new.role, createdAt: now, updatedAt: now)
                try account.insert(db)
                let accountId = account.id!
                try Profile(accountId: accountId, displayName: new.displayName, updatedAt: now).insert(db)
                if var invite {
                    invite.usedAt = now
                    invite.usedBy = accountId
                    try invite.update(db)
                }
                if let groupInvitationCodeHash {
                    _ = try Self.acceptGroupInvitation(db, codeHash: groupInvitationCodeHash, accountId: accountId, now: now)
                }
                return account
            }
        }
    }

    public func account(id: Int64) async throws -> Account? {
        try await pool.read { db in try Account.fetchOne(db, key: id) }
    }

    /// Finds an account of this node by username, ignoring case. People of
    /// other nodes are not found here (see `account(actorId:)` and `account(handle:)`).
    public func account(username: String) async throws -> Account? {
        try await pool.read { db in
            try Account.filter(Account.Columns.username == username && Account.Columns.actorId == nil).fetchOne(db)
        }
    }

    /// A local person by username, or a person of another node by the
    /// `name@host` handle their row carries.
    public func account(handle: String) async throws -> Account? {
        try await pool.read { db in
            try Account.filter(Account.Columns.username == handle).fetchOne(db)
        }
    }

    /// Accounts ordered by id, `limit` at a time after the id `afterId`.
    public func accounts(after afterId: Int64 = 0, limit: Int = 100, includeDisabled: Bool = true) async throws -> [Account] {
        try await pool.read { db in
            var request = Account.filter(Account.Columns.id > afterId && Account.Columns.actorId == nil)
            if !includeDisabled { request = request.filter(Account.Columns.isDisabled == false) }
            return try request.order(Account.Columns.id).limit(limit).fetchAll(db)
        }
    }

    public func accountCount() async throws -> Int {
        try await pool.read { db in try Account.filter(Account.Columns.actorId == nil).fetchCount(db) }
    }

    /// Whether the node has any account of its own. Stops at the first one,
    /// where ``accountCount()`` reads the whole table (on a node with 10,000
    /// people that is 1.6 MB read into SQLite's cache at every start).
    public func hasLocalAccounts() async throws -> Bool {
        try await pool.read { db in try Account.filter(Account.Columns.actorId == nil).isEmpty(db) == false }
    }

    /// Disables or re-enables an account. Disabling also ends every session;
    /// API tokens are kept but refused while the account is disabled.
    @discardableResult
    public func setDisabled(accountId: Int64, _ isDisabled: Bool, now: Date = Date()) async throws -> Account {
        try await pool.write { db in
            guard var account = try Account.fetchOne(db, key: accountId) else { throw StorageError.notFound("account") }
            account.isDisabled = isDisabled
            account.updatedAt = now
            try account.update(db)
            if isDisabled {
                try Session.filter(Session.Columns.accountId == accountId).deleteAll(db)
            }
            return account
        }
    }

    @discardableResult
    public func setRole(accountId: Int64, _ role: Account.Role, now: Date = Date()) async throws -> Account {
        try await pool.write { db in
            guard var account = try Account.fetchOne(db, key: accountId) else { throw StorageError.notFound("account") }
            account.role = role
            account.updatedAt = now
            try account.update(db)
            return account
        }
    }

    /// Replaces the password hash and ends every session of the account (and,
    /// with `revokingTokens`, its API tokens), so a reset locks out whoever
    /// knew the old password.
    public func setPasswordHash(accountId: Int64, _ hash: String, revokingTokens: Bool = false, now: Date = Date()) async throws {
        try await pool.write { db in
            guard var account = try Account.fetchOne(db, key: accountId) else { throw StorageError.notFound("account") }
            account.passwordHash = hash
            account.updatedAt = now
            try account.update(db)
            try Session.filter(Session.Columns.accountId == accountId).deleteAll(db)
            if revokingTokens { try APIToken.filter(APIToken.Columns.accountId == accountId).deleteAll(db) }
        }
    }

    /// Deletes an account with its profile, field values, sessions, tokens
    /// and its own content. Other people's work survives: replies to the
    /// person's comments move up to what the deleted comment answered, and
    /// other people's files and folders in the person's folders move up to
    /// the folder's own place, so threads and folders stay whole. Returns the
    /// digests of the avatar and file versions that went, so the caller can
    /// drop the blobs nothing else uses.
    @discardableResult
    public func deleteAccount(id: Int64) async throws -> [String] {
        try await pool.write { db in try Self.deleteAccount(id: id, db) }
    }

    static func deleteAccount(id: Int64, _ db: Database) throws -> [String] {
        guard try Account.exists(db, key: id) else { throw StorageError.notFound("account") }
        var digests = try Profile.fetchOne(db, key: id)?.avatarDigest.map { [$0] } ?? []
        // Newest first, so a reply to a chain of this person's comments climbs the whole chain.
        for commentId in try Int64.fetchAll(db, sql: "SELECT id FROM contentItem WHERE authorId = ? AND type = 'comment' ORDER BY id DESC", arguments: [id]) {
            try db.execute(sql: """
                UPDATE contentItem SET parentId = (SELECT p.parentId FROM contentItem p WHERE p.id = :comment)
                WHERE parentId = :comment AND authorId != :account
                """, arguments: ["comment": commentId, "account": id])
        }
        for folderId in try Int64.fetchAll(db, sql: "SELECT id FROM contentItem WHERE authorId = ? AND type = 'folder' ORDER BY id DESC", arguments: [id]) {
            try db.execute(sql: """
                UPDATE contentItem SET folderId = (SELECT f.folderId FROM contentItem f WHERE f.id = :folder)
                WHERE folderId = :folder AND authorId != :account
                """, arguments: ["folder": folderId, "account": id])
        }
        digests += try String.fetchAll(db, sql: """
            SELECT DISTINCT v.digest FROM fileVersion v JOIN contentItem c ON c.id = v.itemId WHERE c.authorId = ?
            """, arguments: [id])
        try Account.deleteOne(db, key: id)
        return digests
    }

    public func adminCount() async throws -> Int {
        try await pool.read { db in
            try Account.filter(Account.Columns.role == Account.Role.admin).filter(Account.Columns.isDisabled == false).fetchCount(db)
        }
    }

    // MARK: Sessions

    public func createSession(_ session: Session) async throws {
        try await pool.write { db in try session.insert(db) }
    }

    /// The live session with this token hash and its account; expired sessions
    /// are not returned.
    public func session(tokenHash: String, now: Date = Date()) async throws -> (Session, Account)? {
        try await pool.read { db in
            guard let session = try Session.fetchOne(db.cachedStatement(sql: "SELECT * FROM session WHERE tokenHash = ?"), arguments: [tokenHash]),
                  session.expiresAt > now,
                  let account = try Account.fetchOne(db.cachedStatement(sql: "SELECT * FROM account WHERE id = ?"), arguments: [session.accountId])
            else { return nil }
            return (session, account)
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        _ = try await pool.write { db in try Session.deleteOne(db, key: tokenHash) }
    }

    /// Removes expired sessions; returns how many.
    @discardableResult
    public func deleteExpiredSessions(now: Date = Date()) async throws -> Int {
        try await pool.write { db in try Session.filter(Session.Columns.expiresAt <= now).deleteAll(db) }
    }

    // MARK: API tokens

    public func createAPIToken(accountId: Int64, name: String, tokenHash: String, now: Date = Date()) async throws -> APIToken {
        try await pool.write { db in
            try mappingConstraintErrors {
                var token = APIToken(accountId: accountId, name: name, tokenHash: tokenHash, createdAt: now)
                try token.insert(db)
                return token
            }
        }
    }

    public func apiTokens(accountId: Int64) async throws -> [APIToken] {
        try await pool.read { db in
            try APIToken.filter(APIToken.Columns.accountId == accountId).order(APIToken.Columns.id).fetchAll(db)
        }
    }

    /// Revokes a token of the given account; throws `notFound` if it has no such token.
    public func deleteAPIToken(id: Int64, accountId: Int64) async throws {
        try await pool.write { db in
            let deleted = try APIToken.filter(APIToken.Columns.id == id && APIToken.Columns.accountId == accountId).deleteAll(db)
            if deleted == 0 { throw StorageError.notFound("token") }
        }
    }

    /// The token with this hash and its account. Records the time of use, at
    /// most once a minute per token, to keep reads cheap.
    public func apiToken(tokenHash: String, now: Date = Date()) async throws -> (APIToken, Account)? {
        let found: (APIToken, Account)? = try await pool.read { db in
            // Asked on every request with a token: statements compiled once per connection.
            guard let token = try APIToken.fetchOne(db.cachedStatement(sql: "SELECT * FROM apiToken WHERE tokenHash = ?"), arguments: [tokenHash]),
                  let account = try Account.fetchOne(db.cachedStatement(sql: "SELECT * FROM account WHERE id = ?"), arguments: [token.accountId])
            else { return nil }
            return (token, account)
        }
        if let (token, _) = found, token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            try await pool.write { db in
                try db.execute(sql: "UPDATE apiToken SET lastUsedAt = ? WHERE id = ?", arguments: [now, token.id])
            }
        }
        return found
    }

    // MARK: Registration invitations

    public func createInvite(codeHash: String, email: String?, createdBy: Int64?, expiresAt: Date, now: Date = Date()) async throws -> RegistrationInvite {
        try await pool.write { db in
            var invite = RegistrationInvite(codeHash: codeHash, email: email, createdBy: createdBy, createdAt: now, expiresAt: expiresAt)
            try invite.insert(db)
            return invite
        }
    }

    public func invites() async throws -> [RegistrationInvite] {
        try await pool.read { db in try RegistrationInvite.order(RegistrationInvite.Columns.id.desc).fetchAll(db) }
    }

    /// The invitation with this code hash, if it can still be used.
    public func usableInvite(codeHash: String, now: Date = Date()) async throws -> RegistrationInvite? {
        try await pool.read { db in
            try RegistrationInvite.filter(RegistrationInvite.Columns.codeHash == codeHash).fetchOne(db).flatMap { $0.isUsable(at: now) ? $0 : nil }
        }
    }

    public func deleteInvite(id: Int64) async throws {
        try await pool.write { db in
            guard try RegistrationInvite.deleteOne(db, key: id) else { throw StorageError.notFound("invite") }
        }
    }
}
