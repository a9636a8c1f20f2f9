import Foundation
import Testing

@testable import Federation

@Suite("Content-Digest (RFC 9530) and legacy Digest")
struct DigestTests {
    static let helloWorld = Array(#"{"hello": "world"}"#.utf8)

    @Test("RFC 9530 and RFC 9421 example digests")
    func knownDigests() throws {
        // RFC 9530 section B.1: {"hello": "world"} followed by LF.
        #expect(ContentDigest(content: Self.helloWorld + [0x0A]).fieldValue
                == "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:")
        // RFC 9530 section B.2: empty content.
        #expect(ContentDigest(content: []).fieldValue == "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:")
        // RFC 9421 Appendix B.2 request body.
        #expect(ContentDigest(content: Self.helloWorld, algorithms: [.sha512]).fieldValue
                == "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:")
        // Both algorithms, serialised as one dictionary; duplicates collapse.
        let both = ContentDigest(content: Self.helloWorld, algorithms: [.sha256, .sha512, .sha256])
        #expect(both.fieldValue == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:")
        #expect(try ContentDigest(parsing: both.fieldValue) == both)
    }

    @Test("a received Content-Digest is checked against the raw body")
    func verification() throws {
        let field = ContentDigest(content: Self.helloWorld, algorithms: [.sha256, .sha512]).fieldValue
        try ContentDigest(parsing: field).verify(content: Self.helloWorld)

        var tampered = Self.helloWorld
        tampered[3] ^= 0x20
        #expect(throws: HTTPSignatureError.digestMismatch) { try ContentDigest(parsing: field).verify(content: tampered) }
        // One wrong digest among several is enough to refuse.
        let mixed = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:" + Data(count: 64).base64EncodedString() + ":"
        #expect(throws: HTTPSignatureError.digestMismatch) { try ContentDigest(parsing: mixed).verify(content: Self.helloWorld) }
        // Unknown algorithms are ignored next to a known one, refused alone.
        try ContentDigest(parsing: "md5=:AAAA:, sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:").verify(content: Self.helloWorld)
        #expect(throws: HTTPSignatureError.unsupportedDigestAlgorithm) { try ContentDigest(parsing: "md5=:AAAA:, sha=:AAAA:") }
        #expect(throws: HTTPSignatureError.malformedHeader) { try ContentDigest(parsing: "sha-256=X48E9q") }
        #expect(throws: HTTPSignatureError.malformedHeader) { try ContentDigest(parsing: "sha-256=\"X48E9q\"") }
        #expect(throws: HTTPSignatureError.malformedHeader) { try ContentDigest(parsing: "not a dictionary (") }
    }

    @Test("legacy Digest: the draft-cavage example value, case-insensitive names")
    func legacyDigest() throws {
        let digest = LegacyDigest(content: Self.helloWorld)
        #expect(digest.fieldValue == "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=")
        try LegacyDigest(parsing: "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=").verify(content: Self.helloWorld)
        try LegacyDigest(parsing: "sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=").verify(content: Self.helloWorld)
        try LegacyDigest(parsing: "MD5=abc, SHA-512=WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==")
            .verify(content: Self.helloWorld)
        #expect(throws: HTTPSignatureError.digestMismatch) {
            try LegacyDigest(parsing: digest.fieldValue).verify(content: Self.helloWorld + [0x20])
        }
        #expect(throws: HTTPSignatureError.unsupportedDigestAlgorithm) { try LegacyDigest(parsing: "MD5=abc") }
        #expect(throws: HTTPSignatureError.malformedHeader) { try LegacyDigest(parsing: "SHA-256=***") }
    }
}
