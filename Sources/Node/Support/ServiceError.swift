import Storage

/// Why a domain operation (sign-up, profile change, …) was refused.
///
/// Services throw this; the HTTP layer turns it into a problem response and
/// the CLI into a message with a non-zero exit code.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Input failed validation; see ``fieldErrors``.
        case invalid
        /// No credentials, or wrong ones.
        case unauthenticated
        /// Credentials are fine but the action is not allowed.
        case forbidden
        case notFound
        /// The change conflicts with existing data (a taken username).
        case conflict
        /// Too many attempts; try again after ``retryAfterSeconds``.
        case rateLimited
        /// Another node could not be reached or answered badly.
        case unavailable
    }

    /// One rejected input field, addressed as a JSON pointer (`/username`).
    public struct FieldError: Sendable, Equatable, Codable {
        public let pointer: String
        public let detail: String
    }

    public let kind: Kind
    public let message: String
    public var fieldErrors: [FieldError] = []
    public var retryAfterSeconds: Int?

    public init(_ kind: Kind, _ message: String, fieldErrors: [FieldError] = []) {
        self.kind = kind
        self.message = message
        self.fieldErrors = fieldErrors
    }

    /// A validation failure of one field.
    public static func invalid(field: String, _ detail: String) -> ServiceError {
        ServiceError(.invalid, "\(field) \(detail)", fieldErrors: [FieldError(pointer: "/\(field)", detail: detail)])
    }

    public var description: String { message }
}

/// Collects validation problems so that one response lists all of them.
struct FieldErrors {
    private(set) var errors: [ServiceError.FieldError] = []

    mutating func check(_ field: String, _ problem: String?) {
        if let problem { errors.append(.init(pointer: "/\(field.replacingOccurrences(of: ".", with: "/"))", detail: problem)) }
    }

    /// Throws one ``ServiceError`` naming every problem found, if any.
    func throwIfAny() throws(ServiceError) {
        guard !errors.isEmpty else { return }
        let summary = errors.map { "\($0.pointer.dropFirst()) \($0.detail)" }.joined(separator: "; ")
        throw ServiceError(.invalid, summary, fieldErrors: errors)
    }
}

extension StorageError {
    /// The storage failure as the domain error people see.
    var asServiceError: ServiceError {
        if isDuplicate { return ServiceError(.conflict, "\(subject) is already taken", fieldErrors: [.init(pointer: "/\(subject)", detail: "is already taken")]) }
        if isNotFound { return ServiceError(.notFound, "\(subject) not found") }
        if isStale { return ServiceError(.conflict, description) }
        if isInviteUnusable { return ServiceError(.invalid, "the invitation code is unknown, used or expired", fieldErrors: [.init(pointer: "/inviteCode", detail: "is unknown, used or expired")]) }
        return ServiceError(.invalid, description)
    }
}

/// Runs `body`, turning storage errors into service errors.
func translatingStorageErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as StorageError {
        throw error.asServiceError
    }
}
