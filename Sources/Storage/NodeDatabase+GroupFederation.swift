import Foundation
import GRDB

/// Names an account: a local one by row id, or a person of another node by
/// actor id (their row is made when first needed).
public enum AccountReference: Sendable, Equatable {
    case id(Int64)
    case remote(actorId: String, username: String, displayName: String?)
}

/// Names a group: by row id, or a group of another node by actor id.
public enum GroupReference: Sendable, Equatable {
    case id(Int64)
    case actor(String)
}

/// Names a content item: by row id, or by the ActivityPub id it came with.
public enum ContentReference: Sendable, Equatable {
    case id(Int64)
    case apId(String)
}

/// A wiki revision announced by a group's home node.
public struct WikiRevisionNotice: Sendable, Equatable {
    public var pageApId: String
    public var group: GroupReference
    public var parentApId: String?
    public var access: ContentItem.Access
    public var number: Int
    public var title: String
    public var body: String
    public var author: AccountReference?
    public var mergedFrom: Int?
    public var createdAt: Date

    public init(pageApId: String, group: GroupReference, parentApId: String?, access: ContentItem.Access, number: Int, title: String,
                body: String, author: AccountReference?, mergedFrom: Int?, createdAt: Date) {
        self.pageApId = pageApId
        self.group = group
        self.parentApId = parentApId
        self.access = access
        self.number = number
        self.title = title
        self.body = body
        self.author = author
        self.mergedFrom = mergedFrom
        self.createdAt = createdAt
    }
}

/// A change that an activity from another node makes to groups, members and
/// content. Applied in the same transaction as the activity's new state, so
/// an activity's effects are written exactly once.
public enum FederatedChange: Sendable {
    /// Creates or refreshes the mirror of another node's group.
    case saveRemoteGroup(Group)
    /// Sets a membership (`state` nil removes it). A removal from a mirrored
    /// group also drops the copies of its content no local member may see.
    case membership(group: GroupReference, account: AccountReference, state: Membership.State?, role: Membership.Role)
    /// Creates or updates an item that came from another node, keyed by its `apId`.
    case saveContent(ContentItem, author: AccountReference, group: GroupReference?, parent: ContentReference?)
    /// Deletes an item with its comments.
    case deleteContent(ContentReference)
    case like(ContentReference, account: AccountReference, liked: Bool)
    case notify(accountId: Int64, kind: UserNotification.Kind, actor: AccountReference?, group: GroupReference?, item: ContentReference?)
    /// Refreshes the name shown for a person of another node (after their `Update`).
    case refreshRemoteAccount(actorId: String, displayName: String?)
    /// A revision of a wiki page of another node's group, as its home node
    /// ordered it: the page mirror is made when missing, the revision added
    /// when new, and the page moves to it when it is the newest.
    case saveWikiRevision(WikiRevisionNotice)
    /// A file or folder of another node's group, with its versions, as its
    /// home node announced it.
    case saveFile(FileNotice)
    /// Removes a person of another node: their row, memberships, items and likes.
    case deleteRemoteAccount(actorId: String)
    /// `objectIds` were asked to be deleted at `host` by `activityId`.
    case requestDeletion(objectIds: [String], host: String, activityId: String, at: Date)
    /// A node confirmed it applied the deletion sent as `activityId`.
    case confirmDeletion(activityId: String, host: String, at: Date)
    /// Removes the mirror of another node's group that its home node
    /// deleted, with memberships, content copies, wiki pages and file rows.
    case deleteMirroredGroup(actorId: String)
}

extension NodeDatabase {
    // MARK: Remote people, groups and items

    /// A person of another node, by actor id.
    public func account(actorId: String) async throws -> Account? {
        try await pool.read { db in try Account.filter(Account.Columns.actorId == actorId).fetchOne(db) }
    }

    /// The mirror of another node's group, by actor id.
    public func group(actorId: String) async throws -> Group? {
        try await pool.read { db in try Group.filter(Group.Columns.actorId == actorId).fetchOne(db) }
    }

    /// An item by the ActivityPub id it came with.
    public func contentItem(apId: String) async throws -> ContentItem? {
        try await pool.read { db in try ContentItem.filter(Column("apId") == apId).fetchOne(db) }
    }

    /// The people of other nodes who are current members of a local group,
    /// with their actor ids (one delivery per node is made from these).
    public func remoteMembers(groupId: Int64) async throws -> [Account] {
        try await pool.read { db in
            try Account.fetchAll(db, sql: """
                SELECT a.* FROM account a JOIN membership m ON m.accountId = a.id
                WHERE m.groupId = ? AND m.state = 'member' AND a.actorId IS NOT NULL ORDER BY a.id
                """, arguments: [groupId])
        }
    }

    /// Saves a mirrored group (by actor id) and returns it with its row id.
    public func saveRemoteGroup(_ group: Group) async throws -> Group {
        try await pool.write { db in try Self.saveRemoteGroup(group, db) }
    }

    /// Saves a person of another node (by actor id) and returns their row.
    public func saveRemoteAccount(actorId: String, username: String, displayName: String?) async throws -> Account {
        try await pool.write { db in try Self.remoteAccount(actorId: actorId, username: username, displayName: displayName, db) }
    }

    /// Writes a membership change together with the deliveries that announce it.
    public func saveMembership(_ membership: Membership?, removing key: (groupId: Int64, accountId: Int64)? = nil,
                               deliveries: [Delivery]) async throws {
        try await pool.write { db in
            if let membership { try membership.save(db) }
            if let key { _ = try Membership.deleteOne(db, key: ["groupId": key.groupId, "accountId": key.accountId]) }
            try Self.insert(deliveries, db)
        }
    }

    /// Inserts an item and the deliveries that announce it, made from the
    /// stored item (which then has its id), in one transaction.
    public func createContent(_ item: ContentItem, deliveries: @Sendable (ContentItem) throws -> [Delivery]) async throws -> ContentItem {
        try await pool.write { db in
            try mappingConstraintErrors {
                var item = item
                try item.insert(db)
                try Self.insert(try deliveries(item), db)
                return item
            }
        }
    }

    /// Deletes an item and queues the deliveries that announce it.
    public func deleteContent(id: Int64, deliveries: [Delivery]) async throws -> [String] {
        try await pool.write { db in
            let digests = try Self.fileDigests(db, under: id)
            guard try ContentItem.deleteOne(db, key: id) else { throw StorageError.notFound("content") }
            try Self.insert(deliveries, db)
            return digests
        }
    }

    /// Sets or clears a like and queues the deliveries that announce it.
    public func setLike(itemId: Int64, accountId: Int64, _ liked: Bool, deliveries: [Delivery]) async throws {
        try await pool.write { db in
            if liked {
                try ContentLike(itemId: itemId, accountId: accountId).insert(db, onConflict: .ignore)
            } else {
                _ = try ContentLike.deleteOne(db, key: ["itemId": itemId, "accountId": accountId])
            }
            try Self.insert(deliveries, db)
        }
    }

    // MARK: Applying changes from other nodes

    /// Returns the digests of the file versions that went with dropped
    /// items, for ``removeUnusedBlobs(_:from:)``.
    @discardableResult
    static func apply(_ changes: [FederatedChange], _ db: Database) throws -> [String] {
        var droppedDigests: [String] = []
        for change in changes {
            switch change {
            case .saveRemoteGroup(let group):
                _ = try saveRemoteGroup(group, db)
            case .membership(let groupRef, let accountRef, let state, let role):
                guard let groupId = try groupId(groupRef, db) else { continue }
                let accountId = try accountId(accountRef, db)
                if let state {
                    let existing = try Membership.fetchOne(db, key: ["groupId": groupId, "accountId": accountId])
                    var membership = existing ?? Membership(groupId: groupId, accountId: accountId, role: role, state: state)
                    membership.state = state
                    membership.role = role
                    membership.updatedAt = Date()
                    try membership.save(db)
                } else {
                    _ = try Membership.deleteOne(db, key: ["groupId": groupId, "accountId": accountId])
                    droppedDigests += try dropUnreadableCopies(groupId: groupId, db)
                }
            case .saveContent(var item, let author, let groupRef, let parentRef):
                guard let apId = item.apId else { continue }
                item.authorId = try accountId(author, db)
                if let groupRef {
                    guard let groupId = try groupId(groupRef, db) else { continue }
                    item.groupId = groupId
                }
                if let parentRef {
                    guard let parent = try contentItem(parentRef, db) else { continue }
                    item.parentId = parent.id
                    item.rootId = parent.rootId ?? parent.id
                    item.groupId = parent.groupId
                    item.access = parent.access
                }
                if var existing = try contentItem(apId: apId, db) {
                    // Only the stored author may change an item.
                    guard existing.authorId == item.authorId else { continue }
                    existing.title = item.title
                    existing.body = item.body
                    existing.access = item.access
                    existing.updatedAt = item.updatedAt
                    try existing.update(db)
                } else {
                    item.id = nil
                    try item.insert(db)
                }
            case .deleteContent(let reference):
                if let item = try contentItem(reference, db) {
                    droppedDigests += try fileDigests(db, under: item.id!)
                    _ = try item.delete(db)
                }
            case .like(let reference, let accountRef, let liked):
                guard let item = try contentItem(reference, db) else { continue }
                let accountId = try accountId(accountRef, db)
                if liked {
                    try ContentLike(itemId: item.id!, accountId: accountId).insert(db, onConflict: .ignore)
                } else {
                    _ = try ContentLike.deleteOne(db, key: ["itemId": item.id!, "accountId": accountId])
                }
            case .notify(let accountId, let kind, let actorRef, let groupRef, let itemRef):
                var notification = UserNotification(
                    accountId: accountId, kind: kind, actorId: try actorRef.map { try Self.accountId($0, db) },
                    groupId: try groupRef.flatMap { try groupId($0, db) }, itemId: try itemRef.flatMap { try contentItem($0, db)?.id })
                try notification.insert(db)
            case .saveWikiRevision(let notice):
                guard let groupId = try groupId(notice.group, db) else { continue }
                let authorId = try notice.author.map { try accountId($0, db) }
                var page: WikiPage
                if let existing = try WikiPage.filter(Column("apId") == notice.pageApId).fetchOne(db) {
                    page = existing
                } else {
                    let parentId = try notice.parentApId.flatMap { try WikiPage.filter(Column("apId") == $0).fetchOne(db)?.id }
                    page = WikiPage(groupId: groupId, parentId: parentId, authorId: authorId, access: notice.access,
                                    currentRevision: notice.number, apId: notice.pageApId)
                    try page.insert(db)
                }
                if try WikiRevision.fetchOne(db, key: ["pageId": page.id!, "number": notice.number]) == nil {
                    try WikiRevision(pageId: page.id!, number: notice.number, title: notice.title, body: notice.body,
                                     authorId: authorId, mergedFrom: notice.mergedFrom, createdAt: notice.createdAt).insert(db)
                }
                if notice.number >= page.currentRevision {
                    page.currentRevision = notice.number
                    page.access = notice.access
                    page.updatedAt = notice.createdAt
                    try page.update(db)
                }
            case .refreshRemoteAccount(let actorId, let displayName):
                guard let account = try Account.filter(Account.Columns.actorId == actorId).fetchOne(db) else { continue }
                _ = try remoteAccount(actorId: actorId, username: account.username, displayName: displayName, db)
            case .deleteRemoteAccount(let actorId):
                guard let account = try Account.filter(Account.Columns.actorId == actorId).fetchOne(db) else { continue }
                let groups = try Int64.fetchAll(db, sql: "SELECT groupId FROM membership WHERE accountId = ?", arguments: [account.id!])
                _ = try deleteAccount(id: account.id!, db)
                for groupId in groups { droppedDigests += try dropUnreadableCopies(groupId: groupId, db) }
            case .requestDeletion(let objectIds, let host, let activityId, let date):
                try requestDeletion(objectIds: objectIds, host: host, activityId: activityId, at: date, db)
            case .confirmDeletion(let activityId, let host, let date):
                try db.execute(sql: """
                    UPDATE ledgerEntry SET deletionConfirmedAt = ? WHERE deletionActivityId = ? AND host = ? AND deletionConfirmedAt IS NULL
                    """, arguments: [date, activityId, host])
            case .deleteMirroredGroup(let actorId):
                droppedDigests += try deleteMirroredGroup(actorId: actorId, db)
            case .saveFile(let notice):
                try saveFileNotice(notice, db)
            }
        }
        return droppedDigests
    }

    /// After a local person leaves or is removed from another node's group:
    /// when no local member remains, the copies of the group's content held
    /// here are dropped (nobody here may see them any more). Returns the
    /// digests of the dropped file versions, whose cached bytes may go too.
    @discardableResult
    static func dropUnreadableCopies(groupId: Int64, _ db: Database) throws -> [String] {
        guard let group = try Group.fetchOne(db, key: groupId), group.isRemote else { return [] }
        let localMembers = try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM membership m JOIN account a ON a.id = m.accountId
            WHERE m.groupId = ? AND m.state = 'member' AND a.actorId IS NULL
            """, arguments: [groupId]) ?? 0
        guard localMembers == 0 else { return [] }
        let digests = try fileDigests(db, groupId: groupId)
        try db.execute(sql: "DELETE FROM contentItem WHERE groupId = ?", arguments: [groupId])
        return digests
    }

    static func saveRemoteGroup(_ group: Group, _ db: Database) throws -> Group {
        if var existing = try Group.filter(Group.Columns.actorId == group.actorId).fetchOne(db) {
            existing.name = group.name
            existing.description = group.description
            existing.tags = group.tags
            existing.membershipMode = group.membershipMode
            existing.isHidden = group.isHidden
            existing.updatedAt = Date()
            try existing.update(db)
            return existing
        }
        var group = group
        try group.insert(db)
        return group
    }

    static func remoteAccount(actorId: String, username: String, displayName: String?, _ db: Database) throws -> Account {
        // (Once per applied item: a cached statement skips compiling the SQL each time.)
        if let existing = try Account.fetchOne(db.cachedStatement(sql: "SELECT * FROM account WHERE actorId = ?"), arguments: [actorId]) {
            if let displayName, var profile = try Profile.fetchOne(db, key: existing.id!), profile.displayName != displayName {
                profile.displayName = displayName
                try profile.update(db)
            }
            return existing
        }
        // A person of another node has no password: the hash is empty, which no password matches.
        var name = username
        if try Account.filter(Account.Columns.username == name).fetchCount(db) > 0 {
            // Another actor once had this handle (it moved or was recreated).
            name = "\(username)~\(abs(actorId.hashValue) % 100_000)"
        }
        var account = Account(username: name, email: nil, passwordHash: "", actorId: actorId)
        try account.insert(db)
        try Profile(accountId: account.id!, displayName: displayName ?? username).insert(db)
        return account
    }

    static func accountId(_ reference: AccountReference, _ db: Database) throws -> Int64 {
        switch reference {
        case .id(let id): id
        case .remote(let actorId, let username, let displayName):
            try remoteAccount(actorId: actorId, username: username, displayName: displayName, db).id!
        }
    }

    static func groupId(_ reference: GroupReference, _ db: Database) throws -> Int64? {
        switch reference {
        case .id(let id): id
        case .actor(let actorId): try Group.filter(Group.Columns.actorId == actorId).fetchOne(db)?.id
        }
    }

    static func contentItem(_ reference: ContentReference, _ db: Database) throws -> ContentItem? {
        switch reference {
        case .id(let id): try ContentItem.fetchOne(db, key: id)
        case .apId(let apId): try contentItem(apId: apId, db)
        }
    }

    /// An item by the ActivityPub id it came with (looked up for every applied item).
    static func contentItem(apId: String, _ db: Database) throws -> ContentItem? {
        try ContentItem.fetchOne(db.cachedStatement(sql: "SELECT * FROM contentItem WHERE apId = ?"), arguments: [apId])
    }

    // MARK: The data-flow ledger

    /// Records that `subjects` reached `host` (called when a delivery succeeds).
    static func recordLedger(_ subjects: [LedgerSubject], host: String, at date: Date, _ db: Database) throws {
        let date = DatabaseDate.text(date)
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO ledgerEntry (objectId, kind, host, firstSentAt, lastSentAt) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (objectId, host) DO UPDATE SET lastSentAt = excluded.lastSentAt
            """)
        for subject in subjects {
            try upsert.execute(arguments: [subject.objectId, subject.kind, host, date, date])
        }
    }

    /// Records that a node fetched an object (a signed fetch names the node).
    public func recordFetch(_ subject: LedgerSubject, host: String, at date: Date = Date()) async throws {
        try await pool.write { db in try Self.recordLedger([subject], host: host, at: date, db) }
    }

    /// Ledger entries, optionally for one object (and the objects whose id
    /// starts with it), one host, or only deletions still open.
    public func ledgerEntries(objectPrefix: String? = nil, host: String? = nil, openDeletionsOnly: Bool = false,
                              limit: Int = 1000, offset: Int = 0) async throws -> [LedgerEntry] {
        try await pool.read { db in
            var request = LedgerEntry.all()
            if let objectPrefix { request = request.filter(Column("objectId") == objectPrefix || Column("objectId").like("\(objectPrefix)/%")) }
            if let host { request = request.filter(Column("host") == host) }
            if openDeletionsOnly { request = request.filter(Column("deletionRequestedAt") != nil && Column("deletionConfirmedAt") == nil) }
            return try request.order(Column("objectId"), Column("host")).limit(limit, offset: offset).fetchAll(db)
        }
    }

    /// The hosts that received any of `objectIds`.
    public func ledgerHosts(objectIds: [String]) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, LedgerEntry.select(Column("host"), as: String.self).filter(objectIds.contains(Column("objectId"))).distinct())
        }
    }

    /// Marks the entries of `objectIds` at `host` as asked to be deleted by `activityId`.
    static func requestDeletion(objectIds: [String], host: String, activityId: String, at date: Date, _ db: Database) throws {
        try LedgerEntry.filter(objectIds.contains(Column("objectId")) && Column("host") == host)
            .updateAll(db, Column("deletionActivityId").set(to: activityId), Column("deletionRequestedAt").set(to: date))
    }
}

extension NodeDatabase {
    /// The ledger entries a deletion activity was sent for.
    public func ledgerEntries(deletionActivityId: String) async throws -> [LedgerEntry] {
        try await pool.read { db in try LedgerEntry.filter(Column("deletionActivityId") == deletionActivityId).fetchAll(db) }
    }
}

extension NodeDatabase {
    /// Applies changes made on this node that use the same vocabulary as
    /// changes from other nodes, with the deliveries that announce them.
    /// Returns the digests of file versions that went with dropped items.
    @discardableResult
    public func applyChanges(_ changes: [FederatedChange], deliveries: [Delivery]) async throws -> [String] {
        try await pool.write { db in
            let dropped = try Self.apply(changes, db)
            try Self.insert(deliveries, db)
            return dropped
        }
    }
}

/// What other nodes are told when a local account or group is deleted: one
/// `Delete` per node that holds any of its data, and the objects whose
/// ledger entries that `Delete` asks to delete (for a group, the group's
/// actor id first, then its items and wiki pages).
public struct DeletionNotice: Sendable {
    public var deliveries: [Delivery]
    /// The objects the `Delete` covers, by the ids they travel under.
    public var objectIds: [String]

    public init(deliveries: [Delivery] = [], objectIds: [String] = []) {
        self.deliveries = deliveries
        self.objectIds = objectIds
    }
}

public typealias AccountDeletionNotice = DeletionNotice
public typealias GroupDeletionNotice = DeletionNotice

extension NodeDatabase {
    /// The ids of the items a person wrote here.
    public func contentIds(authorId: Int64) async throws -> [Int64] {
        try await pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM contentItem WHERE authorId = ?", arguments: [authorId]) }
    }

    /// The people of other nodes this node knows on `host`.
    public func remoteActors(host: String, limit: Int = 1) async throws -> [RemoteActor] {
        try await pool.read { db in try RemoteActor.filter(Column("host") == host).limit(limit).fetchAll(db) }
    }

    /// Deletes an account and, in the same transaction, queues the `Delete`
    /// for every node that received its data and marks those deletions as
    /// asked for in the ledger. Returns the blob digests to clean up, as `deleteAccount(id:)`.
    public func deleteAccount(id: Int64, notice: AccountDeletionNotice, now: Date = Date()) async throws -> [String] {
        try await pool.write { db in
            let digests = try Self.deleteAccount(id: id, db)
            try Self.insert(notice.deliveries, db)
            for delivery in notice.deliveries {
                // The profile went to every node told; record it where the ledger did not know yet.
                if let person = notice.objectIds.first {
                    try db.execute(sql: """
                        INSERT INTO ledgerEntry (objectId, kind, host, firstSentAt, lastSentAt) VALUES (?, 'profile', ?, ?, ?)
                        ON CONFLICT (objectId, host) DO NOTHING
                        """, arguments: [person, delivery.host, now, now])
                }
                try Self.requestDeletion(objectIds: notice.objectIds, host: delivery.host, activityId: delivery.activityId, at: now, db)
            }
            return digests
        }
    }
}
