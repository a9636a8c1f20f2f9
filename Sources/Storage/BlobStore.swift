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

    private func url(forValidDigest digest: String) -> URL {
        directory.appendingPathComponent(String(digest.prefix(2))).appendingPathComponent(digest)
    }
}
