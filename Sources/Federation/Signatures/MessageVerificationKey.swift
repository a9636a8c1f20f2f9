import Crypto
import Foundation
import _CryptoExtras

/// A public key (or shared secret) that checks HTTP message signatures, bound
/// to one `SignatureAlgorithm`.
///
/// The algorithm is fixed when the key is made: from the key type for
/// Ed25519 and P-256, from the caller (default `rsa-v1_5-sha256`, what the
/// fediverse uses) for RSA keys, or `rsa-pss-sha512` for keys whose SPKI says
/// RSASSA-PSS. Verifiers use this algorithm and refuse a signature whose `alg`
/// names another. RSA keys shorter than 2048 bits are refused.
///
/// Printing a key shows its algorithm only.
public struct MessageVerificationKey: Sendable {
    enum Material: Sendable {
        case ed25519(Curve25519.Signing.PublicKey)
        case rsa(_RSA.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
        case hmac(SymmetricKey)
    }

    /// The one algorithm signatures checked with this key must use.
    public let algorithm: SignatureAlgorithm
    let material: Material

    init(material: Material, algorithm: SignatureAlgorithm) throws {
        guard material.supports(algorithm) else {
            throw HTTPSignatureError.invalidKey.with(detail: "key type cannot be used with \(algorithm.rawValue)")
        }
        self.material = material
        self.algorithm = algorithm
    }

    /// Reads a public key from PEM: SPKI (`BEGIN PUBLIC KEY`: RSA, RSA-PSS,
    /// Ed25519, P-256) or PKCS#1 (`BEGIN RSA PUBLIC KEY`).
    ///
    /// - Parameter algorithm: the algorithm to bind; `nil` takes the key type's
    ///   default. Passing an algorithm the key type cannot do throws.
    /// - Throws: `HTTPSignatureError.invalidKey`.
    public init(pemRepresentation pem: String, algorithm: SignatureAlgorithm? = nil) throws {
        try self.init(pemRepresentation: pem, algorithm: algorithm, allowsShortRSAKeys: false)
    }

    /// Like the public initializer; `allowsShortRSAKeys` admits 1024-bit RSA
    /// keys, which only old test vectors use.
    init(pemRepresentation pem: String, algorithm: SignatureAlgorithm?, allowsShortRSAKeys: Bool) throws {
        let document = try PEMDocument(parsing: pem)
        let (material, defaultAlgorithm): (Material, SignatureAlgorithm)
        do {
            switch document.label {
            case "RSA PUBLIC KEY":
                material = .rsa(try Self.rsaKey(der: document.der, allowsShortKeys: allowsShortRSAKeys))
                defaultAlgorithm = .rsaV1_5SHA256
            case "PUBLIC KEY":
                let info = try KeyDocument.parseSubjectPublicKeyInfo(document.der)
                switch info.algorithm {
                case KeyTypeOID.ed25519:
                    material = .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: info.payload))
                    defaultAlgorithm = .ed25519
                case KeyTypeOID.rsaEncryption, KeyTypeOID.rsassaPSS:
                    material = .rsa(try Self.rsaKey(der: document.der, allowsShortKeys: allowsShortRSAKeys))
                    defaultAlgorithm = info.algorithm == KeyTypeOID.rsassaPSS ? .rsaPSSSHA512 : .rsaV1_5SHA256
                case KeyTypeOID.ecPublicKey where info.curve == KeyTypeOID.prime256v1:
                    material = .p256(try P256.Signing.PublicKey(derRepresentation: document.der))
                    defaultAlgorithm = .ecdsaP256SHA256
                default:
                    throw HTTPSignatureError.invalidKey.with(detail: "unsupported public key type")
                }
            default:
                throw HTTPSignatureError.invalidKey.with(detail: "unsupported PEM type \(document.label)")
            }
        } catch let error as HTTPSignatureError {
            throw error
        } catch {
            throw HTTPSignatureError.invalidKey.with(detail: "unreadable public key")
        }
        try self.init(material: material, algorithm: algorithm ?? defaultAlgorithm)
    }

    private static func rsaKey(der: [UInt8], allowsShortKeys: Bool) throws -> _RSA.Signing.PublicKey {
        allowsShortKeys
            ? try _RSA.Signing.PublicKey(unsafeDERRepresentation: der)
            : try _RSA.Signing.PublicKey(derRepresentation: der)
    }

    /// Makes an Ed25519 key from its raw 32 bytes.
    /// - Throws: `HTTPSignatureError.invalidKey` when `rawRepresentation` is not 32 bytes.
    public init(ed25519RawRepresentation rawRepresentation: [UInt8]) throws {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation) else {
            throw HTTPSignatureError.invalidKey.with(detail: "Ed25519 keys are 32 bytes")
        }
        try self.init(material: .ed25519(key), algorithm: .ed25519)
    }

    /// Reads an FEP-521a Multikey `publicKeyMultibase` value: base58btc (`z`)
    /// over a multicodec prefix and the key.
    ///
    /// Ed25519 (`0xed`), P-256 compressed (`0x1200`) and RSA PKCS#1 (`0x1205`)
    /// keys are understood. For RSA, `rsaAlgorithm` picks the algorithm
    /// (default `rsa-v1_5-sha256`).
    /// - Throws: `HTTPSignatureError.invalidKey`.
    public init(multibase: String, rsaAlgorithm: SignatureAlgorithm = .rsaV1_5SHA256) throws {
        let (codec, key) = try MultikeyEncoding.decode(multibase)
        switch codec {
        case .ed25519:
            try self.init(ed25519RawRepresentation: key)
        case .p256:
            guard let publicKey = try? P256.Signing.PublicKey(compressedRepresentation: key) else {
                throw HTTPSignatureError.invalidKey.with(detail: "bad P-256 multikey")
            }
            try self.init(material: .p256(publicKey), algorithm: .ecdsaP256SHA256)
        case .rsa:
            guard let publicKey = try? _RSA.Signing.PublicKey(derRepresentation: key) else {
                throw HTTPSignatureError.invalidKey.with(detail: "bad RSA multikey")
            }
            try self.init(material: .rsa(publicKey), algorithm: rsaAlgorithm)
        }
    }

    /// Makes an `hmac-sha256` key from a shared secret.
    /// - Throws: `HTTPSignatureError.invalidKey` when the secret is empty.
    public init(hmacSecret secret: [UInt8]) throws {
        guard !secret.isEmpty else { throw HTTPSignatureError.invalidKey.with(detail: "empty secret") }
        try self.init(material: .hmac(SymmetricKey(data: secret)), algorithm: .hmacSHA256)
    }

    /// The key as SPKI PEM (`BEGIN PUBLIC KEY`), or `nil` for a shared secret.
    public var pemRepresentation: String? {
        let pem: String? = switch material {
        case .ed25519(let key): key.pemRepresentation
        case .rsa(let key): key.pemRepresentation
        case .p256(let key): key.pemRepresentation
        case .hmac: nil
        }
        return pem.map(PEMDocument.normalized)
    }

    /// The key as an FEP-521a `publicKeyMultibase` value, or `nil` for a
    /// shared secret.
    public var multibaseRepresentation: String? {
        switch material {
        case .ed25519(let key): MultikeyEncoding.encode(codec: .ed25519, key: Array(key.rawRepresentation))
        case .rsa(let key): MultikeyEncoding.encode(codec: .rsa, key: Array(key.pkcs1DERRepresentation))
        case .p256(let key): MultikeyEncoding.encode(codec: .p256, key: Array(key.compressedRepresentation))
        case .hmac: nil
        }
    }

    /// Whether `signature` is this key's signature over `message` with the
    /// key's algorithm.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        switch (material, algorithm) {
        case (.ed25519(let key), .ed25519):
            return key.isValidSignature(signature, for: message)
        case (.rsa(let key), .rsaV1_5SHA256):
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature),
                for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5)
        case (.rsa(let key), .rsaPSSSHA512):
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature),
                for: SHA512.hash(data: message), padding: .PSS)
        case (.p256(let key), .ecdsaP256SHA256):
            guard let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: SHA256.hash(data: message))
        case (.hmac(let key), .hmacSHA256):
            return HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: message, using: key)
        default:
            return false
        }
    }
}

extension MessageVerificationKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "MessageVerificationKey(\(algorithm.rawValue))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["algorithm": algorithm]) }
}

extension MessageVerificationKey.Material {
    func supports(_ algorithm: SignatureAlgorithm) -> Bool {
        switch (self, algorithm) {
        case (.ed25519, .ed25519), (.rsa, .rsaV1_5SHA256), (.rsa, .rsaPSSSHA512),
             (.p256, .ecdsaP256SHA256), (.hmac, .hmacSHA256):
            true
        default:
            false
        }
    }
}
