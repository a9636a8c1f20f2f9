import Foundation
import GRDB

extension NodeDatabase {
    /// Creates a group with `ownerId` as its owner, in one transaction.
    public func createGroup(_ group: Group, ownerId: Int64) async throws -> Group {
        try await pool.write { db in
            try mappingConstraintErrors {
                var group = group
                try group.insert(db)
                try Membership(groupId: group.id!, accountId: ownerId, role: .owner, state: .member,
                               createdAt: group.createdAt, updatedAt: group.createdAt).insert(db)
                return group
            }
        }
    }

    public func group(slug: String) async throws -> Group? {
        try await pool.read { db in try Group.filter(Group.Columns.slug == slug).fetchOne(db) }
    }

    public func group(id: Int64) async throws -> Group? {
        try await pool.read { db in try Group.fetchOne(db, key: id) }
    }

    /// Groups `accountId` may see listed (not hidden, or hidden with the
    /// account as member), ordered by id after `afterId`; `everything` lists
    /// hidden groups too (node administrators). `search` matches name,
    /// description and tags; `tag` keeps groups carrying exactly that
    /// (normalised, lowercase) tag.
    public func groups(visibleTo accountId: Int64?, everything: Bool = false, search: String? = nil, tag: String? = nil,
                       after afterId: Int64 = 0, limit: Int = 50) async throws -> [Group] {
        try await pool.read { db in
            var conditions = ["groups.id > ?"]
            var arguments: StatementArguments = [afterId]
            if let tag {
                conditions.append("EXISTS (SELECT 1 FROM json_each(groups.tags) t WHERE t.value = ?)")
                arguments += [tag]
            }
            if !everything {
                conditions.append("(groups.isHidden = 0 OR EXISTS (SELECT 1 FROM membership m WHERE m.groupId = groups.id AND m.accountId = ? AND m.state IN ('member', 'invited')))")
                arguments += [accountId ?? -1]
            }
            if let search, !search.isEmpty {
                conditions.append("(groups.name LIKE ? ESCAPE '\\' OR groups.description LIKE ? ESCAPE '\\' OR groups.tags LIKE ? ESCAPE '\\')")
                let escaped = search.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
                let pattern = "%\(escaped)%"
                arguments += [pattern, pattern, pattern]
            }
            arguments += [limit]
            let sql = "SELECT * FROM groups WHERE \(conditions.joined(separator: " AND ")) ORDER BY groups.id LIMIT ?"
            return try Group.fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    public func updateGroup(_ group: Group) async throws {
        try await pool.write { db in
            try mappingConstraintErrors {
                guard try Group.exists(db, key: group.id) else { throw StorageError.notFound("group") }
                try group.update(db)
            }
        }
    }

    /// Deletes a group with its memberships, invitations and content.
    /// Returns the digests of its icon and file versions, for
    /// ``removeUnusedBlobs(_:from:)``.
    @discardableResult
    public func deleteGroup(id: Int64) async throws -> [String] {
        try await pool.write { db in
            let digests = try Self.groupBlobDigests(groupId: id, db)
            guard try Group.deleteOne(db, key: id) else { throw StorageError.notFound("group") }
            return digests
        }
    }

    // MARK: Memberships

    public func membership(groupId: Int64, accountId: Int64) async throws -> Membership? {
        try await pool.read { db in try Membership.fetchOne(db, key: ["groupId": groupId, "accountId": accountId]) }
    }

    /// Memberships of a group in the given states, with the accounts and
    /// profiles they belong to, owners first, then by name.
    public func members(groupId: Int64, states: [Membership.State] = [.member]) async throws -> [(Membership, Account, Profile)] {
        try await pool.read { db in
            let memberships = try Membership.filter(Membership.Columns.groupId == groupId)
                .filter(states.contains(Membership.Columns.state)).fetchAll(db)
            let accounts = Dictionary(uniqueKeysWithValues: try Account.fetchAll(db, keys: memberships.map(\.accountId)).map { ($0.id!, $0) })
            let profiles = Dictionary(uniqueKeysWithValues: try Profile.fetchAll(db, keys: memberships.map(\.accountId)).map { ($0.accountId, $0) })
            return memberships.compactMap { membership in
                guard let account = accounts[membership.accountId], let profile = profiles[membership.accountId] else { return nil }
                return (membership, account, profile)
            }.sorted { lhs, rhs in
                lhs.0.role != rhs.0.role ? lhs.0.role > rhs.0.role : lhs.2.displayName.localizedCaseInsensitiveCompare(rhs.2.displayName) == .orderedAscending
            }
        }
    }

    /// A group found by slug with the viewer's membership and its member
    /// count, in one read (a group's page asked for them one by one).
    public func groupForViewer(slug: String, viewerId: Int64?) async throws -> (group: Group, membership: Membership?, memberCount: Int)? {
        try await pool.read { db in
            guard let group = try Group.fetchOne(db.cachedStatement(sql: "SELECT * FROM groups WHERE slug = ?"), arguments: [slug]) else { return nil }
            let membership = try viewerId.flatMap { viewerId in
                try Membership.fetchOne(db.cachedStatement(sql: "SELECT * FROM membership WHERE groupId = ? AND accountId = ?"), arguments: [group.id, viewerId])
            }
            let count = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM membership WHERE groupId = ? AND state = 'member'"), arguments: [group.id]) ?? 0
            return (group, membership, count)
        }
    }

    public func memberCount(groupId: Int64) async throws -> Int {
        try await pool.read { db in
            try Membership.filter(Membership.Columns.groupId == groupId && Membership.Columns.state == Membership.State.member).fetchCount(db)
        }
    }

    /// The groups an account is a member of, or is invited to, with the membership.
    public func groups(ofAccount accountId: Int64, states: [Membership.State] = [.member]) async throws -> [(Group, Membership)] {
        try await pool.read { db in
            // Statements compiled once per connection (the states and ids go in as JSON lists).
            let memberships = try Membership.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM membership WHERE accountId = ? AND state IN (SELECT value FROM json_each(?))"),
                arguments: [accountId, "[" + states.map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]"])
            let ids = Self.jsonList(memberships.map(\.groupId))
            let groups = Dictionary(uniqueKeysWithValues: try Group.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM groups WHERE id IN (SELECT value FROM json_each(?))"), arguments: [ids]).map { ($0.id!, $0) })
            // By name, ignoring case and accents; each name folded once rather
            // than compared through Foundation at every step of the sort.
            var found: [(key: String, group: Group, membership: Membership)] = []
            for membership in memberships {
                guard let group = groups[membership.groupId] else { continue }
                found.append((group.name.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil), group, membership))
            }
            found.sort { lhs, rhs in lhs.key != rhs.key ? lhs.key < rhs.key : lhs.group.id! < rhs.group.id! }
            return found.map { ($0.group, $0.membership) }
        }
    }

    /// Saves a membership (insert or update).
    public func saveMembership(_ membership: Membership) async throws {
        try await pool.write { db in try mappingConstraintErrors { try membership.save(db) } }
    }

    public func deleteMembership(groupId: Int64, accountId: Int64) async throws {
        try await pool.write { db in
            guard try Membership.deleteOne(db, key: ["groupId": groupId, "accountId": accountId]) else {
                throw StorageError.notFound("membership")
            }
        }
    }

    /// Makes `newOwnerId` (a member) the owner and the current owner an admin, in one transaction.
    public func transferOwnership(groupId: Int64, to newOwnerId: Int64, now: Date = Date()) async throws {
        try await pool.write { db in
            guard var next = try Membership.fetchOne(db, key: ["groupId": groupId, "accountId": newOwnerId]), next.state == .member else {
                throw StorageError.notFound("member")
            }
            try db.execute(sql: "UPDATE membership SET role = 'admin', updatedAt = ? WHERE groupId = ? AND role = 'owner'", arguments: [now, groupId])
            next.role = .owner
            next.updatedAt = now
            try next.update(db)
        }
    }

    // MARK: Invitation links

    public func createGroupInvitation(_ invitation: GroupInvitation) async throws -> GroupInvitation {
        try await pool.write { db in
            var invitation = invitation
            try invitation.insert(db)
            return invitation
        }
    }

    public func groupInvitation(codeHash: String) async throws -> GroupInvitation? {
        try await pool.read { db in try GroupInvitation.filter(Column("codeHash") == codeHash).fetchOne(db) }
    }

    public func groupInvitations(groupId: Int64) async throws -> [GroupInvitation] {
        try await pool.read { db in try GroupInvitation.filter(Column("groupId") == groupId).order(Column("id").desc).fetchAll(db) }
    }

    /// Uses an invitation link: marks it used and makes `accountId` a member,
    /// in one transaction. Refused when the link is unknown, used or expired,
    /// or when the account is blocked from the group.
    public func acceptGroupInvitation(codeHash: String, accountId: Int64, now: Date = Date()) async throws -> Group {
        try await pool.write { db in try Self.acceptGroupInvitation(db, codeHash: codeHash, accountId: accountId, now: now) }
    }

    static func acceptGroupInvitation(_ db: Database, codeHash: String, accountId: Int64, now: Date) throws -> Group {
        guard var invitation = try GroupInvitation.filter(Column("codeHash") == codeHash).fetchOne(db), invitation.isUsable(at: now),
              let group = try Group.fetchOne(db, key: invitation.groupId)
        else { throw StorageError.inviteUnusable }
        var membership = try Membership.fetchOne(db, key: ["groupId": group.id!, "accountId": accountId])
            ?? Membership(groupId: group.id!, accountId: accountId, state: .invited, invitedBy: invitation.createdBy, createdAt: now)
        if membership.state == .blocked { throw StorageError.notFound("group") }
        if membership.state != .member {
            membership.state = .member
            membership.updatedAt = now
            try membership.save(db)
        }
        invitation.usedAt = now
        invitation.usedBy = accountId
        try invitation.update(db)
        return group
    }

    /// Revokes (deletes) an invitation link of a group; `notFound` when the
    /// group has no such link.
    public func deleteGroupInvitation(id: Int64, groupId: Int64) async throws {
        try await pool.write { db in
            let deleted = try GroupInvitation.filter(Column("id") == id && Column("groupId") == groupId).deleteAll(db)
            if deleted == 0 { throw StorageError.notFound("invitation") }
        }
    }

    // MARK: Icons

    /// Stores `bytes` as the group's icon (or removes the icon when `nil`),
    /// writing the blob inside the same write so a concurrent clean-up cannot
    /// remove it. Returns the previous icon's digest, for
    /// ``removeUnusedBlobs(_:from:)``.
    public func setGroupIcon(groupId: Int64, bytes: [UInt8]?, contentType: String?, blobs: BlobStore, now: Date = Date()) async throws -> String? {
        try await pool.write { db in
            guard var group = try Group.fetchOne(db, key: groupId) else { throw StorageError.notFound("group") }
            let previous = group.iconDigest
            group.iconDigest = try bytes.map { try blobs.put($0) }
            group.iconContentType = bytes == nil ? nil : contentType
            group.updatedAt = now
            try group.update(db)
            return previous == group.iconDigest ? nil : previous
        }
    }
}
