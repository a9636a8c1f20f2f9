import Foundation
import Synchronization
import Testing

@testable import Federation

/// The inbox-facing policy verifier, with RFC 9421 signatures.
@Suite("Request verification policy (RFC 9421)")
struct RequestSignatureVerifierTests {
    static let keyID = "https://meent.example/actors/alice#ed25519-key"
    static let signedAt = Date(timeIntervalSince1970: 1_750_000_000)
    static let activity = Array(#"{"type":"Create","actor":"https://meent.example/actors/alice"}"#.utf8)

    let edKey = MessageSigningKey.makeEd25519()

    /// Resolves `keyID` to `key` and counts lookups.
    final class Keys: VerificationKeyResolver {
        let keys: [String: MessageVerificationKey]
        let lookups = Mutex(0)

        init(_ keys: [String: MessageVerificationKey]) { self.keys = keys }

        func verificationKey(forKeyID keyID: String) async throws -> MessageVerificationKey {
            lookups.withLock { $0 += 1 }
            guard let key = keys[keyID] else { throw HTTPSignatureError.keyNotFound }
            return key
        }
    }

    func inboxPost(body: [UInt8] = activity) throws -> SignableRequest {
        try SignableRequest(method: "POST", url: "https://remote.example/users/bob/inbox",
                            headers: ["Content-Type": "application/activity+json"], body: body)
    }

    func signed(_ request: SignableRequest, with key: MessageSigningKey? = nil, keyID: String = Self.keyID,
                covering components: [HTTPSignatureComponent]? = nil,
                at time: Date = Self.signedAt, lifetime: TimeInterval? = nil) throws -> SignableRequest {
        var request = request
        let signer = HTTPMessageSigner(key: key ?? edKey, keyID: keyID, lifetime: lifetime)
        try signer.sign(&request, covering: components, created: time)
        return request
    }

    func verify(_ request: SignableRequest, at time: Date = Self.signedAt.addingTimeInterval(5),
                keys: Keys? = nil, policy: SignatureVerificationPolicy = SignatureVerificationPolicy()
    ) async throws -> VerifiedSignature {
        try await RequestSignatureVerifier(policy: policy)
            .verify(request, now: time, keys: keys ?? Keys([Self.keyID: edKey.verificationKey]))
    }

    @Test("a signed POST verifies and says who signed")
    func signedPostVerifies() async throws {
        let request = try signed(try inboxPost())
        #expect(request.headers["content-digest"] == ContentDigest(content: Self.activity).fieldValue)
        #expect(request.headers["signature-input"]
                == #"sig1=("@method" "@target-uri" "content-digest");created=1750000000;keyid="\#(Self.keyID)";alg="ed25519""#)
        let result = try await verify(request)
        #expect(result == VerifiedSignature(scheme: .rfc9421, keyID: Self.keyID, label: "sig1", algorithm: .ed25519,
                                            created: Self.signedAt,
                                            coveredComponents: [#""@method""#, #""@target-uri""#, #""content-digest""#]))
    }

    @Test("a signed GET without a body needs no digest")
    func signedGetVerifies() async throws {
        let get = try SignableRequest(method: "GET", url: "https://remote.example/groups/g/outbox?page=2")
        let request = try signed(get)
        #expect(!request.headers.contains("content-digest"))
        #expect(try await verify(request).keyID == Self.keyID)
    }

    @Test("a tampered body is refused as a digest mismatch before any key lookup")
    func tamperedBody() async throws {
        var request = try signed(try inboxPost())
        request.body = Array(#"{"type":"Delete","actor":"https://meent.example/actors/alice"}"#.utf8)
        let keys = Keys([Self.keyID: edKey.verificationKey])
        await #expect(throws: HTTPSignatureError.digestMismatch) { try await verify(request, keys: keys) }
        #expect(keys.lookups.withLock { $0 } == 0)

        // Recomputing the digest does not help: the digest header is signed.
        request.headers.replaceValues(named: "Content-Digest", with: ContentDigest(content: request.body!).fieldValue)
        await #expect(throws: HTTPSignatureError.badSignature) { try await verify(request) }
    }

    @Test("a tampered covered header or target is refused as a bad signature")
    func tamperedHeaders() async throws {
        let original = try signed(try inboxPost(), covering: [.method, .targetURI, .contentDigest, .field("content-type")])
        _ = try await verify(original)

        var contentType = original
        contentType.headers.replaceValues(named: "Content-Type", with: "text/html")
        await #expect(throws: HTTPSignatureError.badSignature) { try await verify(contentType) }

        var path = original
        path.path = "/users/mallory/inbox"
        await #expect(throws: HTTPSignatureError.badSignature) { try await verify(path) }

        var method = original
        method.method = "PUT"
        await #expect(throws: HTTPSignatureError.badSignature) { try await verify(method) }

        var removed = original
        removed.headers.removeAll(named: "Content-Type")
        await #expect(throws: HTTPSignatureError.missingComponent) { try await verify(removed) }

        var flipped = try #require(try HTTPMessageSignature.signatures(in: original.headers).first)
        flipped.signature[0] ^= 0x01
        var signature = original
        signature.headers.removeAll(named: "Signature-Input")
        signature.headers.removeAll(named: "Signature")
        try flipped.append(to: &signature.headers)
        await #expect(throws: HTTPSignatureError.badSignature) { try await verify(signature) }

        // Changing a signed parameter (created) breaks the signature too.
        var input = original
        let signatureInput = try #require(original.headers["signature-input"])
        input.headers.replaceValues(named: "Signature-Input",
                                    with: signatureInput.replacingOccurrences(of: "created=1750000000", with: "created=1750000004"))
        await #expect(throws: HTTPSignatureError.badSignature) { try await verify(input) }
    }

    @Test("the algorithm comes from the key: alg naming another one is refused")
    func algorithmMismatch() async throws {
        let vectors = try RFC9421Vectors.load()
        let rsaPEM = try #require(vectors.keys["test-key-rsa"]?.private_pem)
        let rsa = try MessageSigningKey(pemRepresentation: rsaPEM)
        let request = try signed(try inboxPost(), with: rsa)
        #expect(request.headers["signature-input"]?.contains(#"alg="rsa-v1_5-sha256""#) == true)
        _ = try await verify(request, keys: Keys([Self.keyID: rsa.verificationKey]))

        // The same RSA key, known to the verifier as a PSS key: refused before crypto.
        let asPSS = try MessageVerificationKey(pemRepresentation: try #require(vectors.keys["test-key-rsa"]?.public_pem),
                                               algorithm: .rsaPSSSHA512)
        await #expect(throws: HTTPSignatureError.algorithmMismatch) {
            try await verify(request, keys: Keys([Self.keyID: asPSS]))
        }
        // The key id resolves to an Ed25519 key while alg says RSA.
        await #expect(throws: HTTPSignatureError.algorithmMismatch) {
            try await verify(request, keys: Keys([Self.keyID: edKey.verificationKey]))
        }
        // Without alg, the key's algorithm is used and the RSA signature does not verify under Ed25519.
        var noAlg = try inboxPost()
        try HTTPMessageSigner(key: rsa, keyID: Self.keyID, includesAlgorithm: false).sign(&noAlg, created: Self.signedAt)
        await #expect(throws: HTTPSignatureError.badSignature) {
            try await verify(noAlg, keys: Keys([Self.keyID: edKey.verificationKey]))
        }
        // An unknown alg is refused.
        var unknown = request
        unknown.headers.replaceValues(named: "Signature-Input",
                                      with: try #require(request.headers["signature-input"]).replacingOccurrences(of: "rsa-v1_5-sha256", with: "rsa-sha1"))
        await #expect(throws: HTTPSignatureError.unsupportedAlgorithm) {
            try await verify(unknown, keys: Keys([Self.keyID: rsa.verificationKey]))
        }
    }

    @Test("freshness: created within the window, not in the future, expires honoured")
    func freshness() async throws {
        let request = try signed(try inboxPost())
        _ = try await verify(request, at: Self.signedAt.addingTimeInterval(3599))
        await #expect(throws: HTTPSignatureError.expired) {
            try await verify(request, at: Self.signedAt.addingTimeInterval(3601))
        }
        _ = try await verify(request, at: Self.signedAt.addingTimeInterval(-299))
        await #expect(throws: HTTPSignatureError.notYetValid) {
            try await verify(request, at: Self.signedAt.addingTimeInterval(-301))
        }
        let strict = SignatureVerificationPolicy(maximumAge: 30, maximumClockSkew: 0)
        await #expect(throws: HTTPSignatureError.expired) {
            try await verify(request, at: Self.signedAt.addingTimeInterval(31), policy: strict)
        }

        let shortLived = try signed(try inboxPost(), lifetime: 60)
        #expect(shortLived.headers["signature-input"]?.contains("expires=1750000060") == true)
        _ = try await verify(shortLived, at: Self.signedAt.addingTimeInterval(60 + 299))
        await #expect(throws: HTTPSignatureError.expired) {
            try await verify(shortLived, at: Self.signedAt.addingTimeInterval(60 + 301))
        }

        // A signature without created is refused unless the policy allows it.
        var undated = try inboxPost()
        undated.headers.append(name: "Content-Digest", value: ContentDigest(content: Self.activity).fieldValue)
        let parameters = HTTPSignatureParameters(components: [.method, .targetURI, .contentDigest], keyID: Self.keyID)
        let base = try HTTPSignatureBase(request: undated, parameters: parameters)
        try HTTPMessageSignature(label: "sig1", parameters: parameters, signature: try edKey.signature(for: base.bytes))
            .append(to: &undated.headers)
        await #expect(throws: HTTPSignatureError.missingTimestamp) { try await verify(undated) }
        _ = try await verify(undated, policy: SignatureVerificationPolicy(requiresCreationTime: false))
    }

    @Test("a POST must cover method, target and content-digest")
    func coverage() async throws {
        // A correct Content-Digest that the signature does not cover is not enough.
        var uncovered = try inboxPost()
        uncovered.headers.append(name: "Content-Digest", value: ContentDigest(content: Self.activity).fieldValue)
        uncovered = try signed(uncovered, covering: [.method, .targetURI])
        await #expect(throws: HTTPSignatureError.componentNotCovered) { try await verify(uncovered) }
        await #expect(throws: HTTPSignatureError.componentNotCovered) {
            try await verify(try signed(try inboxPost(), covering: [.targetURI, .contentDigest]))
        }
        await #expect(throws: HTTPSignatureError.componentNotCovered) {
            try await verify(try signed(try inboxPost(), covering: [.method, .path, .contentDigest]))
        }
        // @authority with @path stands in for @target-uri; with a query, @query too.
        _ = try await verify(try signed(try inboxPost(), covering: [.method, .authority, .path, .contentDigest]))
        let withQuery = try SignableRequest(method: "GET", url: "https://remote.example/outbox?page=2")
        await #expect(throws: HTTPSignatureError.componentNotCovered) {
            try await verify(try signed(withQuery, covering: [.method, .authority, .path]))
        }
        _ = try await verify(try signed(withQuery, covering: [.method, .authority, .path, .query]))
        // Policies can require more.
        let policy = SignatureVerificationPolicy(additionalRequiredComponents: [.field("content-type")])
        await #expect(throws: HTTPSignatureError.componentNotCovered) {
            try await verify(try signed(try inboxPost()), policy: policy)
        }
    }

    @Test("missing or unusable signatures, digests and keys")
    func missingPieces() async throws {
        await #expect(throws: HTTPSignatureError.missingSignature) { try await verify(try inboxPost()) }

        var noDigest = try signed(try inboxPost(), covering: [.method, .targetURI, .contentDigest])
        noDigest.headers.removeAll(named: "Content-Digest")
        await #expect(throws: HTTPSignatureError.missingDigest) { try await verify(noDigest) }

        var md5Only = try signed(try inboxPost())
        md5Only.headers.replaceValues(named: "Content-Digest", with: "md5=:AAAA:")
        await #expect(throws: HTTPSignatureError.unsupportedDigestAlgorithm) { try await verify(md5Only) }

        // A covered digest of no content is checked against empty content.
        let get = try SignableRequest(method: "GET", url: "https://remote.example/outbox",
                                      headers: ["Content-Digest": ContentDigest(content: []).fieldValue])
        _ = try await verify(try signed(get, covering: [.method, .targetURI, .contentDigest]))
        var wrongEmpty = get
        wrongEmpty.headers.replaceValues(named: "Content-Digest", with: ContentDigest(content: [0]).fieldValue)
        await #expect(throws: HTTPSignatureError.digestMismatch) {
            try await verify(try signed(wrongEmpty, covering: [.method, .targetURI, .contentDigest]))
        }

        let request = try signed(try inboxPost())
        await #expect(throws: HTTPSignatureError.keyNotFound) { try await verify(request, keys: Keys([:])) }

        // The resolver's own errors reach the caller unchanged.
        struct FetchFailed: Error {}
        await #expect(throws: FetchFailed.self) {
            try await RequestSignatureVerifier().verify(request, now: Self.signedAt, keyLookup: { _ in throw FetchFailed() })
        }

        var garbage = try inboxPost()
        garbage.headers.append(name: "Signature-Input", value: "sig1=(")
        garbage.headers.append(name: "Signature", value: "sig1=:AAAA:")
        await #expect(throws: HTTPSignatureError.malformedHeader) { try await verify(garbage) }
    }

    @Test("HMAC shared secrets are refused unless the policy allows them")
    func hmacPolicy() async throws {
        let secret = try MessageSigningKey(hmacSecret: Array("shared secret of two nodes".utf8))
        let request = try signed(try inboxPost(), with: secret)
        let keys = Keys([Self.keyID: secret.verificationKey])
        await #expect(throws: HTTPSignatureError.unsupportedAlgorithm) { try await verify(request, keys: keys) }
        var policy = SignatureVerificationPolicy()
        policy.allowedAlgorithms.insert(.hmacSHA256)
        #expect(try await verify(request, keys: keys, policy: policy).algorithm == .hmacSHA256)
    }

    @Test("a second signature is added beside the first and either can be verified")
    func twoSigners() async throws {
        let rsa = try MessageSigningKey(pemRepresentation: try #require(try RFC9421Vectors.load().keys["test-key-rsa"]?.private_pem))
        var request = try signed(try inboxPost())
        try HTTPMessageSigner(key: rsa, keyID: "rsa", label: "mastodon").sign(&request, created: Self.signedAt)
        #expect(request.headers.values(named: "Signature-Input").count == 2)
        #expect(throws: HTTPSignatureError.malformedHeader) {
            try HTTPMessageSigner(key: rsa, keyID: "rsa", label: "mastodon").sign(&request, created: Self.signedAt)
        }
        let onlyRSA = Keys(["rsa": rsa.verificationKey])
        let result = try await verify(request, keys: onlyRSA)
        #expect(result.label == "mastodon")
        // With a budget of one signature, only the first (unresolvable) one is tried.
        await #expect(throws: HTTPSignatureError.keyNotFound) {
            try await verify(request, keys: onlyRSA, policy: SignatureVerificationPolicy(maximumSignatureCount: 1))
        }
    }

    @Test("errors have short, fixed descriptions and compare by kind")
    func errorShape() {
        #expect(HTTPSignatureError.badSignature.description == "bad signature")
        #expect(HTTPSignatureError.digestMismatch.with(detail: "sha-256") == .digestMismatch)
        #expect(HTTPSignatureError.digestMismatch.with(detail: "sha-256").description == "digest mismatch")
        #expect(HTTPSignatureError.expired != .notYetValid)
        #expect(HTTPSignatureError.malformedHeader.with(detail: String(repeating: "x", count: 1000)).detail?.count == 200)
    }
}
