import Crypto
import Foundation
import _CryptoExtras

/// A private key (or shared secret) that signs HTTP messages, bound to one
/// `SignatureAlgorithm`.
///
/// Keep signing keys out of logs: printing one shows its algorithm only. Keys
/// are stored as PKCS#8 PEM (`pemRepresentation`) and read back with
/// `init(pemRepresentation:algorithm:)`. RSA keys shorter than 2048 bits are
/// refused.
public struct MessageSigningKey: Sendable {
    enum Material: Sendable {
        case ed25519(Curve25519.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
        case hmac(SymmetricKey)
    }

    /// The one algorithm this key signs with.
    public let algorithm: SignatureAlgorithm
    let material: Material

    private init(material: Material, algorithm: SignatureAlgorithm) throws {
        guard material.publicMaterial.supports(algorithm) else {
            throw HTTPSignatureError.invalidKey.with(detail: "key type cannot be used with \(algorithm.rawValue)")
        }
        self.material = material
        self.algorithm = algorithm
    }

    /// Makes a new random Ed25519 key.
    public static func makeEd25519() -> MessageSigningKey {
        // An Ed25519 key always fits the ed25519 algorithm.
        try! MessageSigningKey(material: .ed25519(Curve25519.Signing.PrivateKey()), algorithm: .ed25519)
    }

    /// Makes a new random RSA key; this takes tens to hundreds of milliseconds.
    ///
    /// - Parameters:
    ///   - bitCount: 2048 (the fediverse's usual size), 3072 or 4096.
    ///   - algorithm: `rsa-v1_5-sha256` (default) or `rsa-pss-sha512`.
    /// - Throws: `HTTPSignatureError.invalidKey` for other sizes or algorithms.
    public static func makeRSA(
        bitCount: Int = 2048,
        algorithm: SignatureAlgorithm = .rsaV1_5SHA256
    ) throws -> MessageSigningKey {
        guard [2048, 3072, 4096].contains(bitCount) else {
            throw HTTPSignatureError.invalidKey.with(detail: "RSA keys are 2048, 3072 or 4096 bits")
        }
        let key = try _RSA.Signing.PrivateKey(keySize: .init(bitCount: bitCount))
        return try MessageSigningKey(material: .rsa(key), algorithm: algorithm)
    }

    /// Reads a private key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`: Ed25519,
    /// RSA, RSA-PSS, P-256), PKCS#1 (`BEGIN RSA PRIVATE KEY`) or SEC 1
    /// (`BEGIN EC PRIVATE KEY`, P-256).
    ///
    /// - Parameter algorithm: the algorithm to bind; `nil` takes the key
    ///   type's default (`rsa-v1_5-sha256` for RSA, `rsa-pss-sha512` for
    ///   RSASSA-PSS keys). Passing an algorithm the key cannot do throws.
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
            case "RSA PRIVATE KEY":
                material = .rsa(try Self.rsaKey(der: document.der, allowsShortKeys: allowsShortRSAKeys))
                defaultAlgorithm = .rsaV1_5SHA256
            case "EC PRIVATE KEY":
                material = .p256(try P256.Signing.PrivateKey(derRepresentation: document.der))
                defaultAlgorithm = .ecdsaP256SHA256
            case "PRIVATE KEY":
                let info = try KeyDocument.parsePrivateKeyInfo(document.der)
                switch info.algorithm {
                case KeyTypeOID.ed25519:
                    var inner = DERReader(info.payload)
                    let seed = try inner.read(.octetString)
                    material = .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: seed))
                    defaultAlgorithm = .ed25519
                case KeyTypeOID.rsaEncryption, KeyTypeOID.rsassaPSS:
                    // The payload is a PKCS#1 RSAPrivateKey. Reading it directly
                    // also covers RSASSA-PSS documents, which BoringSSL's PKCS#8
                    // reader does not accept.
                    material = .rsa(try Self.rsaKey(der: info.payload, allowsShortKeys: allowsShortRSAKeys))
                    defaultAlgorithm = info.algorithm == KeyTypeOID.rsassaPSS ? .rsaPSSSHA512 : .rsaV1_5SHA256
                case KeyTypeOID.ecPublicKey where info.curve == KeyTypeOID.prime256v1:
                    material = .p256(try P256.Signing.PrivateKey(derRepresentation: document.der))
                    defaultAlgorithm = .ecdsaP256SHA256
                default:
                    throw HTTPSignatureError.invalidKey.with(detail: "unsupported private key type")
                }
            default:
                throw HTTPSignatureError.invalidKey.with(detail: "unsupported PEM type \(document.label)")
            }
        } catch let error as HTTPSignatureError {
            throw error
        } catch {
            throw HTTPSignatureError.invalidKey.with(detail: "unreadable private key")
        }
        try self.init(material: material, algorithm: algorithm ?? defaultAlgorithm)
    }

    private static func rsaKey(der: [UInt8], allowsShortKeys: Bool) throws -> _RSA.Signing.PrivateKey {
        allowsShortKeys
            ? try _RSA.Signing.PrivateKey(unsafeDERRepresentation: der)
            : try _RSA.Signing.PrivateKey(derRepresentation: der)
    }

    /// Makes an Ed25519 key from its raw 32-byte seed.
    /// - Throws: `HTTPSignatureError.invalidKey` when the seed is not 32 bytes.
    public init(ed25519RawRepresentation rawRepresentation: [UInt8]) throws {
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: rawRepresentation) else {
            throw HTTPSignatureError.invalidKey.with(detail: "Ed25519 seeds are 32 bytes")
        }
        try self.init(material: .ed25519(key), algorithm: .ed25519)
    }

    /// Makes an `hmac-sha256` key from a shared secret.
    /// - Throws: `HTTPSignatureError.invalidKey` when the secret is empty.
    public init(hmacSecret secret: [UInt8]) throws {
        guard !secret.isEmpty else { throw HTTPSignatureError.invalidKey.with(detail: "empty secret") }
        try self.init(material: .hmac(SymmetricKey(data: secret)), algorithm: .hmacSHA256)
    }

    /// The key as PKCS#8 PEM (`BEGIN PRIVATE KEY`), or `nil` for a shared
    /// secret. This is secret: store it encrypted or with tight permissions.
    public var pemRepresentation: String? {
        let pem: String? = switch material {
        case .ed25519(let key): key.pemRepresentation
        case .rsa(let key): key.pkcs8PEMRepresentation
        case .p256(let key): key.pemRepresentation
        case .hmac: nil
        }
        return pem.map(PEMDocument.normalized)
    }

    /// The matching public key (or, for HMAC, the same secret), bound to the
    /// same algorithm.
    public var verificationKey: MessageVerificationKey {
        // The material supports the algorithm: the initializer checked it.
        try! MessageVerificationKey(material: material.publicMaterial, algorithm: algorithm)
    }

    /// Signs `message` with the key's algorithm.
    ///
    /// ECDSA signatures are returned raw (`r || s`, 64 bytes), as RFC 9421 requires.
    /// - Throws: `HTTPSignatureError.invalidKey` if the crypto library fails.
    public func signature(for message: [UInt8]) throws -> [UInt8] {
        do {
            switch material {
            case .ed25519(let key):
                return Array(try key.signature(for: message))
            case .rsa(let key):
                let signature = algorithm == .rsaPSSSHA512
                    ? try key.signature(for: SHA512.hash(data: message), padding: .PSS)
                    : try key.signature(for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5)
                return Array(signature.rawRepresentation)
            case .p256(let key):
                return Array(try key.signature(for: SHA256.hash(data: message)).rawRepresentation)
            case .hmac(let key):
                return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
            }
        } catch {
            throw HTTPSignatureError.invalidKey.with(detail: "signing failed")
        }
    }
}

extension MessageSigningKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "MessageSigningKey(\(algorithm.rawValue))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["algorithm": algorithm]) }
}

extension MessageSigningKey.Material {
    var publicMaterial: MessageVerificationKey.Material {
        switch self {
        case .ed25519(let key): .ed25519(key.publicKey)
        case .rsa(let key): .rsa(key.publicKey)
        case .p256(let key): .p256(key.publicKey)
        case .hmac(let key): .hmac(key)
        }
    }
}
