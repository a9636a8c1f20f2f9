extension HTTPMessageSignature {
    /// Checks the cryptographic signature over `request` with `key`, and
    /// nothing else.
    ///
    /// This is RFC 9421 section 3.2 steps 6 to 9: the algorithm is the key's;
    /// an `alg` parameter naming another algorithm is refused. Freshness,
    /// required coverage and digests are application policy: use
    /// `RequestSignatureVerifier` for incoming requests.
    /// - Throws: `HTTPSignatureError.algorithmMismatch`, `.unsupportedAlgorithm`,
    ///   a component error, or `.badSignature`.
    public func verify(
        request: SignableRequest,
        key: MessageVerificationKey,
        structuredFields: [String: StructuredFieldType] = StructuredFieldType.knownFields
    ) throws {
        try verify(message: .request(request), key: key, structuredFields: structuredFields)
    }

    /// Checks the cryptographic signature over `response` with `key`, and
    /// nothing else; see `verify(request:key:structuredFields:)`.
    public func verify(
        response: SignableResponse,
        key: MessageVerificationKey,
        structuredFields: [String: StructuredFieldType] = StructuredFieldType.knownFields
    ) throws {
        try verify(message: .response(response), key: key, structuredFields: structuredFields)
    }

    func verify(message: SignedMessage, key: MessageVerificationKey,
                structuredFields: [String: StructuredFieldType]) throws {
        try checkAlgorithm(of: key)
        let base = try HTTPSignatureBase(message: message, parameters: parameters, structuredFields: structuredFields)
        guard key.isValidSignature(signature, for: base.bytes) else {
            throw HTTPSignatureError.badSignature.with(detail: "label \(label)")
        }
    }

    /// Refuses an `alg` parameter that is unknown or names another algorithm
    /// than the key's.
    func checkAlgorithm(of key: MessageVerificationKey) throws {
        guard let name = parameters.algorithmName else { return }
        guard let named = SignatureAlgorithm(rawValue: name) else {
            throw HTTPSignatureError.unsupportedAlgorithm.with(detail: "alg \(name)")
        }
        guard named == key.algorithm else {
            throw HTTPSignatureError.algorithmMismatch.with(detail: "alg \(name), key \(key.algorithm.rawValue)")
        }
    }
}
