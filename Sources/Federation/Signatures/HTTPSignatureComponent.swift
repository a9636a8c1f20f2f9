import RawStructuredFieldValues

/// A component identifier of RFC 9421: a derived component (`@method`) or a
/// header field (`content-digest`), with its parameters (`;sf`, `;key="a"`,
/// `;bs`, `;req`, `;name="x"`).
///
/// Two identifiers are equal when their names are and their parameters are
/// the same set; parameter order is kept for serialisation, as the RFC requires.
public struct HTTPSignatureComponent: Sendable, Hashable, CustomStringConvertible {
    /// The component name: a lowercase field name, or a derived name starting with `@`.
    public let name: String
    /// The parameters, in order.
    let parameters: OrderedMap<String, RFC9651BareItem>

    init(name: String, parameters: OrderedMap<String, RFC9651BareItem> = OrderedMap<String, RFC9651BareItem>()) {
        self.name = name
        self.parameters = parameters
    }

    /// Reads a component identifier from a parsed `Signature-Input` member.
    /// - Throws: `HTTPSignatureError.malformedHeader` when the item is not a String.
    init(item: Item) throws {
        guard case .string(let name) = item.rfc9651BareItem else {
            throw HTTPSignatureError.malformedHeader.with(detail: "component identifier is not a string")
        }
        self.init(name: name, parameters: item.rfc9651Parameters)
    }

    var item: Item {
        Item(bareItem: RFC9651BareItem.string(name), parameters: parameters)
    }

    /// Whether this is a derived component (its name starts with `@`).
    public var isDerived: Bool { name.hasPrefix("@") }

    /// The identifier as it appears in a signature base and in
    /// `Signature-Input`, e.g. `"@query-param";name="Pet"`.
    public var description: String {
        (try? serializedIdentifier()) ?? "\"\(name)\""
    }

    /// The strict serialisation of the identifier.
    /// - Throws: `HTTPSignatureError.invalidComponent` when the name or a
    ///   parameter cannot be serialised (control or non-ASCII characters).
    func serializedIdentifier() throws -> String {
        // Without parameters, a name of printable ASCII other than `"` and `\`
        // is the String as written between quotes (the usual identifiers).
        if parameters.count == 0, name.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            return "\"" + name + "\""
        }
        var serializer = StructuredFieldValueSerializer()
        guard let bytes = try? serializer.writeItemFieldValue(item) else {
            throw HTTPSignatureError.invalidComponent.with(detail: "identifier cannot be serialised")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        guard lhs.name == rhs.name, lhs.parameters.count == rhs.parameters.count else { return false }
        return lhs.parameters.allSatisfy { key, value in rhs.parameters[key] == value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(Set(parameters.map(\.0)))
    }

    func flag(_ key: String) -> Bool {
        if case .bool(true) = parameters[key] { return true }
        return false
    }

    func stringParameter(_ key: String) -> String? {
        if case .string(let value) = parameters[key] { return value }
        return nil
    }

    private func adding(_ key: String, _ value: RFC9651BareItem) -> HTTPSignatureComponent {
        var parameters = self.parameters
        parameters[key] = value
        return HTTPSignatureComponent(name: name, parameters: parameters)
    }
}

extension HTTPSignatureComponent {
    /// `@method`: the request method.
    public static let method = HTTPSignatureComponent(name: "@method")
    /// `@target-uri`: the full target URI of the request.
    public static let targetURI = HTTPSignatureComponent(name: "@target-uri")
    /// `@authority`: host and non-default port, lowercase.
    public static let authority = HTTPSignatureComponent(name: "@authority")
    /// `@scheme`: the URI scheme, lowercase.
    public static let scheme = HTTPSignatureComponent(name: "@scheme")
    /// `@request-target`: path and query as in an HTTP/1.1 request line.
    public static let requestTarget = HTTPSignatureComponent(name: "@request-target")
    /// `@path`: the absolute path.
    public static let path = HTTPSignatureComponent(name: "@path")
    /// `@query`: the query with its leading `?`.
    public static let query = HTTPSignatureComponent(name: "@query")
    /// `@status`: a response's status code.
    public static let status = HTTPSignatureComponent(name: "@status")
    /// The `Content-Digest` header field.
    public static let contentDigest = HTTPSignatureComponent(name: "content-digest")

    /// `@query-param;name=…`: one query parameter.
    ///
    /// - Parameter name: the parameter name as it appears encoded in the
    ///   identifier (form-urlencoded, spaces as `%20`).
    public static func queryParameter(named name: String) -> HTTPSignatureComponent {
        HTTPSignatureComponent(name: "@query-param").adding("name", .string(name))
    }

    /// A header field, by name (lowercased here).
    ///
    /// - Parameters:
    ///   - strictlySerialized: adds `sf`: the value is re-serialised as a
    ///     structured field, which needs the field's type to be known.
    ///   - dictionaryKey: adds `key`: only that member of a Dictionary field.
    ///   - byteSequenceWrapped: adds `bs`: each field line is wrapped as a
    ///     Byte Sequence, for fields whose values cannot be safely combined.
    public static func field(
        _ name: String,
        strictlySerialized: Bool = false,
        dictionaryKey: String? = nil,
        byteSequenceWrapped: Bool = false
    ) -> HTTPSignatureComponent {
        var component = HTTPSignatureComponent(name: name.lowercased())
        if strictlySerialized { component = component.adding("sf", .bool(true)) }
        if let dictionaryKey { component = component.adding("key", .string(dictionaryKey)) }
        if byteSequenceWrapped { component = component.adding("bs", .bool(true)) }
        return component
    }

    /// The same component taken from the request a signed response answers
    /// (the `req` flag).
    public func fromRelatedRequest() -> HTTPSignatureComponent {
        adding("req", .bool(true))
    }
}
