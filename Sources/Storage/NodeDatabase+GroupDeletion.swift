import Foundation
import GRDB

/// The rows of a group that travel to other nodes, with the ActivityPub id
/// of those that came from another node (`nil`: written here).
public struct GroupObjectRows: Sendable {
    public var items: [(id: Int64, apId: String?)] = []
    public var wikiPages: [(id: Int64, apId: String?)] = []
}

extension NodeDatabase {
    /// The items and wiki pages of a group.
    public func groupObjectRows(groupId: Int64) async throws -> GroupObjectRows {
        try await pool.read { db in
            var rows = GroupObjectRows()
            for row in try Row.fetchAll(db, sql: "SELECT id, apId FROM contentItem WHERE groupId = ?", arguments: [groupId]) {
                rows.items.append((row["id"], row["apId"]))
            }
            for row in try Row.fetchAll(db, sql: "SELECT id, apId FROM wikiPage WHERE groupId = ?", arguments: [groupId]) {
                rows.wikiPages.append((row["id"], row["apId"]))
            }
            return rows
        }
    }

    /// The people of other nodes with any membership in a group (members,
    /// invited, asking, blocked): their nodes hold a mirror of it.
    public func remoteAccountsWithMembership(groupId: Int64) async throws -> [Account] {
        try await pool.read { db in
            try Account.fetchAll(db, sql: """
                SELECT a.* FROM account a JOIN membership m ON m.accountId = a.id
                WHERE m.groupId = ? AND a.actorId IS NOT NULL ORDER BY a.id
                """, arguments: [groupId])
        }
    }

    /// The digests of the file versions (and icon) of a group, for
    /// ``removeUnusedBlobs(_:from:)`` once the group is gone.
    static func groupBlobDigests(groupId: Int64, _ db: Database) throws -> [String] {
        var digests = try String.fetchAll(db, sql: """
            SELECT DISTINCT v.digest FROM fileVersion v JOIN contentItem c ON c.id = v.itemId WHERE c.groupId = ?
            """, arguments: [groupId])
        if let icon = try String.fetchOne(db, sql: "SELECT iconDigest FROM groups WHERE id = ?", arguments: [groupId]) { digests.append(icon) }
        return digests
    }

    /// Deletes a local group with its memberships, invitations and content
    /// and, in the same transaction, queues the `Delete` for every node that
    /// holds a mirror and marks those deletions as asked for in the ledger
    /// (recording the group where the ledger did not know yet). Returns the
    /// blob digests to clean up, as ``deleteGroup(id:)``.
    public func deleteGroup(id: Int64, notice: GroupDeletionNotice, now: Date = Date()) async throws -> [String] {
        try await pool.write { db in
            let digests = try Self.groupBlobDigests(groupId: id, db)
            guard try Group.deleteOne(db, key: id) else { throw StorageError.notFound("group") }
            try Self.insert(notice.deliveries, db)
            for delivery in notice.deliveries {
                if let group = notice.objectIds.first {
                    try db.execute(sql: """
                        INSERT INTO ledgerEntry (objectId, kind, host, firstSentAt, lastSentAt) VALUES (?, 'group', ?, ?, ?)
                        ON CONFLICT (objectId, host) DO NOTHING
                        """, arguments: [group, delivery.host, now, now])
                }
                // In slices: a large group has more ids than SQLite takes as arguments at once.
                for start in stride(from: 0, to: notice.objectIds.count, by: 500) {
                    let slice = Array(notice.objectIds[start..<min(start + 500, notice.objectIds.count)])
                    try Self.requestDeletion(objectIds: slice, host: delivery.host, activityId: delivery.activityId, at: now, db)
                }
            }
            return digests
        }
    }

    /// Removes the mirror of another node's group, after its home node
    /// deleted it: memberships, copies of its content, wiki pages and file
    /// rows go with it (the schema cascades). Returns the digests of the
    /// mirrored files' cached bytes, for ``removeUnusedCachedBlobs(_:from:)``.
    /// The local people who were members are told, by the group's name.
    static func deleteMirroredGroup(actorId: String, _ db: Database) throws -> [String] {
        guard let group = try Group.filter(Group.Columns.actorId == actorId).fetchOne(db), group.isRemote else { return [] }
        let digests = try fileDigests(db, groupId: group.id!)
        let members = try Int64.fetchAll(db, sql: """
            SELECT m.accountId FROM membership m JOIN account a ON a.id = m.accountId
            WHERE m.groupId = ? AND m.state = 'member' AND a.actorId IS NULL
            """, arguments: [group.id!])
        _ = try group.delete(db)
        for accountId in members {
            var notification = UserNotification(accountId: accountId, kind: .groupDeleted, actorId: nil, groupName: group.name)
            try notification.insert(db)
        }
        return digests
    }
}
