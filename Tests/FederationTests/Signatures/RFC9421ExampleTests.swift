import Foundation
import Testing

@testable import Federation

/// Signed examples from the body of RFC 9421 (sections 2.4, 3.2 and 4.3),
/// checked with the Appendix B keys.
@Suite("RFC 9421 signed examples")
struct RFC9421ExampleTests {
    static let requestDigest = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
    static let responseDigest = "sha-512=:0Y6iCBzGg5rZtoXS95Ijz03mslf6KAMCloESHObfwnHJDbkkWWQz6PhhU9kxsTbARtY2PTBOzq24uJFpHsMuAg==:"
    static let responseBody = #"{"busy": true, "message": "Your call is very important to us"}"#

    /// The 503 response of section 2.4 answering the Appendix B request.
    private func busyResponse(_ vectors: RFC9421Vectors, signatureInput: String, signature: String) throws -> SignableResponse {
        let headers: HTTPHeaderFields = [
            "Date": "Tue, 20 Apr 2021 02:07:56 GMT",
            "Content-Type": "application/json",
            "Content-Length": "62",
            "Content-Digest": Self.responseDigest,
            "Signature-Input": signatureInput,
            "Signature": signature,
        ]
        return SignableResponse(status: 503, headers: headers, body: Array(Self.responseBody.utf8),
                                request: try vectors.request())
    }

    @Test("section 2.4: response signatures covering request components with req")
    func requestResponseSignatures() throws {
        let vectors = try RFC9421Vectors.load()
        let key = try vectors.verificationKey("test-key-ecc-p256", algorithm: .ecdsaP256SHA256)

        let first = try busyResponse(
            vectors,
            signatureInput: #"reqres=("@status" "content-digest" "content-type" "@authority";req "@method";req "@path";req "content-digest";req);created=1618884479;keyid="test-key-ecc-p256""#,
            signature: "reqres=:dMT/A/76ehrdBTD/2Xx8QuKV6FoyzEP/I9hdzKN8LQJLNgzU4W767HK05rx1i8meNQQgQPgQp8wq2ive3tV5Ag==:")
        let firstSignature = try #require(try HTTPMessageSignature.signatures(in: first.headers).first)
        let firstBase = try HTTPSignatureBase(response: first, parameters: firstSignature.parameters)
        #expect(firstBase.text == """
            "@status": 503
            "content-digest": \(Self.responseDigest)
            "content-type": application/json
            "@authority";req: example.com
            "@method";req: POST
            "@path";req: /foo
            "content-digest";req: \(Self.requestDigest)
            "@signature-params": ("@status" "content-digest" "content-type" "@authority";req "@method";req "@path";req "content-digest";req);created=1618884479;keyid="test-key-ecc-p256"
            """)
        try firstSignature.verify(response: first, key: key)
        try ContentDigest(parsing: try #require(first.headers["content-digest"])).verify(content: try #require(first.body))

        let second = try busyResponse(
            vectors,
            signatureInput: #"reqres=("@status" "content-digest" "content-type" "@authority";req "@method";req "@path";req "@query";req "content-digest";req "content-type";req "content-length";req);created=1618884479;keyid="test-key-ecc-p256""#,
            signature: "reqres=:C73J41GVKc+TYXbSobvZf0CmNcptRiWN+NY1Or0A36ISg6ymdRN6ZgR2QfrtopFNzqAyv+CeWrMsNbcV2Ojsgg==:")
        let secondSignature = try #require(try HTTPMessageSignature.signatures(in: second.headers).first)
        try secondSignature.verify(response: second, key: key)

        // A different request under the response breaks the signature.
        var otherRequest = second
        otherRequest.request?.path = "/bar"
        #expect(throws: HTTPSignatureError.badSignature) {
            try secondSignature.verify(response: otherRequest, key: key)
        }
        // Without the request, req components cannot be resolved.
        var noRequest = second
        noRequest.request = nil
        #expect(throws: HTTPSignatureError.missingComponent) {
            try secondSignature.verify(response: noRequest, key: key)
        }
    }

    @Test("section 3.2: verifying the rsa-pss-sha512 example")
    func verificationExample() throws {
        let vectors = try RFC9421Vectors.load()
        var request = try vectors.request()
        request.headers.append(name: "Signature-Input", value: #"sig1=("@method" "@authority" "@path" "content-digest" "content-length" "content-type");created=1618884473;keyid="test-key-rsa-pss""#)
        request.headers.append(name: "Signature", value: "sig1=:HIbjHC5rS0BYaa9v4QfD4193TORw7u9edguPh0AW3dMq9WImrlFrCGUDih47vAxi4L2YRZ3XMJc1uOKk/J0ZmZ+wcta4nKIgBkKq0rM9hs3CQyxXGxHLMCy8uqK488o+9jrptQ+xFPHK7a9sRL1IXNaagCNN3ZxJsYapFj+JXbmaI5rtAdSfSvzPuBCh+ARHBmWuNo1UzVVdHXrl8ePL4cccqlazIJdC4QEjrF+Sn4IxBQzTZsL9y9TP5FsZYzHvDqbInkTNigBcE9cKOYNFCn4D/WM7F6TNuZO9EgtzepLWcjTymlHzK7aXq6Am6sfOrpIC49yXjj3ae6HRalVc/g==:")
        let signature = try #require(try HTTPMessageSignature.signatures(in: request.headers).first)
        let base = try HTTPSignatureBase(request: request, parameters: signature.parameters)
        #expect(base.text == """
            "@method": POST
            "@authority": example.com
            "@path": /foo
            "content-digest": \(Self.requestDigest)
            "content-length": 18
            "content-type": application/json
            "@signature-params": ("@method" "@authority" "@path" "content-digest" "content-length" "content-type");created=1618884473;keyid="test-key-rsa-pss"
            """)
        try signature.verify(request: request, key: try vectors.verificationKey("test-key-rsa-pss", algorithm: .rsaPSSSHA512))
        // The same RSA key used as PKCS#1 v1.5 does not verify a PSS signature.
        #expect(throws: HTTPSignatureError.badSignature) {
            try signature.verify(request: request, key: try vectors.verificationKey("test-key-rsa-pss", algorithm: .rsaV1_5SHA256))
        }
    }

    @Test("section 4.3: two signatures, client and proxy, on the forwarded request")
    func multipleSignatures() async throws {
        let vectors = try RFC9421Vectors.load()
        let clientSignatureInput = #"sig1=("@method" "@authority" "@path" "content-digest" "content-type" "content-length");created=1618884475;keyid="test-key-ecc-p256""#
        let clientSignature = "sig1=:X5spyd6CFnAG5QnDyHfqoSNICd+BUP4LYMz2Q0JXlb//4Ijpzp+kve2w4NIyqeAuM7jTDX+sNalzA8ESSaHD3A==:"
        let ecdsaKey = try vectors.verificationKey("test-key-ecc-p256", algorithm: .ecdsaP256SHA256)
        let rsaKey = try vectors.verificationKey("test-key-rsa", algorithm: .rsaV1_5SHA256)

        // The client's request as sent.
        var original = try vectors.request()
        original.headers.append(name: "Signature-Input", value: clientSignatureInput)
        original.headers.append(name: "Signature", value: clientSignature)
        try #require(try HTTPMessageSignature.signatures(in: original.headers).first).verify(request: original, key: ecdsaKey)

        // The proxy's forwarded request carries both signatures in one field each.
        var forwarded = try vectors.request()
        forwarded.authority = "origin.host.internal.example"
        forwarded.headers.replaceValues(named: "Host", with: "origin.host.internal.example")
        forwarded.headers.replaceValues(named: "Date", with: "Tue, 20 Apr 2021 02:07:56 GMT")
        forwarded.headers.append(name: "Forwarded", value: "for=192.0.2.123;host=example.com;proto=https")
        forwarded.headers.append(name: "Signature-Input", value: clientSignatureInput + #", proxy_sig=("@method" "@authority" "@path" "content-digest" "content-type" "content-length" "forwarded");created=1618884480;keyid="test-key-rsa";alg="rsa-v1_5-sha256";expires=1618884540"#)
        forwarded.headers.append(name: "Signature", value: clientSignature + ", proxy_sig=:S6ZzPXSdAMOPjN/6KXfXWNO/f7V6cHm7BXYUh3YD/fRad4BCaRZxP+JH+8XY1I6+8Cy+CM5g92iHgxtRPz+MjniOaYmdkDcnL9cCpXJleXsOckpURl49GwiyUpZ10KHgOEe11sx3G2gxI8S0jnxQB+Pu68U9vVcasqOWAEObtNKKZd8tSFu7LB5YAv0RAGhB8tmpv7sFnIm9y+7X5kXQfi8NMaZaA8i2ZHwpBdg7a6CMfwnnrtflzvZdXAsD3LH2TwevU+/PBPv0B6NMNk93wUs/vfJvye+YuI87HU38lZHowtznbLVdp770I6VHR6WfgS9ddzirrswsE1w5o0LV/g==:")
        let signatures = try HTTPMessageSignature.signatures(in: forwarded.headers)
        #expect(signatures.map(\.label) == ["sig1", "proxy_sig"])
        // The client's signature covered the old authority, so it no longer verifies.
        #expect(throws: HTTPSignatureError.badSignature) { try signatures[0].verify(request: forwarded, key: ecdsaKey) }
        try signatures[1].verify(request: forwarded, key: rsaKey)

        let verifier = RequestSignatureVerifier(policy: SignatureVerificationPolicy(maximumAge: 3600))
        let keys = ClosureKeyResolver { keyID in
            switch keyID {
            case "test-key-ecc-p256": ecdsaKey
            case "test-key-rsa": rsaKey
            default: throw HTTPSignatureError.keyNotFound
            }
        }
        // Both signatures cover @authority and @path but not @query while the
        // URL has a query, so the policy refuses both: the query is unsigned.
        await #expect(throws: HTTPSignatureError.componentNotCovered) {
            try await verifier.verify(forwarded, now: Date(timeIntervalSince1970: 1_618_884_500), keys: keys)
        }
        // Without a query, the verifier skips the client's broken signature
        // and accepts the proxy's.
        var withoutQuery = forwarded
        withoutQuery.query = nil
        let result = try await verifier.verify(withoutQuery, now: Date(timeIntervalSince1970: 1_618_884_500), keys: keys)
        #expect(result.label == "proxy_sig")
        #expect(result.keyID == "test-key-rsa")
        #expect(result.algorithm == .rsaV1_5SHA256)
        // After the proxy's expires (plus skew) nothing is accepted; the
        // first failure (the client's bad signature) is reported.
        await #expect(throws: HTTPSignatureError.badSignature) {
            try await verifier.verify(withoutQuery, now: Date(timeIntervalSince1970: 1_618_884_540 + 301), keys: keys)
        }
    }
}
