/// An ordered list of HTTP header fields with case-insensitive lookup.
///
/// Field lines keep the order and spelling they were added with, because
/// signatures cover values in message order. Several lines with the same name
/// are combined as RFC 9110 section 5.3 says: values joined with ", ".
/// Values are stored as given; callers pass them without the line's leading
/// and trailing whitespace, as an HTTP parser delivers them.
public struct HTTPHeaderFields: Sendable, Hashable {
    /// One header field line.
    public struct Field: Sendable, Hashable {
        /// The field name as it was given; compare names case-insensitively.
        public var name: String
        /// The field value.
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The field lines, in message order.
    public private(set) var fields: [Field]

    public init() {
        fields = []
    }

    /// Creates a list from `(name, value)` pairs in message order.
    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { Field(name: $0.0, value: $0.1) }
    }

    /// Appends a field line, keeping any existing lines of the same name.
    public mutating func append(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every line named `name` with a single line, appended at the end.
    public mutating func replaceValues(named name: String, with value: String) {
        removeAll(named: name)
        append(name: name, value: value)
    }

    /// Removes every line named `name`.
    public mutating func removeAll(named name: String) {
        let key = name.lowercased()
        fields.removeAll { $0.name.lowercased() == key }
    }

    /// The values of every line named `name`, in message order.
    public func values(named name: String) -> [String] {
        let key = name.lowercased()
        return fields.filter { $0.name.lowercased() == key }.map(\.value)
    }

    /// Whether at least one line is named `name`.
    public func contains(_ name: String) -> Bool {
        let key = name.lowercased()
        return fields.contains { $0.name.lowercased() == key }
    }

    /// The combined value of the lines named `name` (RFC 9110 section 5.3), or
    /// `nil` when there is none.
    ///
    /// Each value is trimmed of surrounding spaces and tabs and the values are
    /// joined with ", ", which is also how RFC 9421 and draft-cavage canonicalize
    /// a field for a signature.
    public subscript(name: String) -> String? {
        let values = values(named: name)
        guard !values.isEmpty else { return nil }
        return values.map { $0.trimmingHTTPWhitespace() }.joined(separator: ", ")
    }
}

extension HTTPHeaderFields: ExpressibleByDictionaryLiteral {
    /// Creates a list from a literal; a literal keeps its written order.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }
}

extension HTTPHeaderFields: Sequence {
    public func makeIterator() -> IndexingIterator<[Field]> {
        fields.makeIterator()
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and horizontal tabs
    /// (HTTP's optional whitespace).
    func trimmingHTTPWhitespace() -> String {
        // Nothing to trim unless the first or last byte is a space or tab
        // (a Character that is " " or "\t" is that one byte); most values.
        let isOWSByte: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        let whole = String(self)
        if let first = whole.utf8.first, let last = whole.utf8.last, !isOWSByte(first), !isOWSByte(last) { return whole }
        let isOWS: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isOWS($0) }) else { return "" }
        let last = lastIndex(where: { !isOWS($0) })!
        return String(self[first...last])
    }
}
