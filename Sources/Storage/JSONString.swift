/// JSON strings written by hand where `JSONEncoder` would cost more than the
/// value: the storage layer's short lists on hot paths, and the federation
/// layer's splicing of values into text encoded before.
public enum JSONString {
    /// Appends `value` as a JSON string (RFC 8259): quoted, with quotes,
    /// backslashes and control characters escaped (`\b \f \n \r \t`, the
    /// others as `\u00xx`); slashes and everything else as they are. This
    /// is how Foundation's `JSONEncoder` writes strings (without escaped
    /// slashes), byte for byte.
    public static func append(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: value.utf8)
        } else {
            for byte in value.utf8 {
                let escaped: UInt8
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): escaped = byte
                case 0x08: escaped = UInt8(ascii: "b")
                case 0x0C: escaped = UInt8(ascii: "f")
                case 0x0A: escaped = UInt8(ascii: "n")
                case 0x0D: escaped = UInt8(ascii: "r")
                case 0x09: escaped = UInt8(ascii: "t")
                case ..<0x20:
                    let hex: StaticString = "0123456789abcdef"
                    bytes.append(UInt8(ascii: "\\"))
                    bytes.append(UInt8(ascii: "u"))
                    bytes.append(UInt8(ascii: "0"))
                    bytes.append(UInt8(ascii: "0"))
                    bytes.append(hex.utf8Start[Int(byte >> 4)])
                    bytes.append(hex.utf8Start[Int(byte & 0x0F)])
                    continue
                default:
                    bytes.append(byte)
                    continue
                }
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(escaped)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
