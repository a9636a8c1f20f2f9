import Crypto
import Foundation

/// A legacy `Digest` field (RFC 3230), as draft-cavage signers such as Mastodon send it.
///
/// The value is a comma-separated list of `algorithm=base64` pairs, e.g.
/// `SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=`; algorithm names are
/// case-insensitive. Only SHA-256 and SHA-512 are made or checked; other
/// entries of a received field are ignored. RFC 9530 obsoletes this field;
/// use it only next to a draft-cavage signature.
public struct LegacyDigest: Sendable, Hashable {
    /// The field name, `Digest`.
    public static let fieldName = "Digest"

    /// The digests this field carries, in field order.
    public let digests: [(algorithm: ContentDigest.Algorithm, value: [UInt8])]

    /// Computes the digests of `content` with each of `algorithms`.
    public init(content: [UInt8], algorithms: [ContentDigest.Algorithm] = [.sha256]) {
        var seen = Set<ContentDigest.Algorithm>()
        digests = algorithms.filter { seen.insert($0).inserted }.map { ($0, $0.digest(of: content)) }
    }

    /// Parses a received `Digest` field value.
    ///
    /// - Throws: `HTTPSignatureError.malformedHeader` when a supported entry's
    ///   value is not base64; `.unsupportedDigestAlgorithm` when no entry uses a
    ///   supported algorithm.
    public init(parsing fieldValue: String) throws {
        var digests: [(algorithm: ContentDigest.Algorithm, value: [UInt8])] = []
        for entry in fieldValue.split(separator: ",") {
            let entry = entry.trimmingHTTPWhitespace()
            guard let equals = entry.firstIndex(of: "=") else { continue }
            let name = entry[..<equals].lowercased()
            guard let algorithm = ContentDigest.Algorithm(rawValue: name) else { continue }
            guard let value = Data(base64Encoded: String(entry[entry.index(after: equals)...])) else {
                throw HTTPSignatureError.malformedHeader.with(detail: "digest \(name)")
            }
            digests.append((algorithm, Array(value)))
        }
        guard !digests.isEmpty else { throw HTTPSignatureError.unsupportedDigestAlgorithm }
        self.digests = digests
    }

    /// The field value, with algorithm names in the usual upper case (`SHA-256=…`).
    public var fieldValue: String {
        digests.map { $0.algorithm.rawValue.uppercased() + "=" + Data($0.value).base64EncodedString() }
            .joined(separator: ",")
    }

    /// Checks every digest against `content`.
    ///
    /// - Throws: `HTTPSignatureError.digestMismatch` when any digest differs.
    public func verify(content: [UInt8]) throws {
        for (algorithm, value) in digests where algorithm.digest(of: content) != value {
            throw HTTPSignatureError.digestMismatch.with(detail: algorithm.rawValue)
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.digests.elementsEqual(rhs.digests) { $0.algorithm == $1.algorithm && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for (algorithm, value) in digests {
            hasher.combine(algorithm)
            hasher.combine(value)
        }
    }
}
