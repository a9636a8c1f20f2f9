import Foundation

/// What a successful request verification established.
public struct VerifiedSignature: Sendable, Hashable {
    /// The signature scheme a request used.
    public enum Scheme: String, Sendable, Hashable {
        /// RFC 9421 HTTP Message Signatures.
        case rfc9421
        /// draft-cavage-http-signatures-12.
        case draftCavage
    }

    /// Which scheme the verified signature used.
    public let scheme: Scheme
    /// The key id that signed; the caller still has to check that this key
    /// belongs to the activity's actor.
    public let keyID: String
    /// The RFC 9421 label of the verified signature; `nil` for draft-cavage.
    public let label: String?
    /// The algorithm, taken from the key.
    public let algorithm: SignatureAlgorithm
    /// When the signature says it was made (`created`, or a covered `Date`).
    public let created: Date?
    /// The covered components as written (`"@method"`, `digest`…), for logs.
    public let coveredComponents: [String]
}
