import Foundation

/// Verifies the signature of an incoming request under a
/// `SignatureVerificationPolicy`: what the inbox and signed fetches call.
///
/// A request with `Signature-Input` is checked as RFC 9421; otherwise a
/// `Signature` header is checked as draft-cavage (if the policy accepts it).
/// Checks run cheapest first — syntax, freshness, coverage, the content digest
/// over `request.body` (the raw bytes received) — and only then is the key
/// resolved and the signature verified. The algorithm is always the key's.
/// For RFC 9421 the signatures are tried in `Signature-Input` order, up to the
/// policy's count; the first that passes is returned, otherwise the first
/// failure is thrown.
///
/// A success says which key signed; the caller must still check that the key
/// belongs to the activity's actor and deduplicate activity ids.
public struct RequestSignatureVerifier: Sendable {
    public var policy: SignatureVerificationPolicy

    public init(policy: SignatureVerificationPolicy = SignatureVerificationPolicy()) {
        self.policy = policy
    }

    /// Verifies `request` at time `now`, resolving keys with `keys`.
    ///
    /// - Throws: `HTTPSignatureError` (`.missingSignature`, `.malformedHeader`,
    ///   `.componentNotCovered`, `.expired`, `.notYetValid`, `.missingDigest`,
    ///   `.digestMismatch`, `.unsupportedAlgorithm`, `.algorithmMismatch`,
    ///   `.badSignature`, …), or whatever `keys` throws.
    public func verify(
        _ request: SignableRequest,
        now: Date = Date(),
        keys: some VerificationKeyResolver
    ) async throws -> VerifiedSignature {
        if request.headers.contains(HTTPMessageSignature.inputFieldName) {
            return try await verifyRFC9421(request, now: now, keys: keys)
        }
        if policy.acceptsDraftCavage, request.headers.contains(CavageSignature.fieldName) {
            return try await verifyCavage(request, now: now, keys: keys)
        }
        throw HTTPSignatureError.missingSignature
    }

    /// Verifies `request`, resolving keys with a closure.
    public func verify(
        _ request: SignableRequest,
        now: Date = Date(),
        keyLookup: @escaping @Sendable (String) async throws -> MessageVerificationKey
    ) async throws -> VerifiedSignature {
        try await verify(request, now: now, keys: ClosureKeyResolver(keyLookup))
    }

    // MARK: RFC 9421

    private func verifyRFC9421(
        _ request: SignableRequest, now: Date, keys: some VerificationKeyResolver
    ) async throws -> VerifiedSignature {
        let signatures = try HTTPMessageSignature.signatures(in: request.headers)
        guard !signatures.isEmpty else { throw HTTPSignatureError.missingSignature }
        var firstError: Error?
        for signature in signatures.prefix(max(1, policy.maximumSignatureCount)) {
            do {
                return try await verify(signature, of: request, now: now, keys: keys)
            } catch {
                firstError = firstError ?? error
            }
        }
        throw firstError ?? HTTPSignatureError.missingSignature
    }

    private func verify(
        _ signature: HTTPMessageSignature, of request: SignableRequest, now: Date,
        keys: some VerificationKeyResolver
    ) async throws -> VerifiedSignature {
        let parameters = signature.parameters
        guard let keyID = parameters.keyID, !keyID.isEmpty else {
            throw HTTPSignatureError.malformedHeader.with(detail: "label \(signature.label) has no keyid")
        }
        if let name = parameters.algorithmName {
            guard let algorithm = SignatureAlgorithm(rawValue: name) else {
                throw HTTPSignatureError.unsupportedAlgorithm.with(detail: "alg \(name)")
            }
            guard policy.allowedAlgorithms.contains(algorithm) else {
                throw HTTPSignatureError.unsupportedAlgorithm.with(detail: "alg \(name) not allowed")
            }
        }
        try policy.checkTimes(created: parameters.created, expires: parameters.expires, now: now)
        try checkCoverage(of: parameters.components, for: request)
        let body = request.body ?? []
        if !body.isEmpty || parameters.components.contains(.contentDigest) {
            guard let field = request.headers[ContentDigest.fieldName] else {
                throw HTTPSignatureError.missingDigest
            }
            try ContentDigest(parsing: field).verify(content: body)
        }
        let key = try await keys.verificationKey(forKeyID: keyID)
        guard policy.allowedAlgorithms.contains(key.algorithm) else {
            throw HTTPSignatureError.unsupportedAlgorithm.with(detail: "key algorithm \(key.algorithm.rawValue)")
        }
        try signature.verify(message: .request(request), key: key, structuredFields: policy.structuredFields)
        return VerifiedSignature(
            scheme: .rfc9421, keyID: keyID, label: signature.label, algorithm: key.algorithm,
            created: parameters.created, coveredComponents: parameters.components.map(\.description))
    }

    private func checkCoverage(of components: [HTTPSignatureComponent], for request: SignableRequest) throws {
        func require(_ component: HTTPSignatureComponent) throws {
            guard components.contains(component) else {
                throw HTTPSignatureError.componentNotCovered.with(detail: component.description)
            }
        }
        try require(.method)
        if !components.contains(.targetURI) {
            do {
                try require(.authority)
                try require(.path)
                if request.query != nil { try require(.query) }
            } catch {
                throw HTTPSignatureError.componentNotCovered.with(detail: "\"@target-uri\"")
            }
        }
        if let body = request.body, !body.isEmpty { try require(.contentDigest) }
        for component in policy.additionalRequiredComponents { try require(component) }
    }

    // MARK: draft-cavage

    private func verifyCavage(
        _ request: SignableRequest, now: Date, keys: some VerificationKeyResolver
    ) async throws -> VerifiedSignature {
        let lines = request.headers.values(named: CavageSignature.fieldName)
        guard lines.count == 1 else {
            throw HTTPSignatureError.malformedHeader.with(detail: "several Signature headers")
        }
        let signature = try CavageSignature(parsing: lines[0])
        let covered = Set(signature.headers)
        let hasBody = request.body.map { !$0.isEmpty } ?? false
        var required = ["(request-target)", "host"]
        if hasBody { required.append("digest") }
        for name in required where !covered.contains(name) {
            throw HTTPSignatureError.componentNotCovered.with(detail: name)
        }
        guard covered.contains("date") || covered.contains("(created)") else {
            throw HTTPSignatureError.componentNotCovered.with(detail: "date")
        }
        var created: Date?
        if covered.contains("(created)") {
            guard let value = signature.created else {
                throw HTTPSignatureError.malformedHeader.with(detail: "(created) covered without created")
            }
            created = value
        }
        if covered.contains("date") {
            guard let field = request.headers["date"], let date = IMFFixdate.date(from: field) else {
                throw HTTPSignatureError.malformedHeader.with(detail: "Date is missing or not an HTTP date")
            }
            try policy.checkTimes(created: date, expires: nil, now: now)
            created = created ?? date
        }
        try policy.checkTimes(created: created, expires: signature.expires, now: now)
        if hasBody || covered.contains("digest") {
            let body = request.body ?? []
            guard let field = request.headers[LegacyDigest.fieldName] else {
                throw HTTPSignatureError.missingDigest
            }
            try LegacyDigest(parsing: field).verify(content: body)
        }
        let key = try await keys.verificationKey(forKeyID: signature.keyID)
        guard policy.allowedAlgorithms.contains(key.algorithm) else {
            throw HTTPSignatureError.unsupportedAlgorithm.with(detail: "key algorithm \(key.algorithm.rawValue)")
        }
        try signature.verify(request: request, key: key)
        return VerifiedSignature(
            scheme: .draftCavage, keyID: signature.keyID, label: nil, algorithm: key.algorithm,
            created: created, coveredComponents: signature.headers)
    }
}
