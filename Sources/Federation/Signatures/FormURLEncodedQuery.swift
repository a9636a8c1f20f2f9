/// Query parameters for RFC 9421's `@query-param`: parsed as
/// application/x-www-form-urlencoded, then each name and value re-encoded
/// with the form-urlencoded percent-encode set (space as `%20`, not `+`).
enum FormURLEncodedQuery {
    /// The encoded value of the single parameter whose encoded name is `name`.
    ///
    /// - Throws: `HTTPSignatureError.missingComponent` when no parameter or
    ///   more than one has that name (RFC 9421 section 2.2.8 forbids signing a
    ///   repeated parameter).
    static func encodedValue(named name: String, in query: String) throws -> String {
        var found: [String] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let pairName = encode(decode(parts[0]))
            guard pairName == name else { continue }
            found.append(parts.count > 1 ? encode(decode(parts[1])) : "")
        }
        guard found.count == 1 else {
            throw HTTPSignatureError.missingComponent.with(
                detail: found.isEmpty ? "no query parameter \(name)" : "query parameter \(name) is repeated")
        }
        return found[0]
    }

    /// Form-urlencoded decoding: `+` is a space, `%XX` a byte; stray `%` stays.
    /// Invalid UTF-8 becomes U+FFFD, as the URL standard's decoder does.
    static func decode(_ text: Substring) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                output.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                      let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                output.append(high << 4 | low)
                index += 2
            } else {
                output.append(byte)
            }
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Percent-encodes every UTF-8 byte except ASCII letters, digits and `*-._`,
    /// with uppercase hex digits.
    static func encode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                output.append(byte)
            default:
                output += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
