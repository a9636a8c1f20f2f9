/// The `publicKeyMultibase` encoding of FEP-521a Multikeys: multibase `z`
/// (base58btc) over a multicodec varint prefix and the raw public key.
enum MultikeyEncoding {
    /// Multicodec codes of the public key types this module reads.
    enum Codec: UInt64 {
        /// Ed25519 public key, 32 raw bytes (prefix `0xed 0x01`).
        case ed25519 = 0xED
        /// P-256 public key, 33-byte compressed point (prefix `0x80 0x24`).
        case p256 = 0x1200
        /// RSA public key, PKCS#1 `RSAPublicKey` DER (prefix `0x85 0x24`).
        case rsa = 0x1205
    }

    static func encode(codec: Codec, key: [UInt8]) -> String {
        var prefixed: [UInt8] = []
        var value = codec.rawValue
        repeat {
            let low = UInt8(value & 0x7F)
            value >>= 7
            prefixed.append(value == 0 ? low : low | 0x80)
        } while value != 0
        return "z" + Base58.encode(prefixed + key)
    }

    static func decode(_ multibase: String) throws -> (codec: Codec, key: [UInt8]) {
        guard multibase.hasPrefix("z"), let bytes = Base58.decode(String(multibase.dropFirst())) else {
            throw HTTPSignatureError.invalidKey.with(detail: "not base58btc multibase")
        }
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var index = 0
        while true {
            guard index < bytes.count, index < 9 else {
                throw HTTPSignatureError.invalidKey.with(detail: "bad multicodec prefix")
            }
            let byte = bytes[index]
            value |= UInt64(byte & 0x7F) << shift
            shift += 7
            index += 1
            if byte & 0x80 == 0 { break }
        }
        guard let codec = Codec(rawValue: value) else {
            throw HTTPSignatureError.invalidKey.with(detail: "unsupported multicodec key type")
        }
        return (codec, Array(bytes[index...]))
    }
}
