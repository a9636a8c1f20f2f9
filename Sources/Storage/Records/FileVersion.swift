import Foundation
import GRDB

/// One version of a file item: the bytes (by their SHA-256 digest in the
/// ``BlobStore``), their type and the name they were uploaded under.
/// Versions are numbered from 1; the highest number is the current one.
public struct FileVersion: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "fileVersion"

    public var itemId: Int64
    public var number: Int
    /// Lowercase hex SHA-256 of the bytes: the blob's address and the download's ETag.
    public var digest: String
    public var byteCount: Int64
    public var contentType: String
    /// The name the bytes were uploaded under.
    public var filename: String
    /// Who uploaded this version; `nil` once their account is gone.
    public var authorId: Int64?
    public var createdAt: Date

    public init(itemId: Int64, number: Int, digest: String, byteCount: Int64, contentType: String, filename: String,
                authorId: Int64?, createdAt: Date = Date()) {
        self.itemId = itemId
        self.number = number
        self.digest = digest
        self.byteCount = byteCount
        self.contentType = contentType
        self.filename = filename
        self.authorId = authorId
        self.createdAt = createdAt
    }
}
