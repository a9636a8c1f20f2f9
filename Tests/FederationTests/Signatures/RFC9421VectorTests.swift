import Foundation
import Testing

@testable import Federation

/// Every case of RFC 9421 Appendix B (appendix-b-vectors.json), byte for byte.
@Suite("RFC 9421 Appendix B vectors")
struct RFC9421VectorTests {
    static let caseNames = ["B.2.1", "B.2.2", "B.2.3", "B.2.4", "B.2.5", "B.2.6"]

    @Test("the vector file is present and has every case")
    func vectorFileIsComplete() throws {
        let vectors = try RFC9421Vectors.load()
        #expect(vectors.cases.map(\.name) == Self.caseNames)
        #expect(vectors.extra.keys.sorted() == ["s4.3_proxy_sig_rsa-v1_5-sha256"])
    }

    /// The message a case signs: the test request, or the test response.
    ///
    /// The response's `Content-Digest` in the RFC's Appendix B.2 text is not
    /// the digest of its body, while the B.2.4 signature base carries the
    /// right one. The test shows the printed header is refused and signs the
    /// response with the digest computed from the body.
    private func message(for testCase: RFC9421Vectors.Case, in vectors: RFC9421Vectors) throws -> SignedMessage {
        guard testCase.message == "test-response" else { return .request(try vectors.request()) }
        var response = try vectors.response()
        let body = try #require(response.body)
        let printed = try ContentDigest(parsing: try #require(response.headers["content-digest"]))
        #expect(throws: HTTPSignatureError.digestMismatch) { try printed.verify(content: body) }
        response.headers.replaceValues(named: "Content-Digest",
                                       with: ContentDigest(content: body, algorithms: [.sha512]).fieldValue)
        return .response(response)
    }

    private func parsedSignature(_ testCase: RFC9421Vectors.Case) throws -> HTTPMessageSignature {
        let headers: HTTPHeaderFields = ["Signature-Input": testCase.signature_input, "Signature": testCase.signature]
        let signatures = try HTTPMessageSignature.signatures(in: headers)
        return try #require(signatures.count == 1 ? signatures.first : nil)
    }

    @Test("signature base is rebuilt byte for byte from the parsed Signature-Input", arguments: caseNames)
    func signatureBase(name: String) throws {
        let vectors = try RFC9421Vectors.load()
        let testCase = try #require(vectors.cases.first { $0.name == name })
        let signature = try parsedSignature(testCase)
        let base = try HTTPSignatureBase(message: try message(for: testCase, in: vectors),
                                         parameters: signature.parameters,
                                         structuredFields: StructuredFieldType.knownFields)
        #expect(base.text == testCase.signature_base)
        #expect(signature.parameters.keyID == testCase.keyid)
        // Serialising the parsed parameters gives back the member value exactly.
        let label = String(testCase.signature_input.prefix { $0 != "=" })
        #expect(signature.label == label)
        #expect("\(label)=" + (try signature.parameters.serialized()) == testCase.signature_input)
    }

    @Test("the published signature verifies with the case's key", arguments: caseNames)
    func publishedSignatureVerifies(name: String) throws {
        let vectors = try RFC9421Vectors.load()
        let testCase = try #require(vectors.cases.first { $0.name == name })
        let algorithm = try #require(SignatureAlgorithm(rawValue: testCase.alg))
        let key = try vectors.verificationKey(testCase.keyid, algorithm: algorithm)
        let signature = try parsedSignature(testCase)
        try signature.verify(message: try message(for: testCase, in: vectors), key: key,
                             structuredFields: StructuredFieldType.knownFields)

        // One flipped bit in the signature is refused.
        var tampered = signature
        tampered.signature[tampered.signature.count / 2] ^= 0x01
        #expect(throws: HTTPSignatureError.badSignature) {
            try tampered.verify(message: try message(for: testCase, in: vectors), key: key,
                                structuredFields: StructuredFieldType.knownFields)
        }
    }

    @Test("signing the base reproduces deterministic signatures; others round-trip", arguments: caseNames)
    func signing(name: String) throws {
        let vectors = try RFC9421Vectors.load()
        let testCase = try #require(vectors.cases.first { $0.name == name })
        let algorithm = try #require(SignatureAlgorithm(rawValue: testCase.alg))
        let signingKey = try vectors.signingKey(testCase.keyid, algorithm: algorithm)
        #expect(signingKey.algorithm == algorithm)
        let published = try parsedSignature(testCase).signature
        let produced = try signingKey.signature(for: Array(testCase.signature_base.utf8))
        if testCase.deterministic {
            #expect(produced == published)
        } else {
            #expect(produced != published)
        }
        let verificationKey = try vectors.verificationKey(testCase.keyid, algorithm: algorithm)
        #expect(verificationKey.isValidSignature(produced, for: Array(testCase.signature_base.utf8)))
        #expect(!verificationKey.isValidSignature(produced, for: Array((testCase.signature_base + " ").utf8)))
        // The private key's own public half agrees with the published public key.
        #expect(signingKey.verificationKey.isValidSignature(published, for: Array(testCase.signature_base.utf8)))
    }

    @Test("the signer writes the same Signature-Input and a verifiable Signature", arguments: caseNames)
    func signerRoundTrip(name: String) throws {
        let vectors = try RFC9421Vectors.load()
        let testCase = try #require(vectors.cases.first { $0.name == name })
        let algorithm = try #require(SignatureAlgorithm(rawValue: testCase.alg))
        let published = try parsedSignature(testCase)
        let parameters = published.parameters
        let signer = HTTPMessageSigner(key: try vectors.signingKey(testCase.keyid, algorithm: algorithm),
                                       keyID: testCase.keyid, label: published.label, includesAlgorithm: false)
        var signedInput: String
        var signedHeaders: HTTPHeaderFields
        switch try message(for: testCase, in: vectors) {
        case .request(var request):
            try signer.sign(&request, covering: parameters.components, created: try #require(parameters.created),
                            nonce: parameters.nonce, tag: parameters.tag)
            signedHeaders = request.headers
            let signature = try #require(try HTTPMessageSignature.signatures(in: request.headers).first)
            try signature.verify(request: request, key: try vectors.verificationKey(testCase.keyid, algorithm: algorithm))
        case .response(var response):
            try signer.sign(&response, covering: parameters.components, created: try #require(parameters.created),
                            nonce: parameters.nonce, tag: parameters.tag)
            signedHeaders = response.headers
            let signature = try #require(try HTTPMessageSignature.signatures(in: response.headers).first)
            try signature.verify(response: response, key: try vectors.verificationKey(testCase.keyid, algorithm: algorithm))
        }
        signedInput = try #require(signedHeaders["signature-input"])
        #expect(signedInput == testCase.signature_input)
        if testCase.deterministic {
            #expect(signedHeaders["signature"] == testCase.signature)
        }
    }

    @Test("section 4.3 proxy signature: rsa-v1_5-sha256 with alg and expires")
    func proxySignature() throws {
        let vectors = try RFC9421Vectors.load()
        let extra = try #require(vectors.extra["s4.3_proxy_sig_rsa-v1_5-sha256"])
        // The proxy changed the authority and added Forwarded before signing.
        var request = try vectors.request()
        request.authority = "origin.host.internal.example"
        request.headers.replaceValues(named: "Host", with: "origin.host.internal.example")
        request.headers.append(name: "Forwarded", value: "for=192.0.2.123;host=example.com;proto=https")
        let parameters = HTTPSignatureParameters(
            components: [.method, .authority, .path, .contentDigest, .field("content-type"),
                         .field("content-length"), .field("forwarded")],
            created: Date(timeIntervalSince1970: 1_618_884_480),
            keyID: extra.keyid,
            algorithm: .rsaV1_5SHA256,
            expires: Date(timeIntervalSince1970: 1_618_884_540))
        let base = try HTTPSignatureBase(request: request, parameters: parameters)
        #expect(base.text == extra.signature_base)

        let key = try vectors.signingKey(extra.keyid, algorithm: .rsaV1_5SHA256)
        #expect(extra.deterministic)
        #expect(try key.signature(for: base.bytes).base64 == extra.signature_b64)

        let published = HTTPMessageSignature(label: "proxy_sig", parameters: parameters,
                                             signature: try [UInt8](base64: extra.signature_b64))
        try published.verify(request: request, key: try vectors.verificationKey(extra.keyid, algorithm: .rsaV1_5SHA256))

        // The same RSA key bound to PSS is refused because alg says v1_5.
        let pssBound = try vectors.verificationKey(extra.keyid, algorithm: .rsaPSSSHA512)
        #expect(throws: HTTPSignatureError.algorithmMismatch) {
            try published.verify(request: request, key: pssBound)
        }
    }
}
