/// Why an HTTP message signature or digest could not be made or was refused.
///
/// Compare against the static members (`error == .badSignature`); two errors are
/// equal when their kind is, whatever their `detail`. `description` is a short
/// fixed phrase that is safe to return to a peer or use as a metric label;
/// `detail`, when present, names the part of the message at fault (a
/// component, a label, a parameter) for logs. Neither ever contains key
/// material, signature bytes or message content.
public struct HTTPSignatureError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Sendable, Hashable {
        case missingSignature = "missing signature"
        case malformedHeader = "malformed signature header"
        case malformedRequest = "malformed request"
        case unsupportedAlgorithm = "unsupported algorithm"
        case algorithmMismatch = "algorithm does not match key"
        case badSignature = "bad signature"
        case expired = "signature expired"
        case notYetValid = "signature not yet valid"
        case missingTimestamp = "signature has no creation time"
        case componentNotCovered = "required component not covered"
        case missingComponent = "covered component not in message"
        case invalidComponent = "invalid component identifier"
        case missingDigest = "missing digest"
        case unsupportedDigestAlgorithm = "unsupported digest algorithm"
        case digestMismatch = "digest mismatch"
        case invalidKey = "invalid key"
        case keyNotFound = "key not found"
    }

    private let code: Code
    /// Which part of the message was at fault, for logs; never secret.
    public let detail: String?

    private init(_ code: Code, detail: String? = nil) {
        self.code = code
        self.detail = detail.map { String($0.prefix(200)) }
    }

    /// The same kind of error, with `detail` saying which part was at fault.
    func with(detail: String) -> HTTPSignatureError {
        HTTPSignatureError(code, detail: detail)
    }

    public var description: String { code.rawValue }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The message carries no signature of a scheme the verifier accepts.
    public static let missingSignature = Self(.missingSignature)
    /// `Signature`, `Signature-Input` or a cavage `Signature` header could not be parsed,
    /// or its labels and parameters are inconsistent.
    public static let malformedHeader = Self(.malformedHeader)
    /// The request's method, URL or target could not be understood.
    public static let malformedRequest = Self(.malformedRequest)
    /// The algorithm (named or implied by the key) is unknown or not allowed.
    public static let unsupportedAlgorithm = Self(.unsupportedAlgorithm)
    /// The signature names an algorithm other than the one its key is for.
    public static let algorithmMismatch = Self(.algorithmMismatch)
    /// The signature does not verify with the key over the recreated base.
    public static let badSignature = Self(.badSignature)
    /// The signature's `expires` has passed, or it was created too long ago.
    public static let expired = Self(.expired)
    /// The signature claims a creation time in the future beyond the allowed skew.
    public static let notYetValid = Self(.notYetValid)
    /// The policy needs a creation time (`created`, `Date`) and there is none.
    public static let missingTimestamp = Self(.missingTimestamp)
    /// A component that the verifier requires is not covered by the signature.
    public static let componentNotCovered = Self(.componentNotCovered)
    /// A covered component cannot be found in the message (header absent,
    /// query parameter absent or repeated, `@status` on a request…).
    public static let missingComponent = Self(.missingComponent)
    /// A component identifier is unknown, repeated, or has unknown or
    /// incompatible parameters.
    public static let invalidComponent = Self(.invalidComponent)
    /// The message has content but no digest header to check it against.
    public static let missingDigest = Self(.missingDigest)
    /// The digest header names no algorithm this implementation checks.
    public static let unsupportedDigestAlgorithm = Self(.unsupportedDigestAlgorithm)
    /// The digest header does not match the content.
    public static let digestMismatch = Self(.digestMismatch)
    /// Key material could not be read, or is too weak.
    public static let invalidKey = Self(.invalidKey)
    /// No key is known for the signature's key id.
    public static let keyNotFound = Self(.keyNotFound)
}
