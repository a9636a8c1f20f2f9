import Foundation

/// Signs outgoing requests with a draft-cavage-12 `Signature` header, the way
/// Mastodon expects: RSA keys sign `rsa-sha256` (PKCS#1 v1.5, SHA-256) over
/// `(request-target) host date` plus `digest` for a body.
///
/// Signing sets `Host` (when absent), `Date` (to the signing time) and, for a
/// body, a SHA-256 `Digest`, then replaces any `Signature` header. A request
/// cannot carry both a cavage and an RFC 9421 signature, since both use the
/// `Signature` field: sign each delivery attempt with one scheme.
public struct CavageSigner: Sendable {
    /// The signing key; its algorithm is the signature's algorithm.
    public var key: MessageSigningKey
    /// The `keyId` peers resolve (for actors, the key's URL, e.g. `…#main-key`).
    public var keyID: String

    public init(key: MessageSigningKey, keyID: String) {
        self.key = key
        self.keyID = keyID
    }

    /// The headers covered by default: `(request-target) host date`, plus
    /// `digest` when there is a body.
    public static func defaultHeaders(hasBody: Bool) -> [String] {
        hasBody ? ["(request-target)", "host", "date", "digest"] : ["(request-target)", "host", "date"]
    }

    /// Signs `request`.
    ///
    /// - Parameters:
    ///   - headers: the covered header names; `nil` takes `defaultHeaders`.
    ///     Covering `(created)` or `(expires)` writes `algorithm="hs2019"`,
    ///     since the draft forbids them with `rsa-sha256`.
    ///   - date: the signing time, written to `Date` and, when covered, `created`.
    ///   - expires: the `expires` time; required when `(expires)` is covered.
    /// - Throws: `HTTPSignatureError` when a covered header is missing.
    public func sign(
        _ request: inout SignableRequest,
        covering headers: [String]? = nil,
        date: Date = Date(),
        expires: Date? = nil
    ) throws {
        let hasBody = request.body.map { !$0.isEmpty } ?? false
        let headers = (headers ?? Self.defaultHeaders(hasBody: hasBody)).map { $0.lowercased() }
        if !request.headers.contains("host") {
            request.headers.append(name: "Host", value: request.authority)
        }
        request.headers.replaceValues(named: "Date", with: IMFFixdate.string(from: date))
        if headers.contains("digest"), let body = request.body {
            request.headers.replaceValues(named: LegacyDigest.fieldName, with: LegacyDigest(content: body).fieldValue)
        }
        let usesTimestamps = headers.contains("(created)") || headers.contains("(expires)")
        var signature = CavageSignature(
            keyID: keyID,
            algorithmName: usesTimestamps ? "hs2019" : key.algorithm.cavageName,
            headers: headers,
            created: usesTimestamps ? date : nil,
            expires: expires,
            signature: []
        )
        signature.signature = try key.signature(for: Array(try signature.signingString(for: request).utf8))
        request.headers.replaceValues(named: CavageSignature.fieldName, with: signature.fieldValue)
    }
}
