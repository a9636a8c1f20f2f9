import Crypto
import Foundation

/// Files on disk, addressed by the SHA-256 of their bytes.
///
/// A blob is written to a temporary file in the same directory and renamed
/// into place, so a reader never sees half a file and a crash leaves at most
/// a stray temporary file. Storing the same bytes twice stores them once.
public struct BlobStore: Sendable {
    public let directory: URL

    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Stores `bytes`; returns their lowercase hex SHA-256 digest.
    @discardableResult
    public func put(_ bytes: some DataProtocol) throws -> String {
        let data = Data(bytes)
        let digest = Self.digest(of: data)
        let target = url(forValidDigest: digest)
        if FileManager.default.fileExists(atPath: target.path) { return digest }
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".tmp-\(UUID().uuidString)")
        try data.write(to: temporary, options: .atomic)
        do {
            try FileManager.default.moveItem(at: temporary, to: target)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            // Another writer stored the same bytes first: that is success.
            if !FileManager.default.fileExists(atPath: target.path) { throw error }
        }
        return digest
    }

    /// The bytes of a blob, or `nil` when there is none or the digest is malformed.
    public func get(_ digest: String) -> Data? {
        guard Self.isValidDigest(digest) else { return nil }
        return FileManager.default.contents(atPath: url(forValidDigest: digest).path)
    }

    public func contains(_ digest: String) -> Bool {
        Self.isValidDigest(digest) && FileManager.default.fileExists(atPath: url(forValidDigest: digest).path)
    }

    public func remove(_ digest: String) throws {
        guard Self.isValidDigest(digest) else { return }
        let target = url(forValidDigest: digest)
        if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
    }

    public static func digest(of data: some DataProtocol) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// A digest is 64 lowercase hex characters; anything else never reaches the file system.
    public static func isValidDigest(_ digest: String) -> Bool {
        digest.utf8.count == 64 && digest.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Starts writing a blob whose size is not known in advance (an upload):
    /// bytes go to a temporary file in the store's directory while their
    /// digest is computed. ``store(_:)`` moves the finished file into place;
    /// ``BlobUpload/discard()`` removes it.
    public func beginUpload() throws -> BlobUpload {
        try BlobUpload(url: directory.appendingPathComponent(".tmp-\(UUID().uuidString)"))
    }

    /// Moves a finished upload into place under its digest (a no-op when the
    /// store already has those bytes) and returns the digest.
    @discardableResult
    public func store(_ staged: StagedBlob) throws -> String {
        let target = url(forValidDigest: staged.digest)
        if FileManager.default.fileExists(atPath: target.path) {
            try? FileManager.default.removeItem(at: staged.temporaryURL)
            return staged.digest
        }
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        do {
            try FileManager.default.moveItem(at: staged.temporaryURL, to: target)
        } catch {
            try? FileManager.default.removeItem(at: staged.temporaryURL)
            if !FileManager.default.fileExists(atPath: target.path) { throw error }
        }
        return staged.digest
    }

    /// Where a blob's file is, for streaming it; `nil` when there is none.
    public func fileURL(_ digest: String) -> URL? {
        guard Self.isValidDigest(digest) else { return nil }
        let url = url(forValidDigest: digest)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    private func url(forValidDigest digest: String) -> URL {
        directory.appendingPathComponent(String(digest.prefix(2))).appendingPathComponent(digest)
    }
}

/// A blob being written: a temporary file and a running SHA-256. Used by one
/// task at a time (an upload handler).
public final class BlobUpload {
    let url: URL
    private let handle: FileHandle
    private var hasher = SHA256()
    public private(set) var byteCount: Int64 = 0
    private var isClosed = false

    init(url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        self.url = url
        self.handle = try FileHandle(forWritingTo: url)
    }

    public func write(_ bytes: some DataProtocol) throws {
        hasher.update(data: bytes)
        byteCount += Int64(bytes.count)
        try handle.write(contentsOf: bytes)
    }

    /// Closes the file; the result can be stored with ``BlobStore/store(_:)``.
    public func finish() throws -> StagedBlob {
        try close()
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return StagedBlob(temporaryURL: url, digest: digest, byteCount: byteCount)
    }

    /// Removes the temporary file.
    public func discard() {
        try? close()
        try? FileManager.default.removeItem(at: url)
    }

    private func close() throws {
        guard !isClosed else { return }
        isClosed = true
        try handle.close()
    }
}

/// A finished upload waiting to be moved into the store.
public struct StagedBlob: Sendable {
    public let temporaryURL: URL
    public let digest: String
    public let byteCount: Int64

    /// Removes the temporary file (when the upload is refused after all).
    public func discard() { try? FileManager.default.removeItem(at: temporaryURL) }
}
