/// An HTTP message signature algorithm, named as in RFC 9421's registry.
///
/// A key is bound to exactly one algorithm; verifiers take the algorithm from
/// the key and use a received `alg` parameter only to refuse a mismatch.
public enum SignatureAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// EdDSA over edwards25519 (RFC 8032), 64-byte signatures.
    case ed25519 = "ed25519"
    /// RSASSA-PKCS1-v1_5 with SHA-256; what the fediverse (Mastodon) uses.
    case rsaV1_5SHA256 = "rsa-v1_5-sha256"
    /// RSASSA-PSS with SHA-512, MGF1 with SHA-512 and a 64-byte salt.
    case rsaPSSSHA512 = "rsa-pss-sha512"
    /// HMAC with SHA-256 over a shared secret.
    case hmacSHA256 = "hmac-sha256"
    /// ECDSA on P-256 with SHA-256; signatures are raw `r || s`, 64 bytes.
    case ecdsaP256SHA256 = "ecdsa-p256-sha256"

    /// Whether draft-cavage's `algorithm="rsa-sha256"` (and other deprecated
    /// names) describes this algorithm.
    func matchesCavageName(_ name: String) -> Bool {
        switch name.lowercased() {
        case "hs2019": true
        case "rsa-sha256": self == .rsaV1_5SHA256
        case "hmac-sha256": self == .hmacSHA256
        case "ecdsa-sha256": self == .ecdsaP256SHA256
        case "ed25519": self == .ed25519
        default: false
        }
    }

    /// The `algorithm` value a draft-cavage signer writes for this algorithm:
    /// `rsa-sha256` for PKCS#1 v1.5, which is what Mastodon checks, and
    /// `hs2019` (algorithm taken from the key) for the others.
    var cavageName: String {
        self == .rsaV1_5SHA256 ? "rsa-sha256" : "hs2019"
    }
}
