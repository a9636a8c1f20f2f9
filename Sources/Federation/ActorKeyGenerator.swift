import Crypto
import _CryptoExtras
import Storage

/// Makes the key pairs an actor signs federation requests with: an Ed25519
/// key for RFC 9421 between Meent nodes and an RSA-2048 key for the wider
/// fediverse (draft-cavage and `rsa-v1_5-sha256`).
public enum ActorKeyGenerator {
    /// Both key pairs of `owner`, as PEM (SPKI public keys, PKCS#8 private keys).
    ///
    /// RSA generation takes 60–190 ms on this class of machine: call it off
    /// latency-sensitive paths.
    public static func makeKeys(owner: String) throws -> [SigningKey] {
        let ed25519 = Curve25519.Signing.PrivateKey()
        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        return [
            SigningKey(
                owner: owner, algorithm: .ed25519,
                publicKeyPEM: ed25519.publicKey.pemRepresentation,
                privateKeyPEM: ed25519.pemRepresentation),
            SigningKey(
                owner: owner, algorithm: .rsa,
                publicKeyPEM: rsa.publicKey.pemRepresentation,
                privateKeyPEM: rsa.pkcs8PEMRepresentation),
        ]
    }
}
