import Foundation
import RawStructuredFieldValues

/// One labelled RFC 9421 signature as carried by the `Signature-Input` and
/// `Signature` fields.
public struct HTTPMessageSignature: Sendable, Hashable {
    /// The field names, `Signature-Input` and `Signature`.
    public static let inputFieldName = "Signature-Input"
    public static let signatureFieldName = "Signature"

    /// The label that pairs the two fields' members (`sig1`).
    public var label: String
    /// The covered components and metadata.
    public var parameters: HTTPSignatureParameters
    /// The signature bytes.
    public var signature: [UInt8]

    public init(label: String, parameters: HTTPSignatureParameters, signature: [UInt8]) {
        self.label = label
        self.parameters = parameters
        self.signature = signature
    }

    /// Reads every signature in `headers`, in `Signature-Input` order.
    ///
    /// Several field lines of either field are allowed, but a label must occur
    /// once across them, and every label must be in both fields.
    /// - Returns: an empty array when neither field is present.
    /// - Throws: `HTTPSignatureError.malformedHeader` when a field does not
    ///   parse, a label repeats or is unpaired, or a value has the wrong type.
    public static func signatures(in headers: HTTPHeaderFields) throws -> [HTTPMessageSignature] {
        let inputs = try members(of: headers.values(named: inputFieldName), field: "signature-input")
        let values = try members(of: headers.values(named: signatureFieldName), field: "signature")
        guard Set(inputs.map(\.0)) == Set(values.map(\.0)) else {
            throw HTTPSignatureError.malformedHeader.with(detail: "signature labels are not paired")
        }
        let signatures = Dictionary(uniqueKeysWithValues: values)
        return try inputs.map { label, member in
            guard case .item(let item) = signatures[label],
                  case .undecodedByteSequence(let base64) = item.rfc9651BareItem,
                  let bytes = Data(base64Encoded: base64)
            else { throw HTTPSignatureError.malformedHeader.with(detail: "signature \(label) is not a byte sequence") }
            return HTTPMessageSignature(label: label, parameters: try HTTPSignatureParameters(member: member),
                                        signature: Array(bytes))
        }
    }

    private static func members(of lines: [String], field: String) throws -> [(String, ItemOrInnerList)] {
        var result: [(String, ItemOrInnerList)] = []
        var labels = Set<String>()
        for line in lines {
            guard let dictionary = StructuredDictionary.read(line) else {
                throw HTTPSignatureError.malformedHeader.with(detail: "\(field) is not a dictionary")
            }
            for (label, member) in dictionary {
                guard labels.insert(label).inserted else {
                    throw HTTPSignatureError.malformedHeader.with(detail: "label \(label) repeats")
                }
                result.append((label, member))
            }
        }
        return result
    }

    /// Adds this signature to `headers` as one new line of each field.
    ///
    /// - Throws: `HTTPSignatureError.malformedHeader` when `headers` already
    ///   has a signature with this label, or the label is not a valid key.
    /// - Parameter serializedParameters: `parameters.serialized()`, when the
    ///   caller has it already (the signer made it for the signature base).
    func append(to headers: inout HTTPHeaderFields, serializedParameters: String? = nil) throws {
        let existing = try Self.signatures(in: headers)
        guard !existing.contains(where: { $0.label == label }) else {
            throw HTTPSignatureError.malformedHeader.with(detail: "label \(label) already used")
        }
        let encoded = Data(signature).base64EncodedString()
        if let serializedParameters, Self.isKey(label) {
            // A one-member dictionary is `key=value`; the signature is a Byte Sequence.
            headers.append(name: Self.inputFieldName, value: label + "=" + serializedParameters)
            headers.append(name: Self.signatureFieldName, value: label + "=:" + encoded + ":")
            return
        }
        var input = OrderedMap<String, ItemOrInnerList>()
        input[label] = .innerList(parameters.innerList)
        var value = OrderedMap<String, ItemOrInnerList>()
        value[label] = .item(Item(bareItem: RFC9651BareItem.undecodedByteSequence(encoded),
                                  parameters: OrderedMap<String, RFC9651BareItem>()))
        var serializer = StructuredFieldValueSerializer()
        guard let inputBytes = try? serializer.writeDictionaryFieldValue(input),
              let valueBytes = try? serializer.writeDictionaryFieldValue(value)
        else { throw HTTPSignatureError.malformedHeader.with(detail: "label \(label) is not a valid key") }
        headers.append(name: Self.inputFieldName, value: String(decoding: inputBytes, as: UTF8.self))
        headers.append(name: Self.signatureFieldName, value: String(decoding: valueBytes, as: UTF8.self))
    }

    /// Whether `text` is a Structured Field key: `lcalpha` or `*`, then
    /// `lcalpha`, digits, `_`, `-`, `.` and `*`.
    static func isKey(_ text: String) -> Bool {
        let isLowercase: (UInt8) -> Bool = { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
        guard let first = text.utf8.first, isLowercase(first) || first == UInt8(ascii: "*") else { return false }
        return text.utf8.allSatisfy { byte in
            isLowercase(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "*")
        }
    }
}
