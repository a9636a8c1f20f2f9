/// Why a storage operation refused to change anything.
///
/// Every access method runs in one transaction: when it throws, nothing it
/// meant to write has been written.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case duplicate
        case notFound
        case inviteUnusable
        case invalidReference
        case cycle
        case stale
    }

    private let code: Code
    /// The field or object the error is about (`username`, `account`).
    public let subject: String

    /// A unique value (username, e-mail, key) is already taken.
    public static func duplicate(_ field: String) -> StorageError { .init(code: .duplicate, subject: field) }
    /// The object to change does not exist.
    public static func notFound(_ what: String) -> StorageError { .init(code: .notFound, subject: what) }
    /// The registration invitation is unknown, used or expired.
    public static let inviteUnusable = StorageError(code: .inviteUnusable, subject: "invite")
    /// A value points at something that does not exist (an unknown profile field).
    public static func invalidReference(_ field: String) -> StorageError { .init(code: .invalidReference, subject: field) }

    /// A folder would end up inside itself.
    public static let cycle = StorageError(code: .cycle, subject: "folderId")

    /// A change names a base version that is no longer the current one.
    public static func stale(_ what: String) -> StorageError { .init(code: .stale, subject: what) }

    public var isDuplicate: Bool { code == .duplicate }
    public var isNotFound: Bool { code == .notFound }
    public var isInviteUnusable: Bool { code == .inviteUnusable }
    public var isInvalidReference: Bool { code == .invalidReference }
    public var isCycle: Bool { code == .cycle }
    public var isStale: Bool { code == .stale }

    public var description: String {
        switch code {
        case .duplicate: "\(subject) is already taken"
        case .notFound: "\(subject) not found"
        case .inviteUnusable: "the invitation is unknown, used or expired"
        case .invalidReference: "\(subject) refers to something that does not exist"
        case .cycle: "a folder cannot be moved into itself or into a folder inside it"
        case .stale: "\(subject) is based on a version that is no longer the current one"
        }
    }
}
