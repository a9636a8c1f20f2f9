import Foundation

/// What an incoming request's signature must satisfy beyond being valid.
///
/// The defaults suit a federation inbox and signed fetches:
///
/// | rule | default |
/// | --- | --- |
/// | creation time (`created`, or a covered `Date` for draft-cavage) | required |
/// | oldest accepted creation time | 1 hour ago (`maximumAge`) |
/// | clock skew tolerated for times in the future and for `expires` | 5 minutes |
/// | algorithms | Ed25519, RSA PKCS#1 v1.5, RSA-PSS, ECDSA P-256; not HMAC |
/// | draft-cavage signatures | accepted |
/// | signatures tried per request | 3 |
///
/// Required coverage is fixed by the scheme and not configurable downward:
/// RFC 9421 signatures must cover `@method`, the target (`@target-uri`, or
/// `@authority` with `@path` and, when the URL has one, `@query`) and, when
/// the request has content, `content-digest`; draft-cavage signatures must
/// cover `(request-target)`, `host`, `date` or `(created)`, and `digest` for
/// content. `additionalRequiredComponents` adds to the RFC 9421 list.
public struct SignatureVerificationPolicy: Sendable {
    /// How old (seconds) a signature's creation time may be.
    public var maximumAge: TimeInterval
    /// How far (seconds) clocks may disagree: creation times up to this far in
    /// the future, and `expires` up to this far in the past, are accepted.
    public var maximumClockSkew: TimeInterval
    /// Whether a creation time is required.
    public var requiresCreationTime: Bool
    /// The algorithms accepted; a key bound to another algorithm is refused.
    public var allowedAlgorithms: Set<SignatureAlgorithm>
    /// Whether draft-cavage `Signature` headers are accepted.
    public var acceptsDraftCavage: Bool
    /// Components every RFC 9421 signature must cover as well.
    public var additionalRequiredComponents: [HTTPSignatureComponent]
    /// How many RFC 9421 signatures of one request are tried, in order.
    public var maximumSignatureCount: Int
    /// Field types for components covered with `;sf` or `;key`.
    public var structuredFields: [String: StructuredFieldType]

    public init(
        maximumAge: TimeInterval = 3600,
        maximumClockSkew: TimeInterval = 300,
        requiresCreationTime: Bool = true,
        allowedAlgorithms: Set<SignatureAlgorithm> = [.ed25519, .rsaV1_5SHA256, .rsaPSSSHA512, .ecdsaP256SHA256],
        acceptsDraftCavage: Bool = true,
        additionalRequiredComponents: [HTTPSignatureComponent] = [],
        maximumSignatureCount: Int = 3,
        structuredFields: [String: StructuredFieldType] = StructuredFieldType.knownFields
    ) {
        self.maximumAge = maximumAge
        self.maximumClockSkew = maximumClockSkew
        self.requiresCreationTime = requiresCreationTime
        self.allowedAlgorithms = allowedAlgorithms
        self.acceptsDraftCavage = acceptsDraftCavage
        self.additionalRequiredComponents = additionalRequiredComponents
        self.maximumSignatureCount = maximumSignatureCount
        self.structuredFields = structuredFields
    }

    /// Checks a creation time and an expiry time against `now`.
    func checkTimes(created: Date?, expires: Date?, now: Date) throws {
        if let created {
            if created.timeIntervalSince(now) > maximumClockSkew {
                throw HTTPSignatureError.notYetValid
            }
            if now.timeIntervalSince(created) > maximumAge {
                throw HTTPSignatureError.expired.with(detail: "created too long ago")
            }
        } else if requiresCreationTime {
            throw HTTPSignatureError.missingTimestamp
        }
        if let expires, now.timeIntervalSince(expires) > maximumClockSkew {
            throw HTTPSignatureError.expired.with(detail: "expires has passed")
        }
    }
}
