/// Finds the verification key for a signature's key id.
///
/// The inbox implements this with its actor/key cache: return the key bound to
/// the algorithm the peer uses (for a Mastodon `publicKeyPem`, the default
/// `rsa-v1_5-sha256`). Throw `HTTPSignatureError.keyNotFound` when no key is
/// known; other errors (a failed fetch) are passed through to the caller
/// unchanged, so it can tell "retry later" from "refuse". The resolver is
/// called only after the signature's syntax, freshness, coverage and digest
/// have been checked, so malformed requests do not cause key fetches.
public protocol VerificationKeyResolver: Sendable {
    func verificationKey(forKeyID keyID: String) async throws -> MessageVerificationKey
}

/// A `VerificationKeyResolver` made from a closure.
public struct ClosureKeyResolver: VerificationKeyResolver {
    private let resolve: @Sendable (String) async throws -> MessageVerificationKey

    public init(_ resolve: @escaping @Sendable (String) async throws -> MessageVerificationKey) {
        self.resolve = resolve
    }

    public func verificationKey(forKeyID keyID: String) async throws -> MessageVerificationKey {
        try await resolve(keyID)
    }
}
