import Foundation
import Testing

@testable import Federation

@Suite("Signing and verification keys")
struct KeyTests {
    static let message = Array("a signature base".utf8)

    @Test("every Appendix B key loads from PEM with the right algorithm")
    func vectorKeysLoad() throws {
        let vectors = try RFC9421Vectors.load()
        // PKCS#1 private and public ("RSA PRIVATE KEY", "RSA PUBLIC KEY").
        let rsa = try #require(vectors.keys["test-key-rsa"])
        #expect(try MessageSigningKey(pemRepresentation: try #require(rsa.private_pem)).algorithm == .rsaV1_5SHA256)
        #expect(try MessageVerificationKey(pemRepresentation: try #require(rsa.public_pem)).algorithm == .rsaV1_5SHA256)
        // PKCS#8 with the RSASSA-PSS OID implies PSS; its SPKI says rsaEncryption.
        let pss = try #require(vectors.keys["test-key-rsa-pss"])
        #expect(try MessageSigningKey(pemRepresentation: try #require(pss.private_pem)).algorithm == .rsaPSSSHA512)
        #expect(try MessageVerificationKey(pemRepresentation: try #require(pss.public_pem)).algorithm == .rsaV1_5SHA256)
        // SEC 1 "EC PRIVATE KEY" and SPKI P-256.
        let ecc = try #require(vectors.keys["test-key-ecc-p256"])
        #expect(try MessageSigningKey(pemRepresentation: try #require(ecc.private_pem)).algorithm == .ecdsaP256SHA256)
        #expect(try MessageVerificationKey(pemRepresentation: try #require(ecc.public_pem)).algorithm == .ecdsaP256SHA256)
        // PKCS#8 and SPKI Ed25519.
        let ed = try #require(vectors.keys["test-key-ed25519"])
        let edKey = try MessageSigningKey(pemRepresentation: try #require(ed.private_pem))
        #expect(edKey.algorithm == .ed25519)
        #expect(edKey.verificationKey.pemRepresentation == (try #require(ed.public_pem)) + "\n")

        // Each private key's public half is the published public key.
        for id in ["test-key-rsa", "test-key-rsa-pss", "test-key-ecc-p256", "test-key-ed25519"] {
            let entry = try #require(vectors.keys[id])
            let signing = try MessageSigningKey(pemRepresentation: try #require(entry.private_pem))
            let published = try MessageVerificationKey(pemRepresentation: try #require(entry.public_pem),
                                                       algorithm: signing.algorithm)
            #expect(published.isValidSignature(try signing.signature(for: Self.message), for: Self.message), "\(id)")
        }
    }

    @Test("a key refuses an algorithm its type cannot do")
    func algorithmBinding() throws {
        let vectors = try RFC9421Vectors.load()
        let ed = try #require(vectors.keys["test-key-ed25519"]?.public_pem)
        #expect(throws: HTTPSignatureError.invalidKey) {
            try MessageVerificationKey(pemRepresentation: ed, algorithm: .rsaV1_5SHA256)
        }
        let rsa = try #require(vectors.keys["test-key-rsa"]?.private_pem)
        #expect(throws: HTTPSignatureError.invalidKey) { try MessageSigningKey(pemRepresentation: rsa, algorithm: .ed25519) }
        // An RSA key signs with the algorithm it is bound to, and only that one verifies.
        let pkcs1 = try MessageSigningKey(pemRepresentation: rsa, algorithm: .rsaV1_5SHA256)
        let pss = try MessageSigningKey(pemRepresentation: rsa, algorithm: .rsaPSSSHA512)
        let pkcs1Signature = try pkcs1.signature(for: Self.message)
        #expect(pkcs1.verificationKey.isValidSignature(pkcs1Signature, for: Self.message))
        #expect(!pss.verificationKey.isValidSignature(pkcs1Signature, for: Self.message))
        #expect(!pkcs1.verificationKey.isValidSignature(try pss.signature(for: Self.message), for: Self.message))
    }

    @Test("bad key material is refused")
    func badKeys() throws {
        #expect(throws: HTTPSignatureError.invalidKey) { try MessageVerificationKey(pemRepresentation: "hello") }
        #expect(throws: HTTPSignatureError.invalidKey) {
            try MessageVerificationKey(pemRepresentation: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
        }
        #expect(throws: HTTPSignatureError.invalidKey) {
            try MessageVerificationKey(pemRepresentation: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")
        }
        #expect(throws: HTTPSignatureError.invalidKey) { try MessageVerificationKey(ed25519RawRepresentation: [1, 2, 3]) }
        #expect(throws: HTTPSignatureError.invalidKey) { try MessageSigningKey(hmacSecret: []) }
        #expect(throws: HTTPSignatureError.invalidKey) { try MessageSigningKey.makeRSA(bitCount: 1024) }
        // The draft-cavage test key is 1024 bits: refused unless explicitly allowed.
        #expect(throws: HTTPSignatureError.invalidKey) {
            try MessageVerificationKey(pemRepresentation: CavageTests.publicKeyPEM)
        }
    }

    @Test("generated keys export to PEM and load back")
    func generation() throws {
        let ed = MessageSigningKey.makeEd25519()
        let edPEM = try #require(ed.pemRepresentation)
        #expect(edPEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let edAgain = try MessageSigningKey(pemRepresentation: edPEM)
        let edPublic = try MessageVerificationKey(pemRepresentation: try #require(ed.verificationKey.pemRepresentation))
        #expect(edPublic.isValidSignature(try edAgain.signature(for: Self.message), for: Self.message))

        let rsa = try MessageSigningKey.makeRSA()
        let rsaPEM = try #require(rsa.pemRepresentation)
        #expect(rsaPEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let publicPEM = try #require(rsa.verificationKey.pemRepresentation)
        #expect(publicPEM.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        let rsaAgain = try MessageSigningKey(pemRepresentation: rsaPEM)
        #expect(rsaAgain.algorithm == .rsaV1_5SHA256)
        let rsaPublic = try MessageVerificationKey(pemRepresentation: publicPEM)
        #expect(rsaPublic.isValidSignature(try rsaAgain.signature(for: Self.message), for: Self.message))
        #expect(!rsaPublic.isValidSignature(try ed.signature(for: Self.message), for: Self.message))
        // A PEM copied out of JSON with literal "\n" escapes still loads.
        _ = try MessageVerificationKey(pemRepresentation: publicPEM.replacingOccurrences(of: "\n", with: "\\n"))
    }

    @Test("Ed25519 keys from raw bytes and FEP-521a multibase")
    func multikey() throws {
        let vectors = try RFC9421Vectors.load()
        let pem = try #require(vectors.keys["test-key-ed25519"]?.public_pem)
        let fromPEM = try MessageVerificationKey(pemRepresentation: pem)
        // Expected value computed independently (Python, base58btc over 0xed01 || key).
        #expect(fromPEM.multibaseRepresentation == "z6Mkh4LmfP1ev9MNPGr7JbEbtD6BD4fsu1duEj83PMCs3xHG")

        let raw = try [UInt8](base64: "JrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=")
        let fromRaw = try MessageVerificationKey(ed25519RawRepresentation: raw)
        let fromMultibase = try MessageVerificationKey(multibase: "z6Mkh4LmfP1ev9MNPGr7JbEbtD6BD4fsu1duEj83PMCs3xHG")
        #expect(fromRaw.pemRepresentation == fromPEM.pemRepresentation)
        #expect(fromMultibase.pemRepresentation == fromPEM.pemRepresentation)
        #expect(fromMultibase.algorithm == .ed25519)

        // The example key of FEP-521a decodes to an Ed25519 key.
        let example = try MessageVerificationKey(multibase: "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
        #expect(example.multibaseRepresentation == "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
        #expect(example.pemRepresentation == (try MessageVerificationKey(ed25519RawRepresentation: try Self.hex(
            "b00d8d938e7f773d51565aad36a623f5344f7f5d1960f9cf3e8e12620ea2810f"))).pemRepresentation)

        // A signature made with the matching private key verifies through the multikey.
        let signing = try MessageSigningKey(pemRepresentation: try #require(vectors.keys["test-key-ed25519"]?.private_pem))
        #expect(fromMultibase.isValidSignature(try signing.signature(for: Self.message), for: Self.message))

        // RSA and P-256 multikeys round-trip too.
        let rsa = try MessageVerificationKey(pemRepresentation: try #require(vectors.keys["test-key-rsa"]?.public_pem))
        let rsaMultibase = try #require(rsa.multibaseRepresentation)
        #expect(rsaMultibase.hasPrefix("z4MX"))
        #expect(try MessageVerificationKey(multibase: rsaMultibase).pemRepresentation == rsa.pemRepresentation)
        let p256 = try MessageVerificationKey(pemRepresentation: try #require(vectors.keys["test-key-ecc-p256"]?.public_pem))
        let p256Multibase = try #require(p256.multibaseRepresentation)
        #expect(p256Multibase.hasPrefix("zDn"))
        #expect(try MessageVerificationKey(multibase: p256Multibase).pemRepresentation == p256.pemRepresentation)

        for bad in ["", "z", "f6Mkh4", "z0OIl", "z6Mkh4LmfP1ev9MNPGr7JbEbtD6BD4fsu1duEj83PMCs3xH", "z" + String(repeating: "2", count: 3000)] {
            #expect(throws: HTTPSignatureError.invalidKey, "\(bad.prefix(20))") { try MessageVerificationKey(multibase: bad) }
        }
    }

    @Test("base58btc encodes leading zeros and round-trips")
    func base58() throws {
        #expect(Base58.encode([]) == "")
        #expect(Base58.encode([0, 0, 1, 2]) == "115T")
        #expect(Base58.encode(Array("hello world".utf8)) == "StV1DL6CwTryKyV")
        #expect(Base58.decode("StV1DL6CwTryKyV") == Array("hello world".utf8))
        #expect(Base58.decode("115T") == [0, 0, 1, 2])
        #expect(Base58.decode("0") == nil)
        for length in [1, 2, 31, 32, 33, 64] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base58.decode(Base58.encode(bytes)) == bytes)
            #expect(Base58.decode(Base58.encode([0] + bytes)) == [0] + bytes)
        }
    }

    @Test("printing a key never shows key material")
    func keysDoNotLeak() throws {
        let vectors = try RFC9421Vectors.load()
        let rsa = try MessageSigningKey(pemRepresentation: try #require(vectors.keys["test-key-rsa"]?.private_pem))
        let hmac = try MessageSigningKey(hmacSecret: Array("super secret".utf8))
        for text in [String(describing: rsa), String(reflecting: rsa), "\(rsa)", String(describing: hmac),
                     String(describing: hmac.verificationKey), String(describing: rsa.verificationKey)] {
            #expect(text.hasPrefix("Message"))
            #expect(text.count < 60)
        }
        var dumped = ""
        dump(hmac, to: &dumped)
        #expect(!dumped.contains("secret") && !dumped.contains("7375706572"))
        #expect(dumped.contains("hmac-sha256") || dumped.contains("hmacSHA256"))
        #expect(hmac.pemRepresentation == nil)
    }

    static func hex(_ text: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(try #require(UInt8(text[index..<next], radix: 16)))
            index = next
        }
        return bytes
    }
}
