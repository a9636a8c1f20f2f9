import Foundation
import GRDB

/// A file or folder of another node's group, as its home node announced it:
/// the item and every version it listed. A member's node keeps these rows
/// (the mirror) so its listings, dashboard and search show the group's
/// files; the bytes of a version are fetched from the home node when first
/// downloaded and kept in the blob store under their digest.
public struct FileNotice: Sendable, Equatable {
    public struct Version: Sendable, Equatable {
        public var number: Int
        public var digest: String
        public var byteCount: Int64
        public var contentType: String
        public var filename: String
        public var uploader: AccountReference?
        public var createdAt: Date

        public init(number: Int, digest: String, byteCount: Int64, contentType: String, filename: String,
                    uploader: AccountReference?, createdAt: Date) {
            self.number = number
            self.digest = digest
            self.byteCount = byteCount
            self.contentType = contentType
            self.filename = filename
            self.uploader = uploader
            self.createdAt = createdAt
        }
    }

    public var apId: String
    public var group: GroupReference
    /// `.file` or `.folder`.
    public var kind: ContentItem.Kind
    public var name: String
    public var description: String
    public var access: ContentItem.Access
    /// The folder it is in, by the id the folder travels under; `nil` at the top.
    public var folderApId: String?
    public var author: AccountReference
    public var versions: [Version]
    public var createdAt: Date
    public var updatedAt: Date

    public init(apId: String, group: GroupReference, kind: ContentItem.Kind, name: String, description: String, access: ContentItem.Access,
                folderApId: String?, author: AccountReference, versions: [Version], createdAt: Date, updatedAt: Date) {
        self.apId = apId
        self.group = group
        self.kind = kind
        self.name = name
        self.description = description
        self.access = access
        self.folderApId = folderApId
        self.author = author
        self.versions = versions
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension NodeDatabase {
    /// Writes a file notice: the item is made when missing (or changed when
    /// it is already here, in the same group and of the same kind), and the
    /// versions it lists are added when new. A folder that is unknown here,
    /// or a move that would put a folder inside itself, leaves the item at
    /// the top of the group.
    static func saveFileNotice(_ notice: FileNotice, _ db: Database) throws {
        guard notice.kind == .file || notice.kind == .folder, let groupId = try groupId(notice.group, db) else { return }
        let authorId = try accountId(notice.author, db)
        var folderId = try notice.folderApId.flatMap { folderApId in
            try ContentItem.filter(Column("apId") == folderApId && Column("groupId") == groupId && Column("type") == ContentItem.Kind.folder)
                .fetchOne(db)?.id
        }
        var item: ContentItem
        if var existing = try ContentItem.filter(Column("apId") == notice.apId).fetchOne(db) {
            guard existing.groupId == groupId, existing.type == notice.kind else { return }
            if let target = folderId, notice.kind == .folder {
                let ancestors = try Int64.fetchAll(db, sql: """
                    WITH RECURSIVE up(id) AS (SELECT ? UNION SELECT c.folderId FROM contentItem c JOIN up ON c.id = up.id WHERE c.folderId IS NOT NULL)
                    SELECT id FROM up
                    """, arguments: [target])
                if ancestors.contains(existing.id!) { folderId = nil }
            }
            existing.title = notice.name
            existing.body = notice.description
            existing.access = notice.access
            existing.folderId = folderId
            existing.updatedAt = notice.updatedAt
            try existing.update(db)
            item = existing
        } else {
            item = ContentItem(type: notice.kind, groupId: groupId, authorId: authorId, folderId: folderId, title: notice.name,
                               body: notice.description, access: notice.access, createdAt: notice.createdAt, updatedAt: notice.updatedAt,
                               apId: notice.apId)
            try item.insert(db)
        }
        guard notice.kind == .file else { return }
        for version in notice.versions {
            let uploaderId = try version.uploader.map { try accountId($0, db) }
            try FileVersion(itemId: item.id!, number: version.number, digest: version.digest, byteCount: version.byteCount,
                            contentType: version.contentType, filename: version.filename, authorId: uploaderId,
                            createdAt: version.createdAt).insert(db, onConflict: .ignore)
        }
    }

    /// The digests of the file versions of a group's items (read before the
    /// items are dropped, so their cached bytes can go too).
    static func fileDigests(_ db: Database, groupId: Int64) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT DISTINCT v.digest FROM fileVersion v JOIN contentItem c ON c.id = v.itemId WHERE c.groupId = ?
            """, arguments: [groupId])
    }

    /// Removes those of `digests` from the cache of mirrored files' bytes
    /// that no mirrored file version uses any more (this node's own files
    /// keep their bytes in the main store, which this leaves alone).
    public func removeUnusedCachedBlobs(_ digests: [String], from cache: BlobStore) async throws {
        let candidates = Set(digests)
        guard !candidates.isEmpty else { return }
        try await pool.write { db in
            for digest in candidates {
                let inUse = try Bool.fetchOne(db, sql: """
                    SELECT EXISTS (SELECT 1 FROM fileVersion v JOIN contentItem c ON c.id = v.itemId WHERE v.digest = ? AND c.apId IS NOT NULL)
                    """, arguments: [digest]) ?? true
                if !inUse { try? cache.remove(digest) }
            }
        }
    }

    /// Saves a file notice at once (the answer of a group's home node to an
    /// upload from here) and returns the mirrored item.
    public func saveFileNotice(_ notice: FileNotice) async throws -> ContentItem? {
        try await pool.write { db in
            try Self.saveFileNotice(notice, db)
            return try ContentItem.filter(Column("apId") == notice.apId).fetchOne(db)
        }
    }
}
