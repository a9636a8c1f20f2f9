import Foundation

/// JSON text written by hand, for the few places that splice values into
/// text encoded before (see ``Outbox/addressedCopies(of:to:signer:subjects:)``).
enum JSONText {
    /// Appends `value` as a JSON string: quoted, with quotes, backslashes
    /// and control characters escaped (slashes are left as they are, as
    /// ``Activity/encoded()`` leaves them).
    static func appendString(_ value: String, to data: inout Data) {
        data.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): data.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): data.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: data.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: data.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: data.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                data.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                         hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: data.append(byte)
            }
        }
        data.append(UInt8(ascii: "\""))
    }

    /// Appends `values` as a JSON array of strings.
    static func appendStrings(_ values: [String], to data: inout Data) {
        data.append(UInt8(ascii: "["))
        for (offset, value) in values.enumerated() {
            if offset > 0 { data.append(UInt8(ascii: ",")) }
            appendString(value, to: &data)
        }
        data.append(UInt8(ascii: "]"))
    }
}
