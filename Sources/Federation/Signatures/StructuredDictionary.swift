import RawStructuredFieldValues

/// Reads a Structured Field Dictionary (RFC 9651): `Signature-Input`,
/// `Signature` and `Content-Digest` values.
///
/// The parser of swift-http-structured-headers is generic over its bytes and
/// not inlinable, so it runs unspecialised: reading the two signature fields
/// of an inbox request was 7 % of the request's CPU. ``readPlain(_:)`` reads
/// the dictionaries signers send: members that are inner lists or items of
/// integers, strings without escapes and byte sequences, with parameters of
/// the same kinds or without a value, and members without a value. Anything
/// else (tokens, decimals, booleans, dates, display strings, escapes, or a
/// value that does not parse) is not "plain" and goes to the library, which
/// reads it or says why not. The values are built with the library's own
/// types and its rules for spaces and repeated keys (a repeated key keeps
/// its first place and takes the last value); `StructuredDictionaryTests`
/// check that both read every plain value alike.
enum StructuredDictionary {
    /// The dictionary in `text`, or nil when it is not one.
    static func read(_ text: String) -> OrderedMap<String, ItemOrInnerList>? {
        readPlain(text) ?? readWithLibrary(text)
    }

    /// The dictionary as swift-http-structured-headers reads it.
    static func readWithLibrary(_ text: String) -> OrderedMap<String, ItemOrInnerList>? {
        var parser = StructuredFieldValueParser(Array(text.utf8))
        return try? parser.parseDictionaryFieldValue()
    }

    /// The dictionary when `text` has the plain shape, else nil.
    static func readPlain(_ text: String) -> OrderedMap<String, ItemOrInnerList>? {
        var text = text
        return text.withUTF8 { bytes in
            var reader = Reader(bytes: bytes)
            return reader.dictionary()
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skip(_ characters: (UInt8) -> Bool) {
            while index < bytes.count, characters(bytes[index]) { index += 1 }
        }

        static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 }
        static func isOptionalWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

        mutating func dictionary() -> OrderedMap<String, ItemOrInnerList>? {
            var members = OrderedMap<String, ItemOrInnerList>()
            skip(Self.isSpace)
            while index < bytes.count {
                guard let key = key() else { return nil }
                if current == UInt8(ascii: "=") {
                    index += 1
                    guard let value = itemOrInnerList() else { return nil }
                    members[key] = value
                } else {
                    guard let parameters = parameters() else { return nil }
                    members[key] = .item(Item(bareItem: .bool(true), parameters: parameters))
                }
                skip(Self.isOptionalWhitespace)
                guard index < bytes.count else { break }
                guard current == UInt8(ascii: ",") else { return nil }
                index += 1
                skip(Self.isOptionalWhitespace)
                guard index < bytes.count else { return nil }
            }
            // Trailing spaces were taken by the optional whitespace after the last member.
            return members
        }

        mutating func itemOrInnerList() -> ItemOrInnerList? {
            guard current == UInt8(ascii: "(") else { return item().map { .item($0) } }
            index += 1
            var items = BareInnerList()
            while index < bytes.count {
                skip(Self.isSpace)
                if current == UInt8(ascii: ")") {
                    index += 1
                    guard let parameters = parameters() else { return nil }
                    return .innerList(InnerList(bareInnerList: items, parameters: parameters))
                }
                guard let item = item() else { return nil }
                items.append(item)
                guard current == UInt8(ascii: " ") || current == UInt8(ascii: ")") else { return nil }
            }
            return nil
        }

        mutating func item() -> Item? {
            guard let bareItem = bareItem(), let parameters = parameters() else { return nil }
            return Item(bareItem: bareItem, parameters: parameters)
        }

        mutating func parameters() -> OrderedMap<String, RFC9651BareItem>? {
            var parameters = OrderedMap<String, RFC9651BareItem>()
            while current == UInt8(ascii: ";") {
                index += 1
                skip(Self.isSpace)
                guard let key = key() else { return nil }
                if current == UInt8(ascii: "=") {
                    index += 1
                    guard let value = bareItem() else { return nil }
                    parameters[key] = value
                } else {
                    parameters[key] = .bool(true)
                }
            }
            return parameters
        }

        /// `lcalpha / "*"`, then `lcalpha / DIGIT / "_" / "-" / "." / "*"`.
        mutating func key() -> String? {
            guard let first = current, (0x61...0x7A).contains(first) || first == UInt8(ascii: "*") else { return nil }
            let start = index
            skip { byte in
                (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "*")
            }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }

        /// An integer, a string without escapes or a byte sequence; nil for anything else.
        mutating func bareItem() -> RFC9651BareItem? {
            guard let first = current else { return nil }
            switch first {
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return integer()
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: ":"): return byteSequence()
            default: return nil
            }
        }

        mutating func integer() -> RFC9651BareItem? {
            var sign: Int64 = 1
            if current == UInt8(ascii: "-") {
                sign = -1
                index += 1
            }
            var value: Int64 = 0
            var digits = 0
            while let byte = current, (0x30...0x39).contains(byte) {
                digits += 1
                guard digits <= 15 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
                index += 1
            }
            // A decimal is not plain.
            guard digits > 0, current != UInt8(ascii: ".") else { return nil }
            return .integer(value * sign)
        }

        /// A string without escapes: printable ASCII but the backslash.
        mutating func string() -> RFC9651BareItem? {
            text(until: UInt8(ascii: "\""), allowing: { (0x20...0x7E).contains($0) && $0 != UInt8(ascii: "\\") }).map { .string($0) }
        }

        /// A byte sequence: base64 characters between colons, kept undecoded as the library keeps them.
        mutating func byteSequence() -> RFC9651BareItem? {
            text(until: UInt8(ascii: ":"), allowing: { byte in
                (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
                    || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
            }).map { .undecodedByteSequence($0) }
        }

        /// The text after the opening delimiter up to `end` (both consumed),
        /// or nil when a byte before `end` is not `allowed` or `end` never comes.
        mutating func text(until end: UInt8, allowing allowed: (UInt8) -> Bool) -> String? {
            index += 1
            let start = index
            while let byte = current {
                if byte == end {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return text
                }
                guard allowed(byte) else { return nil }
                index += 1
            }
            return nil
        }
    }
}
