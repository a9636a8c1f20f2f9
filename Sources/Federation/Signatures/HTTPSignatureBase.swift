import Foundation
import RawStructuredFieldValues

/// The signature base of RFC 9421 section 2.5: the exact bytes a signature
/// covers, built from the message and the signature's parameters.
///
/// Signer and verifier build it the same way; any component that cannot be
/// resolved (absent header, unknown derived name, unknown parameter, `@status`
/// on a request…) is an error rather than an empty line.
public struct HTTPSignatureBase: Sendable, Hashable {
    /// The base as text; it is ASCII and has no final newline.
    public let text: String

    /// The bytes that are signed: `text` as UTF-8 (ASCII).
    public var bytes: [UInt8] { Array(text.utf8) }

    /// Builds the base for a request.
    ///
    /// - Parameter structuredFields: field types for components with `;sf`
    ///   or `;key`; defaults to `StructuredFieldType.knownFields`.
    /// - Throws: `HTTPSignatureError.invalidComponent` or `.missingComponent`.
    public init(
        request: SignableRequest,
        parameters: HTTPSignatureParameters,
        structuredFields: [String: StructuredFieldType] = StructuredFieldType.knownFields
    ) throws {
        try self.init(message: .request(request), parameters: parameters, structuredFields: structuredFields)
    }

    /// Builds the base for a response; components flagged `req` are taken
    /// from `response.request`.
    ///
    /// - Throws: `HTTPSignatureError.invalidComponent` or `.missingComponent`.
    public init(
        response: SignableResponse,
        parameters: HTTPSignatureParameters,
        structuredFields: [String: StructuredFieldType] = StructuredFieldType.knownFields
    ) throws {
        try self.init(message: .response(response), parameters: parameters, structuredFields: structuredFields)
    }

    /// - Parameter serializedParameters: `parameters.serialized()`, when the caller has it already.
    init(message: SignedMessage, parameters: HTTPSignatureParameters,
         structuredFields: [String: StructuredFieldType], serializedParameters: String? = nil) throws {
        let resolver = ComponentResolver(message: message, structuredFields: structuredFields)
        var seen = Set<HTTPSignatureComponent>()
        var text = ""
        for component in parameters.components {
            guard seen.insert(component).inserted else {
                throw HTTPSignatureError.invalidComponent.with(detail: "\(component) appears twice")
            }
            text += try component.serializedIdentifier() + ": " + resolver.value(of: component) + "\n"
        }
        text += "\"@signature-params\": " + (try serializedParameters ?? parameters.serialized())
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else {
            throw HTTPSignatureError.invalidComponent.with(detail: "signature base is not ASCII")
        }
        self.text = text
    }
}

/// The message a signature is made for or checked against.
enum SignedMessage: Sendable {
    case request(SignableRequest)
    case response(SignableResponse)

    var headers: HTTPHeaderFields {
        switch self {
        case .request(let request): request.headers
        case .response(let response): response.headers
        }
    }
}

/// Computes component values (RFC 9421 section 2) for one message.
private struct ComponentResolver {
    var message: SignedMessage
    var structuredFields: [String: StructuredFieldType]

    func value(of component: HTTPSignatureComponent) throws -> String {
        var message = self.message
        if component.flag("req") {
            guard case .response(let response) = message else {
                throw HTTPSignatureError.invalidComponent.with(detail: "\(component): req on a request")
            }
            guard let request = response.request else {
                throw HTTPSignatureError.missingComponent.with(detail: "\(component): no related request")
            }
            message = .request(request)
        }
        let value = component.isDerived
            ? try derivedValue(of: component, in: message)
            : try fieldValue(of: component, in: message)
        guard value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F || $0 == 0x09 }) else {
            throw HTTPSignatureError.invalidComponent.with(detail: "\(component): value has control or non-ASCII characters")
        }
        return value
    }

    // MARK: Derived components (section 2.2)

    private func derivedValue(of component: HTTPSignatureComponent, in message: SignedMessage) throws -> String {
        let allowed: Set<String> = component.name == "@query-param" ? ["req", "name"] : ["req"]
        try checkParameters(of: component, allowed: allowed)
        if component.name == "@status" {
            guard case .response(let response) = message else {
                throw HTTPSignatureError.invalidComponent.with(detail: "@status on a request")
            }
            guard (100...999).contains(response.status) else {
                throw HTTPSignatureError.missingComponent.with(detail: "@status is not three digits")
            }
            return String(response.status)
        }
        guard case .request(let request) = message else {
            throw HTTPSignatureError.invalidComponent.with(detail: "\(component.name) on a response without req")
        }
        switch component.name {
        case "@method": return request.method
        case "@target-uri": return request.targetURI
        case "@authority": return request.normalizedAuthority
        case "@scheme": return request.normalizedScheme
        case "@request-target": return request.originFormTarget
        case "@path": return request.normalizedPath
        case "@query": return request.queryWithQuestionMark
        case "@query-param":
            guard let name = component.stringParameter("name") else {
                throw HTTPSignatureError.invalidComponent.with(detail: "@query-param without a name")
            }
            return try FormURLEncodedQuery.encodedValue(named: name, in: request.query ?? "")
        case "@signature-params":
            throw HTTPSignatureError.invalidComponent.with(detail: "@signature-params listed as covered")
        default:
            throw HTTPSignatureError.invalidComponent.with(detail: "unknown derived component \(component.name)")
        }
    }

    // MARK: Header fields (section 2.1)

    private func fieldValue(of component: HTTPSignatureComponent, in message: SignedMessage) throws -> String {
        try checkParameters(of: component, allowed: ["sf", "key", "bs", "req"])
        let name = component.name
        guard !name.isEmpty, name == name.lowercased() else {
            throw HTTPSignatureError.invalidComponent.with(detail: "field names must be lowercase")
        }
        let lines = message.headers.values(named: name)
        guard !lines.isEmpty else {
            throw HTTPSignatureError.missingComponent.with(detail: "no \(name) header")
        }
        let values = try lines.map { try Self.canonicalLine($0, of: name) }
        let isByteSequence = component.flag("bs")
        let dictionaryKey = component.stringParameter("key")
        let isStrict = component.flag("sf")
        if isByteSequence {
            guard dictionaryKey == nil, !isStrict else {
                throw HTTPSignatureError.invalidComponent.with(detail: "\(component): bs with sf or key")
            }
            let items = values.map { value -> ItemOrInnerList in
                .item(Item(bareItem: RFC9651BareItem.undecodedByteSequence(Data(value.utf8).base64EncodedString()),
                           parameters: OrderedMap<String, RFC9651BareItem>()))
            }
            return try serialize { try $0.writeListFieldValue(items) }
        }
        let combined = values.joined(separator: ", ")
        if let dictionaryKey {
            guard (structuredFields[name] ?? .dictionary) == .dictionary else {
                throw HTTPSignatureError.invalidComponent.with(detail: "\(name) is not a dictionary")
            }
            var parser = Self.parser(combined)
            guard let dictionary = try? parser.parseDictionaryFieldValue() else {
                throw HTTPSignatureError.missingComponent.with(detail: "\(name) is not a valid dictionary")
            }
            guard let member = dictionary[dictionaryKey] else {
                throw HTTPSignatureError.missingComponent.with(detail: "\(name) has no member \(dictionaryKey)")
            }
            // A one-member list serialises to the member alone.
            return try serialize { try $0.writeListFieldValue([member]) }
        }
        if isStrict {
            guard let type = structuredFields[name] else {
                throw HTTPSignatureError.invalidComponent.with(detail: "\(name) is not a known structured field")
            }
            do {
                var parser = Self.parser(combined)
                switch type {
                case .item:
                    let item = try parser.parseItemFieldValue()
                    return try serialize { try $0.writeItemFieldValue(item) }
                case .list:
                    let list = try parser.parseListFieldValue()
                    return try serialize { try $0.writeListFieldValue(list) }
                case .dictionary:
                    let dictionary = try parser.parseDictionaryFieldValue()
                    return try serialize { try $0.writeDictionaryFieldValue(dictionary) }
                }
            } catch let error as HTTPSignatureError {
                throw error
            } catch {
                throw HTTPSignatureError.missingComponent.with(detail: "\(name) is not a valid structured field")
            }
        }
        return combined
    }

    /// One field line as RFC 9421 section 2.1 canonicalises it: surrounding
    /// whitespace removed and obsolete line folding replaced by one space.
    private static func canonicalLine(_ line: String, of name: String) throws -> String {
        // Without a line break there is nothing to unfold (the common case).
        guard line.utf8.contains(where: { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }) else {
            return line.trimmingHTTPWhitespace()
        }
        let scalars = Array(line.unicodeScalars)
        let isBlank: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" }
        var result = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "\r" || scalars[index] == "\n" else {
                result.append(scalars[index])
                index += 1
                continue
            }
            // obs-fold = [CR] LF 1*(SP / HTAB)
            if scalars[index] == "\r" { index += 1 }
            if index < scalars.count, scalars[index] == "\n" { index += 1 }
            guard index < scalars.count, isBlank(scalars[index]) else {
                throw HTTPSignatureError.invalidComponent.with(detail: "\(name) has a bare line break")
            }
            while index < scalars.count, isBlank(scalars[index]) { index += 1 }
            while let last = result.last, isBlank(last) { result.removeLast() }
            result.append(" ")
        }
        return String(result).trimmingHTTPWhitespace()
    }

    private func checkParameters(of component: HTTPSignatureComponent, allowed: Set<String>) throws {
        for (key, value) in component.parameters {
            guard allowed.contains(key) else {
                throw HTTPSignatureError.invalidComponent.with(detail: "\(component.name): unsupported parameter \(key)")
            }
            switch (key, value) {
            case ("sf", .bool(true)), ("bs", .bool(true)), ("req", .bool(true)),
                 ("key", .string), ("name", .string):
                continue
            default:
                throw HTTPSignatureError.invalidComponent.with(detail: "\(component.name): bad value for \(key)")
            }
        }
    }

    private static func parser(_ text: String) -> StructuredFieldValueParser<[UInt8]> {
        StructuredFieldValueParser(Array(text.utf8))
    }

    private func serialize(_ body: (inout StructuredFieldValueSerializer) throws -> [UInt8]) throws -> String {
        var serializer = StructuredFieldValueSerializer()
        guard let bytes = try? body(&serializer) else {
            throw HTTPSignatureError.missingComponent.with(detail: "value cannot be serialised")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
