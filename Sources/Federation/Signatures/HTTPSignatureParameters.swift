import Foundation
import RawStructuredFieldValues

/// The covered components and metadata of one RFC 9421 signature: the value
/// of a `Signature-Input` member and of the `@signature-params` line.
///
/// Metadata parameters keep their order, because the serialisation is signed:
/// a parsed value serialises back exactly; new values are written as
/// `created`, `keyid`, `alg`, `expires`, `nonce`, `tag`, which is also the
/// order RFC 9421's examples use. Unknown parameters of a received signature
/// are kept and signed over, but otherwise ignored.
public struct HTTPSignatureParameters: Sendable, Hashable {
    /// The covered components, in signature-base order.
    public var components: [HTTPSignatureComponent]
    private var metadata: OrderedMap<String, RFC9651BareItem>

    /// Creates parameters for a new signature; `nil` values are left out.
    public init(
        components: [HTTPSignatureComponent],
        created: Date? = nil,
        keyID: String? = nil,
        algorithm: SignatureAlgorithm? = nil,
        expires: Date? = nil,
        nonce: String? = nil,
        tag: String? = nil
    ) {
        self.components = components
        metadata = OrderedMap<String, RFC9651BareItem>()
        if let created { metadata["created"] = .integer(Int64(created.timeIntervalSince1970.rounded(.down))) }
        if let keyID { metadata["keyid"] = .string(keyID) }
        if let algorithm { metadata["alg"] = .string(algorithm.rawValue) }
        if let expires { metadata["expires"] = .integer(Int64(expires.timeIntervalSince1970.rounded(.down))) }
        if let nonce { metadata["nonce"] = .string(nonce) }
        if let tag { metadata["tag"] = .string(tag) }
    }

    /// Reads a parsed `Signature-Input` member.
    /// - Throws: `HTTPSignatureError.malformedHeader` when the member is not an
    ///   inner list of strings or a known parameter has the wrong type.
    init(member: ItemOrInnerList) throws {
        guard case .innerList(let list) = member else {
            throw HTTPSignatureError.malformedHeader.with(detail: "signature input is not an inner list")
        }
        components = try list.bareInnerList.map(HTTPSignatureComponent.init(item:))
        metadata = list.rfc9651Parameters
        for (key, value) in metadata {
            switch (key, value) {
            case ("created", .integer), ("expires", .integer),
                 ("keyid", .string), ("alg", .string), ("nonce", .string), ("tag", .string):
                continue
            case ("created", _), ("expires", _), ("keyid", _), ("alg", _), ("nonce", _), ("tag", _):
                throw HTTPSignatureError.malformedHeader.with(detail: "signature parameter \(key) has the wrong type")
            default:
                continue
            }
        }
    }

    /// Creation time (`created`), whole seconds.
    public var created: Date? { integer("created").map { Date(timeIntervalSince1970: TimeInterval($0)) } }
    /// Expiry time (`expires`), whole seconds.
    public var expires: Date? { integer("expires").map { Date(timeIntervalSince1970: TimeInterval($0)) } }
    /// The key identifier (`keyid`).
    public var keyID: String? { string("keyid") }
    /// The algorithm name (`alg`) exactly as given; it may be unknown.
    public var algorithmName: String? { string("alg") }
    /// The nonce (`nonce`).
    public var nonce: String? { string("nonce") }
    /// The application tag (`tag`).
    public var tag: String? { string("tag") }

    private func integer(_ key: String) -> Int64? {
        if case .integer(let value) = metadata[key] { return value }
        return nil
    }

    private func string(_ key: String) -> String? {
        if case .string(let value) = metadata[key] { return value }
        return nil
    }

    var innerList: InnerList {
        var items = BareInnerList()
        for component in components { items.append(component.item) }
        return InnerList(bareInnerList: items, parameters: metadata)
    }

    /// The strict serialisation: the `@signature-params` value and the
    /// `Signature-Input` member value, e.g.
    /// `("@method" "@target-uri");created=1618884473;keyid="k"`.
    /// - Throws: `HTTPSignatureError.malformedHeader` when a value cannot be
    ///   serialised (a string with control or non-ASCII characters).
    public func serialized() throws -> String {
        var serializer = StructuredFieldValueSerializer()
        do {
            // A list of one inner list serialises to that inner list alone.
            let bytes = try serializer.writeListFieldValue([.innerList(innerList)])
            return String(decoding: bytes, as: UTF8.self)
        } catch {
            throw HTTPSignatureError.malformedHeader.with(detail: "signature parameters cannot be serialised")
        }
    }
}
