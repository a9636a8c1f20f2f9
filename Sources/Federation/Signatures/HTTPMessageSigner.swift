import Foundation

/// Signs outgoing requests and responses with RFC 9421 HTTP message signatures.
///
/// Signing adds one `Signature-Input` and one `Signature` line under `label`
/// and leaves existing signatures in place. Sign at send time, after the body
/// is final: the digest and `created` are taken then.
public struct HTTPMessageSigner: Sendable {
    /// The signing key; its algorithm is the signature's algorithm.
    public var key: MessageSigningKey
    /// The `keyid` peers resolve to the public key (for actors, the key's URL).
    public var keyID: String
    /// The signature label.
    public var label: String
    /// Whether to write the `alg` parameter. Verifiers take the algorithm from
    /// the key, so this is informational; Mastodon accepts it.
    public var includesAlgorithm: Bool
    /// How long after `created` the signature expires (`expires`), or `nil`
    /// to leave expiry to the verifier.
    public var lifetime: TimeInterval?

    public init(
        key: MessageSigningKey,
        keyID: String,
        label: String = "sig1",
        includesAlgorithm: Bool = true,
        lifetime: TimeInterval? = nil
    ) {
        self.key = key
        self.keyID = keyID
        self.label = label
        self.includesAlgorithm = includesAlgorithm
        self.lifetime = lifetime
    }

    /// The components covered by default: `@method` and `@target-uri`, plus
    /// `content-digest` when there is a body — what Mastodon requires.
    public static func defaultComponents(hasBody: Bool) -> [HTTPSignatureComponent] {
        hasBody ? [.method, .targetURI, .contentDigest] : [.method, .targetURI]
    }

    /// Signs a request.
    ///
    /// When the request has a body and covers `content-digest`, a
    /// `Content-Digest` (SHA-256) computed over `request.body` replaces any
    /// existing one.
    /// - Parameters:
    ///   - components: what to cover; `nil` takes `defaultComponents`.
    ///   - created: the signing time.
    /// - Throws: `HTTPSignatureError` when a component cannot be resolved or
    ///   the label is taken.
    public func sign(
        _ request: inout SignableRequest,
        covering components: [HTTPSignatureComponent]? = nil,
        created: Date = Date(),
        nonce: String? = nil,
        tag: String? = nil
    ) throws {
        let hasBody = request.body.map { !$0.isEmpty } ?? false
        let components = components ?? Self.defaultComponents(hasBody: hasBody)
        if components.contains(.contentDigest), let body = request.body {
            request.headers.replaceValues(named: ContentDigest.fieldName,
                                          with: ContentDigest(content: body).fieldValue)
        }
        let parameters = makeParameters(components, created: created, nonce: nonce, tag: tag)
        // Serialised once, for the base's last line and for `Signature-Input`.
        let serialized = try parameters.serialized()
        let base = try HTTPSignatureBase(message: .request(request), parameters: parameters,
                                         structuredFields: StructuredFieldType.knownFields, serializedParameters: serialized)
        let signature = HTTPMessageSignature(label: label, parameters: parameters,
                                             signature: try key.signature(for: base.bytes))
        try signature.append(to: &request.headers, serializedParameters: serialized)
    }

    /// Signs a response; components flagged `req` come from `response.request`.
    ///
    /// When the response has a body and covers `content-digest`, a
    /// `Content-Digest` (SHA-256) is written as for requests.
    /// - Throws: `HTTPSignatureError` when a component cannot be resolved or
    ///   the label is taken.
    public func sign(
        _ response: inout SignableResponse,
        covering components: [HTTPSignatureComponent],
        created: Date = Date(),
        nonce: String? = nil,
        tag: String? = nil
    ) throws {
        if components.contains(.contentDigest), let body = response.body {
            response.headers.replaceValues(named: ContentDigest.fieldName,
                                           with: ContentDigest(content: body).fieldValue)
        }
        let parameters = makeParameters(components, created: created, nonce: nonce, tag: tag)
        let base = try HTTPSignatureBase(response: response, parameters: parameters)
        let signature = HTTPMessageSignature(label: label, parameters: parameters,
                                             signature: try key.signature(for: base.bytes))
        try signature.append(to: &response.headers)
    }

    private func makeParameters(
        _ components: [HTTPSignatureComponent], created: Date, nonce: String?, tag: String?
    ) -> HTTPSignatureParameters {
        HTTPSignatureParameters(
            components: components,
            created: created,
            keyID: keyID,
            algorithm: includesAlgorithm ? key.algorithm : nil,
            expires: lifetime.map { created.addingTimeInterval($0) },
            nonce: nonce,
            tag: tag
        )
    }
}
