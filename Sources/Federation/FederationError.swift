/// Why a federation operation (fetch, delivery, inbox check) failed.
///
/// `description` is short and safe to show a peer or put in a metric label;
/// `detail` is for the log.
public struct FederationError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable, Equatable {
        case malformed
        case tooLarge
        case forbiddenAddress
        case unreachable
        case remoteStatus
        case notAllowed
        case originMismatch
        case keyOwnerMismatch
        case unknownKey
        case signature
        case notFound
        case gone
        /// The remote requests allowed for one activity are spent (``FetchBudget``).
        case fetchLimit
    }

    public let code: Code
    public let detail: String
    /// The HTTP status the remote server answered, for `.remoteStatus`.
    public var status: Int?

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    public static func malformed(_ detail: String) -> Self { .init(code: .malformed, detail: detail) }
    public static func tooLarge(_ detail: String) -> Self { .init(code: .tooLarge, detail: detail) }
    public static func forbiddenAddress(_ detail: String) -> Self { .init(code: .forbiddenAddress, detail: detail) }
    public static func unreachable(_ detail: String) -> Self { .init(code: .unreachable, detail: detail) }
    public static func remoteStatus(_ status: Int, _ detail: String) -> Self { .init(code: .remoteStatus, detail: detail, status: status) }
    public static func notAllowed(_ detail: String) -> Self { .init(code: .notAllowed, detail: detail) }
    public static func originMismatch(_ detail: String) -> Self { .init(code: .originMismatch, detail: detail) }
    public static func keyOwnerMismatch(_ detail: String) -> Self { .init(code: .keyOwnerMismatch, detail: detail) }
    public static func unknownKey(_ detail: String) -> Self { .init(code: .unknownKey, detail: detail) }
    public static func signature(_ detail: String) -> Self { .init(code: .signature, detail: detail) }
    public static func notFound(_ detail: String) -> Self { .init(code: .notFound, detail: detail) }
    public static func gone(_ detail: String) -> Self { .init(code: .gone, detail: detail) }
    public static func fetchLimit(_ detail: String) -> Self { .init(code: .fetchLimit, detail: detail) }

    public var description: String { "\(code.rawValue): \(detail)" }
}
