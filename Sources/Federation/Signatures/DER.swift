/// Just enough DER reading to tell key formats apart: walks the outer
/// structures of SPKI and PKCS#8 documents so the right swift-crypto type can
/// parse them. Cryptographic parsing of key material stays in swift-crypto.
struct DERReader {
    enum Tag: UInt8 {
        case integer = 0x02
        case bitString = 0x03
        case octetString = 0x04
        case null = 0x05
        case objectIdentifier = 0x06
        case sequence = 0x30
    }

    struct Malformed: Error {}

    private var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    init(_ bytes: [UInt8]) {
        self.bytes = bytes[...]
    }

    var isAtEnd: Bool { bytes.isEmpty }

    /// The tag of the next element, if any.
    var nextTag: UInt8? { bytes.first }

    /// Reads one element with `tag` and returns its content octets.
    mutating func read(_ tag: Tag) throws -> ArraySlice<UInt8> {
        guard bytes.first == tag.rawValue else { throw Malformed() }
        return try readAny()
    }

    /// Reads one element of any tag and returns its content octets.
    mutating func readAny() throws -> ArraySlice<UInt8> {
        var cursor = bytes.startIndex
        guard cursor < bytes.endIndex else { throw Malformed() }
        cursor += 1
        guard cursor < bytes.endIndex else { throw Malformed() }
        let first = bytes[cursor]
        cursor += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard (1...4).contains(count), bytes.endIndex - cursor >= count else { throw Malformed() }
            for _ in 0..<count {
                length = length << 8 | Int(bytes[cursor])
                cursor += 1
            }
        }
        guard bytes.endIndex - cursor >= length else { throw Malformed() }
        let content = bytes[cursor..<(cursor + length)]
        bytes = bytes[(cursor + length)...]
        return content
    }
}

/// Object identifiers of the key types this module reads, as DER content octets.
enum KeyTypeOID {
    static let rsaEncryption: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
    static let rsassaPSS: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A]
    static let ed25519: [UInt8] = [0x2B, 0x65, 0x70]
    static let ecPublicKey: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]
    static let prime256v1: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
}

/// The algorithm part and payload of an SPKI or PKCS#8 document.
struct KeyDocument {
    /// The algorithm OID's content octets.
    var algorithm: [UInt8]
    /// The first algorithm parameter if it is an OID (the curve for EC keys).
    var curve: [UInt8]?
    /// SPKI: the public key bits; PKCS#8: the private key octets.
    var payload: [UInt8]

    /// Reads a SubjectPublicKeyInfo.
    static func parseSubjectPublicKeyInfo(_ der: [UInt8]) throws -> KeyDocument {
        var outer = DERReader(der)
        var info = DERReader(try outer.read(.sequence))
        let (algorithm, curve) = try readAlgorithmIdentifier(&info)
        let bits = try info.read(.bitString)
        // The first octet counts unused bits; keys always use whole octets.
        guard bits.first == 0 else { throw DERReader.Malformed() }
        return KeyDocument(algorithm: algorithm, curve: curve, payload: Array(bits.dropFirst()))
    }

    /// Reads a PKCS#8 PrivateKeyInfo (version 0 or 1).
    static func parsePrivateKeyInfo(_ der: [UInt8]) throws -> KeyDocument {
        var outer = DERReader(der)
        var info = DERReader(try outer.read(.sequence))
        _ = try info.read(.integer)
        let (algorithm, curve) = try readAlgorithmIdentifier(&info)
        let payload = try info.read(.octetString)
        return KeyDocument(algorithm: algorithm, curve: curve, payload: Array(payload))
    }

    private static func readAlgorithmIdentifier(_ reader: inout DERReader) throws -> ([UInt8], [UInt8]?) {
        var identifier = DERReader(try reader.read(.sequence))
        let algorithm = Array(try identifier.read(.objectIdentifier))
        let curve = identifier.nextTag == DERReader.Tag.objectIdentifier.rawValue
            ? Array(try identifier.read(.objectIdentifier)) : nil
        return (algorithm, curve)
    }
}
