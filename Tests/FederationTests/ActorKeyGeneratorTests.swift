import Crypto
import _CryptoExtras
@testable import Federation
import Testing

@Suite("Actor keys")
struct ActorKeyGeneratorTests {
    @Test("generated keys are an Ed25519 and an RSA-2048 pair whose halves belong together")
    func keysSignAndVerify() throws {
        let keys = try ActorKeyGenerator.makeKeys(owner: "node")
        let ed = try #require(keys.first { $0.algorithm == .ed25519 })
        let edPrivate = try Curve25519.Signing.PrivateKey(pemRepresentation: ed.privateKeyPEM)
        let edPublic = try Curve25519.Signing.PublicKey(pemRepresentation: ed.publicKeyPEM)
        let message = Array("signature base".utf8)
        #expect(edPublic.isValidSignature(try edPrivate.signature(for: message), for: message))

        let rsa = try #require(keys.first { $0.algorithm == .rsa })
        #expect(rsa.publicKeyPEM.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        let rsaPrivate = try _RSA.Signing.PrivateKey(pemRepresentation: rsa.privateKeyPEM)
        let rsaPublic = try _RSA.Signing.PublicKey(pemRepresentation: rsa.publicKeyPEM)
        #expect(rsaPublic.keySizeInBits == 2048)
        let signature = try rsaPrivate.signature(for: message, padding: .insecurePKCS1v1_5)
        #expect(rsaPublic.isValidSignature(signature, for: message, padding: .insecurePKCS1v1_5))
    }
}
