import Foundation
import Testing

@testable import Federation

/// draft-cavage-http-signatures-12: the draft's own test values, and the
/// signing and verification Mastodon relies on.
@Suite("draft-cavage HTTP signatures")
struct CavageTests {
    // The draft's appendix C key ("Test"), 1024-bit RSA.
    static let publicKeyPEM = """
        -----BEGIN PUBLIC KEY-----
        MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
        6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
        Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
        oYi+1hqp1fIekaxsyQIDAQAB
        -----END PUBLIC KEY-----
        """
    static let privateKeyPEM = """
        -----BEGIN RSA PRIVATE KEY-----
        MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj+CvfSC8+q28hxA161QF
        NUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6Z4UMR7EOcpfdUE9Hf3m/hs+F
        UR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJwoYi+1hqp1fIekaxsyQIDAQAB
        AoGBAJR8ZkCUvx5kzv+utdl7T5MnordT1TvoXXJGXK7ZZ+UuvMNUCdN2QPc4sBiA
        QWvLw1cSKt5DsKZ8UETpYPy8pPYnnDEz2dDYiaew9+xEpubyeW2oH4Zx71wqBtOK
        kqwrXa/pzdpiucRRjk6vE6YY7EBBs/g7uanVpGibOVAEsqH1AkEA7DkjVH28WDUg
        f1nqvfn2Kj6CT7nIcE3jGJsZZ7zlZmBmHFDONMLUrXR/Zm3pR5m0tCmBqa5RK95u
        412jt1dPIwJBANJT3v8pnkth48bQo/fKel6uEYyboRtA5/uHuHkZ6FQF7OUkGogc
        mSJluOdc5t6hI1VsLn0QZEjQZMEOWr+wKSMCQQCC4kXJEsHAve77oP6HtG/IiEn7
        kpyUXRNvFsDE0czpJJBvL/aRFUJxuRK91jhjC68sA7NsKMGg5OXb5I5Jj36xAkEA
        gIT7aFOYBFwGgQAQkWNKLvySgKbAZRTeLBacpHMuQdl1DfdntvAyqpAZ0lY0RKmW
        G6aFKaqQfOXKCyWoUiVknQJAXrlgySFci/2ueKlIE1QqIiLSZ8V8OlpFLRnb1pzI
        7U1yQXnTAEFYM560yJlzUpOb1V4cScGd365tiSMvxLOvTA==
        -----END RSA PRIVATE KEY-----
        """
    static let draftDate = "Sun, 05 Jan 2014 21:31:40 GMT"
    static let draftTime = Date(timeIntervalSince1970: 1_388_957_500)

    /// The request all of the draft's examples sign.
    static func draftRequest() throws -> SignableRequest {
        try HTTPMessageText.request("""
            POST /foo?param=value&pet=dog HTTP/1.1
            Host: example.com
            Date: \(draftDate)
            Content-Type: application/json
            Digest: SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=
            Content-Length: 18

            {"hello": "world"}
            """)
    }

    static let keyID = "https://meent.example/actors/alice#main-key"
    static let signedAt = Date(timeIntervalSince1970: 1_750_000_000)

    static func rsaKey() throws -> MessageSigningKey {
        try MessageSigningKey(pemRepresentation: try #require(try RFC9421Vectors.load().keys["test-key-rsa"]?.private_pem))
    }

    static func inboxPost() throws -> SignableRequest {
        try SignableRequest(method: "POST", url: "https://mastodon.example/users/bob/inbox",
                            headers: ["Content-Type": "application/activity+json"],
                            body: Array(#"{"type":"Follow"}"#.utf8))
    }

    func verify(_ request: SignableRequest, key: MessageVerificationKey, keyID: String = Self.keyID,
                at time: Date = Self.signedAt.addingTimeInterval(5),
                policy: SignatureVerificationPolicy = SignatureVerificationPolicy()) async throws -> VerifiedSignature {
        try await RequestSignatureVerifier(policy: policy).verify(request, now: time) { requested in
            guard requested == keyID else { throw HTTPSignatureError.keyNotFound }
            return key
        }
    }

    @Test("the draft's Default and Basic tests verify and re-sign byte for byte")
    func draftVectors() throws {
        let key = try MessageVerificationKey(pemRepresentation: Self.publicKeyPEM, algorithm: nil, allowsShortRSAKeys: true)
        let signingKey = try MessageSigningKey(pemRepresentation: Self.privateKeyPEM, algorithm: nil, allowsShortRSAKeys: true)
        var request = try Self.draftRequest()

        // Default test: no headers parameter means Date alone.
        let defaultHeader = #"keyId="Test",algorithm="rsa-sha256",signature="SjWJWbWN7i0wzBvtPl8rbASWz5xQW6mcJmn+ibttBqtifLN7Sazz6m79cNfwwb8DMJ5cou1s7uEGKKCs+FLEEaDV5lp7q25WqS+lavg7T8hc0GppauB6hbgEKTwblDHYGEtbGmtdHgVCk9SuS13F0hZ8FD0k/5OxEPXe5WozsbM=""#
        let defaultSignature = try CavageSignature(parsing: defaultHeader)
        #expect(defaultSignature.headers == ["date"])
        #expect(try defaultSignature.signingString(for: request) == "date: \(Self.draftDate)")
        try defaultSignature.verify(request: request, key: key)
        #expect(try signingKey.signature(for: Array("date: \(Self.draftDate)".utf8)) == defaultSignature.signature)

        // Basic test: (request-target) host date.
        let basic = try CavageSignature(parsing: #"Signature keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date",signature="qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0=""#)
        #expect(try basic.signingString(for: request) == """
            (request-target): post /foo?param=value&pet=dog
            host: example.com
            date: \(Self.draftDate)
            """)
        try basic.verify(request: request, key: key)
        let resigned = try signingKey.signature(for: Array(try basic.signingString(for: request).utf8))
        #expect(resigned == basic.signature)

        // The All Headers test (flagged in the draft as possibly wrong)
        // covers (created) with rsa-sha256, which the draft itself forbids.
        let allHeaders = try CavageSignature(parsing: #"keyId="Test",algorithm="rsa-sha256",created=1402170695, expires=1402170699,headers="(request-target) (created) (expires) host date content-type digest content-length",signature="vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52LaEUHFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE=""#)
        #expect(throws: HTTPSignatureError.invalidComponent) { try allHeaders.signingString(for: request) }

        // Any change to a covered header breaks the signature.
        request.headers.replaceValues(named: "Host", with: "example.org")
        #expect(throws: HTTPSignatureError.badSignature) { try basic.verify(request: request, key: key) }
    }

    @Test("the Basic test passes the crypto but not the inbox policy: a POST must cover digest")
    func draftBasicFailsPolicy() async throws {
        var request = try Self.draftRequest()
        request.headers.append(name: "Signature", value: #"keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date",signature="qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0=""#)
        let key = try MessageVerificationKey(pemRepresentation: Self.publicKeyPEM, algorithm: nil, allowsShortRSAKeys: true)
        await #expect(throws: HTTPSignatureError.componentNotCovered) {
            try await verify(request, key: key, keyID: "Test", at: Self.draftTime)
        }
        // As a body-less request (a GET's shape), the same signature passes.
        var bodiless = request
        bodiless.body = nil
        let result = try await verify(bodiless, key: key, keyID: "Test", at: Self.draftTime.addingTimeInterval(60))
        #expect(result.scheme == .draftCavage)
        #expect(result.created == Self.draftTime)
    }

    @Test("Mastodon's signing string for a GET")
    func mastodonSigningString() throws {
        let request = try SignableRequest(method: "GET", url: "https://mastodon.example/users/username/outbox",
                                          headers: ["Host": "mastodon.example", "Date": "18 Dec 2019 10:08:46 GMT"])
        let signature = CavageSignature(keyID: "https://my.example.com/actor#main-key", algorithmName: nil,
                                        headers: ["(request-target)", "host", "date"], created: nil, expires: nil,
                                        signature: [])
        #expect(try signature.signingString(for: request) == """
            (request-target): get /users/username/outbox
            host: mastodon.example
            date: 18 Dec 2019 10:08:46 GMT
            """)
    }

    @Test("sign and verify a POST the way Mastodon does")
    func roundTrip() async throws {
        let key = try Self.rsaKey()
        var request = try Self.inboxPost()
        try CavageSigner(key: key, keyID: Self.keyID).sign(&request, date: Self.signedAt)
        #expect(request.headers["host"] == "mastodon.example")
        #expect(request.headers["date"] == "Sun, 15 Jun 2025 15:06:40 GMT")
        #expect(request.headers["digest"] == LegacyDigest(content: request.body!).fieldValue)
        let header = try #require(request.headers["signature"])
        #expect(header.hasPrefix(#"keyId="\#(Self.keyID)",algorithm="rsa-sha256",headers="(request-target) host date digest",signature=""#))

        let result = try await verify(request, key: key.verificationKey)
        #expect(result == VerifiedSignature(scheme: .draftCavage, keyID: Self.keyID, label: nil, algorithm: .rsaV1_5SHA256,
                                            created: Self.signedAt,
                                            coveredComponents: ["(request-target)", "host", "date", "digest"]))
        // The public key as Mastodon publishes it (SPKI PEM) verifies too.
        let published = try MessageVerificationKey(pemRepresentation: try #require(key.verificationKey.pemRepresentation))
        _ = try await verify(request, key: published)
    }

    @Test("tampering with a cavage-signed request is refused")
    func tampering() async throws {
        let key = try Self.rsaKey()
        var original = try Self.inboxPost()
        try CavageSigner(key: key, keyID: Self.keyID).sign(&original, date: Self.signedAt)
        let publicKey = key.verificationKey

        var body = original
        body.body = Array(#"{"type":"Block"}"#.utf8)
        await #expect(throws: HTTPSignatureError.digestMismatch) { try await verify(body, key: publicKey) }
        body.headers.replaceValues(named: "Digest", with: LegacyDigest(content: body.body!).fieldValue)
        await #expect(throws: HTTPSignatureError.badSignature) { try await verify(body, key: publicKey) }

        var target = original
        target.path = "/users/alice/inbox"
        await #expect(throws: HTTPSignatureError.badSignature) { try await verify(target, key: publicKey) }

        var host = original
        host.headers.replaceValues(named: "Host", with: "evil.example")
        await #expect(throws: HTTPSignatureError.badSignature) { try await verify(host, key: publicKey) }

        var date = original
        date.headers.replaceValues(named: "Date", with: IMFFixdate.string(from: Self.signedAt.addingTimeInterval(1)))
        await #expect(throws: HTTPSignatureError.badSignature) { try await verify(date, key: publicKey) }

        var keyID = original
        keyID.headers.replaceValues(named: "Signature", with: try #require(original.headers["signature"])
            .replacingOccurrences(of: "alice#main-key", with: "mallory#main-key"))
        await #expect(throws: HTTPSignatureError.keyNotFound) { try await verify(keyID, key: publicKey) }

        // Another actor's key does not verify the signature.
        await #expect(throws: HTTPSignatureError.badSignature) {
            try await verify(original, key: try MessageSigningKey.makeRSA().verificationKey)
        }
    }

    @Test("cavage freshness comes from the covered Date header")
    func freshness() async throws {
        let key = try Self.rsaKey()
        var request = try Self.inboxPost()
        try CavageSigner(key: key, keyID: Self.keyID).sign(&request, date: Self.signedAt)
        await #expect(throws: HTTPSignatureError.expired) {
            try await verify(request, key: key.verificationKey, at: Self.signedAt.addingTimeInterval(3601))
        }
        await #expect(throws: HTTPSignatureError.notYetValid) {
            try await verify(request, key: key.verificationKey, at: Self.signedAt.addingTimeInterval(-301))
        }
        // Mastodon's 12-hour window, as a policy.
        _ = try await verify(request, key: key.verificationKey, at: Self.signedAt.addingTimeInterval(11 * 3600),
                             policy: SignatureVerificationPolicy(maximumAge: 12 * 3600))

        var badDate = request
        badDate.headers.replaceValues(named: "Date", with: "yesterday")
        await #expect(throws: HTTPSignatureError.malformedHeader) { try await verify(badDate, key: key.verificationKey) }
    }

    @Test("a cavage POST must cover (request-target), host, a date and digest")
    func coverage() async throws {
        let key = try Self.rsaKey()
        for headers in [["(request-target)", "host", "date"], ["host", "date", "digest"],
                        ["(request-target)", "date", "digest"], ["(request-target)", "host", "digest"]] {
            var request = try Self.inboxPost()
            try CavageSigner(key: key, keyID: Self.keyID).sign(&request, covering: headers, date: Self.signedAt)
            await #expect(throws: HTTPSignatureError.componentNotCovered, "\(headers)") {
                try await verify(request, key: key.verificationKey)
            }
        }
        var noDigest = try Self.inboxPost()
        try CavageSigner(key: key, keyID: Self.keyID).sign(&noDigest, date: Self.signedAt)
        noDigest.headers.removeAll(named: "Digest")
        await #expect(throws: HTTPSignatureError.missingDigest) { try await verify(noDigest, key: key.verificationKey) }
    }

    @Test("the algorithm comes from the key; algorithm must agree with it")
    func algorithms() async throws {
        let rsa = try Self.rsaKey()
        let ed = MessageSigningKey.makeEd25519()

        // hs2019 with an Ed25519 key, using (created) and (expires).
        var request = try Self.inboxPost()
        try CavageSigner(key: ed, keyID: Self.keyID).sign(
            &request, covering: ["(request-target)", "(created)", "(expires)", "host", "digest"],
            date: Self.signedAt, expires: Self.signedAt.addingTimeInterval(300))
        let header = try #require(request.headers["signature"])
        #expect(header.contains(#"algorithm="hs2019",created=1750000000,expires=1750000300"#))
        let parsed = try CavageSignature(parsing: header)
        #expect(try parsed.signingString(for: request).hasPrefix("(request-target): post /users/bob/inbox\n(created): 1750000000\n(expires): 1750000300\nhost: mastodon.example\ndigest: SHA-256="))
        #expect(try await verify(request, key: ed.verificationKey).algorithm == .ed25519)
        await #expect(throws: HTTPSignatureError.expired) {
            try await verify(request, key: ed.verificationKey, at: Self.signedAt.addingTimeInterval(300 + 301))
        }
        // hs2019 takes the algorithm from the key: an RSA key does not verify an Ed25519 signature.
        await #expect(throws: HTTPSignatureError.badSignature) { try await verify(request, key: rsa.verificationKey) }

        // rsa-sha256 names an algorithm: an Ed25519 key for that key id is refused outright.
        var rsaSigned = try Self.inboxPost()
        try CavageSigner(key: rsa, keyID: Self.keyID).sign(&rsaSigned, date: Self.signedAt)
        await #expect(throws: HTTPSignatureError.algorithmMismatch) { try await verify(rsaSigned, key: ed.verificationKey) }
        // An RSA key bound to PSS does not match rsa-sha256 either.
        let pssBound = try MessageVerificationKey(pemRepresentation: try #require(rsa.verificationKey.pemRepresentation),
                                                  algorithm: .rsaPSSSHA512)
        await #expect(throws: HTTPSignatureError.algorithmMismatch) { try await verify(rsaSigned, key: pssBound) }
        // Unknown algorithm names are refused.
        var sha1 = rsaSigned
        sha1.headers.replaceValues(named: "Signature", with: try #require(rsaSigned.headers["signature"])
            .replacingOccurrences(of: #"algorithm="rsa-sha256""#, with: #"algorithm="rsa-sha1""#))
        await #expect(throws: HTTPSignatureError.unsupportedAlgorithm) { try await verify(sha1, key: rsa.verificationKey) }
    }

    @Test("Signature header syntax")
    func parsing() throws {
        let parsed = try CavageSignature(parsing: #"keyId="a\"b", algorithm=hs2019 ,headers="(Request-Target) Host",signature="AAAA""#)
        #expect(parsed.keyID == #"a"b"#)
        #expect(parsed.algorithmName == "hs2019")
        #expect(parsed.headers == ["(request-target)", "host"])
        #expect(try CavageSignature(parsing: parsed.fieldValue) == parsed)
        // Names in any case; values with characters beyond ASCII, escaped or not.
        let unicode = try CavageSignature(parsing: #"KEYID="https://waterschap.example/ü\é#k",Signature=AAAA"#)
        #expect(unicode.keyID == "https://waterschap.example/üé#k")
        #expect(unicode.signature == [0, 0, 0])

        for bad in [#"keyId="a\"#, #"keyId=,signature="AAAA""#, #"=x,keyId="a",signature="AAAA""#,
                    #"keyId="a",keyId="b",signature="AAAA""#, #"signature="AAAA""#, #"keyId="a""#,
                    #"keyId="a",signature="not base64!""#, #"keyId="a",signature="AAAA",headers="""#,
                    #"keyId="a,signature="AAAA""#, #"keyId="a" signature="AAAA""#, #"keyId="a",created=soon,signature="AAAA""#] {
            #expect(throws: HTTPSignatureError.malformedHeader, "\(bad)") { try CavageSignature(parsing: bad) }
        }
    }

    @Test("HTTP dates format and parse as IMF-fixdate")
    func httpDates() {
        #expect(IMFFixdate.string(from: Date(timeIntervalSince1970: 784_111_777)) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(IMFFixdate.string(from: Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(IMFFixdate.string(from: Date(timeIntervalSince1970: 951_782_400)) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(IMFFixdate.date(from: "Sun, 06 Nov 1994 08:49:37 GMT") == Date(timeIntervalSince1970: 784_111_777))
        #expect(IMFFixdate.date(from: Self.draftDate) == Self.draftTime)
        #expect(IMFFixdate.date(from: "18 Dec 2019 10:08:46 GMT") == Date(timeIntervalSince1970: 1_576_663_726))
        for bad in ["", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 8:49:37 GMT", "Sun, 32 Nov 1994 08:49:37 GMT",
                    "Sunday, 06-Nov-94 08:49:37 GMT"] {
            #expect(IMFFixdate.date(from: bad) == nil, "\(bad)")
        }
        for seconds in stride(from: 0.0, to: 4_000_000_000, by: 86_400 * 367 + 3_661) {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(IMFFixdate.date(from: IMFFixdate.string(from: date)) == date)
        }
    }
}
