import Foundation
import GRDB

/// Where a listing of files and folders looks: inside a folder, or at the
/// top of a group or of one person's own (group-less) files.
public enum FileLocation: Sendable, Equatable {
    case folder(Int64)
    case groupTop(Int64)
    case personalTop(ownerId: Int64)
}

extension NodeDatabase {
    // MARK: Files and versions

    /// Creates a file item with its first version, moving the uploaded bytes
    /// into the blob store inside the same write, so a concurrent clean-up
    /// of unused blobs can never remove bytes a committed version needs.
    public func createFile(_ item: ContentItem, upload: StagedBlob, contentType: String, filename: String,
                           blobs: BlobStore, deliveries: @Sendable (ContentItem, FileVersion) throws -> [Delivery] = { _, _ in [] }) async throws -> ContentItem {
        try await pool.write { db in
            try mappingConstraintErrors {
                var item = item
                try Self.checkFolder(db, item: item)
                try item.insert(db)
                try blobs.store(upload)
                let version = FileVersion(itemId: item.id!, number: 1, digest: upload.digest, byteCount: upload.byteCount,
                                          contentType: contentType, filename: filename, authorId: item.authorId, createdAt: item.createdAt)
                try version.insert(db)
                try Self.insert(try deliveries(item, version), db)
                return item
            }
        }
    }

    /// Adds the next version of a file; it becomes the current one. With
    /// `baseVersion`, the version is refused (``StorageError/isStale``) when
    /// the file has moved on from that version meanwhile: checked inside the
    /// write, so of two versions on the same base only the first is taken.
    public func addFileVersion(itemId: Int64, upload: StagedBlob, contentType: String, filename: String, authorId: Int64,
                               baseVersion: Int? = nil, blobs: BlobStore, now: Date = Date(),
                               deliveries: @Sendable (ContentItem, FileVersion) throws -> [Delivery] = { _, _ in [] }) async throws -> FileVersion {
        try await pool.write { db in
            guard var item = try ContentItem.fetchOne(db, key: itemId), item.type == .file else { throw StorageError.notFound("file") }
            let current = try Int.fetchOne(db, sql: "SELECT MAX(number) FROM fileVersion WHERE itemId = ?", arguments: [itemId]) ?? 0
            if let baseVersion, baseVersion != current { throw StorageError.stale("the new version (the file is at version \(current), not \(baseVersion))") }
            try blobs.store(upload)
            let version = FileVersion(itemId: itemId, number: current + 1, digest: upload.digest, byteCount: upload.byteCount,
                                      contentType: contentType, filename: filename, authorId: authorId, createdAt: now)
            try version.insert(db)
            try db.execute(sql: "UPDATE contentItem SET updatedAt = ? WHERE id = ?", arguments: [now, itemId])
            item.updatedAt = now
            try Self.insert(try deliveries(item, version), db)
            return version
        }
    }

    /// Every version of a file, newest first (the caller checked the file is visible).
    public func fileVersions(itemId: Int64) async throws -> [FileVersion] {
        try await pool.read { db in
            try FileVersion.filter(Column("itemId") == itemId).order(Column("number").desc).fetchAll(db)
        }
    }

    /// The current version of each of the given files.
    public func currentFileVersions(itemIds: [Int64]) async throws -> [Int64: FileVersion] {
        guard !itemIds.isEmpty else { return [:] }
        return try await pool.read { db in
            let versions = try FileVersion.fetchAll(db, sql: """
                SELECT v.* FROM fileVersion v
                WHERE v.itemId IN (\(itemIds.map { _ in "?" }.joined(separator: ", ")))
                  AND v.number = (SELECT MAX(number) FROM fileVersion w WHERE w.itemId = v.itemId)
                """, arguments: StatementArguments(itemIds))
            return Dictionary(versions.map { ($0.itemId, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// The files and folders at `location` that `viewerId` may read: folders
    /// first, then by name.
    public func files(at location: FileLocation, viewerId: Int64?) async throws -> [ContentRow] {
        try await pool.read { db in
            var arguments: [String: (any DatabaseValueConvertible)?] = ["viewer": viewerId ?? -1]
            let place: String
            switch location {
            case .folder(let id):
                place = "c.folderId = :place"
                arguments["place"] = id
            case .groupTop(let groupId):
                place = "c.folderId IS NULL AND c.groupId = :place"
                arguments["place"] = groupId
            case .personalTop(let ownerId):
                place = "c.folderId IS NULL AND c.groupId IS NULL AND c.authorId = :place"
                arguments["place"] = ownerId
            }
            let sql = """
                \(Self.rowSelect)
                WHERE c.type IN ('folder', 'file') AND \(place) AND \(Self.visibility)
                ORDER BY c.type = 'file', c.title COLLATE NOCASE, c.id
                """
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(Self.row)
        }
    }

    /// Moves a file or folder into `folderId` (`nil`: the top of its group or
    /// owner). Refused when the folder is in another group or belongs to
    /// another owner (``StorageError/isInvalidReference``) or when a folder
    /// would end up inside itself (``StorageError/isCycle``). Checked inside
    /// the write, so two crossing moves cannot make a loop together.
    public func moveFileItem(id: Int64, to folderId: Int64?, now: Date = Date(), deliveries: [Delivery] = []) async throws -> ContentItem {
        try await pool.write { db in
            guard var item = try ContentItem.fetchOne(db, key: id), item.type == .folder || item.type == .file else {
                throw StorageError.notFound("file")
            }
            item.folderId = folderId
            try Self.checkFolder(db, item: item)
            if let folderId, item.type == .folder {
                let ancestors = try Int64.fetchAll(db, sql: """
                    WITH RECURSIVE up(id) AS (SELECT ? UNION SELECT c.folderId FROM contentItem c JOIN up ON c.id = up.id WHERE c.folderId IS NOT NULL)
                    SELECT id FROM up
                    """, arguments: [folderId])
                if ancestors.contains(id) { throw StorageError.cycle }
            }
            item.updatedAt = now
            try item.update(db)
            try Self.insert(deliveries, db)
            return item
        }
    }

    /// A file or folder may only sit in a folder of the same group (or, outside
    /// groups, of the same owner).
    private static func checkFolder(_ db: Database, item: ContentItem) throws {
        guard let folderId = item.folderId else { return }
        guard let folder = try ContentItem.fetchOne(db, key: folderId), folder.type == .folder else {
            throw StorageError.invalidReference("folderId")
        }
        let sameHome = item.groupId == nil ? folder.groupId == nil && folder.authorId == item.authorId : folder.groupId == item.groupId
        guard sameHome else { throw StorageError.invalidReference("folderId") }
    }

    // MARK: Blobs in use

    /// The digests of every file version under `itemId` (the item itself and,
    /// for a folder, everything inside it), read before a delete cascades.
    static func fileDigests(_ db: Database, under itemId: Int64) throws -> [String] {
        try String.fetchAll(db, sql: """
            WITH RECURSIVE inside(id) AS (SELECT ? UNION SELECT c.id FROM contentItem c JOIN inside ON c.folderId = inside.id)
            SELECT DISTINCT digest FROM fileVersion WHERE itemId IN (SELECT id FROM inside)
            """, arguments: [itemId])
    }

    static func isBlobInUse(_ db: Database, digest: String) throws -> Bool {
        try Bool.fetchOne(db, sql: """
            SELECT EXISTS (SELECT 1 FROM fileVersion WHERE digest = :d)
                OR EXISTS (SELECT 1 FROM profile WHERE avatarDigest = :d)
                OR EXISTS (SELECT 1 FROM groups WHERE iconDigest = :d)
            """, arguments: ["d": digest]) ?? true
    }

    /// Removes those of `digests` that no file version, avatar or group icon
    /// uses any more. Runs as a write, so it cannot interleave with a write
    /// that is about to reference one of them again.
    public func removeUnusedBlobs(_ digests: [String], from blobs: BlobStore) async throws {
        let candidates = Set(digests)
        guard !candidates.isEmpty else { return }
        try await pool.write { db in
            for digest in candidates {
                if try !Self.isBlobInUse(db, digest: digest) { try? blobs.remove(digest) }
            }
        }
    }
}
