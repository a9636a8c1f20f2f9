import Foundation

/// The origin rules of FEP-fe34: an id is trusted only for what its own
/// origin (scheme, host and port) says.
public enum Origin {
    /// The authority of a URL: `host`, or `host:port` when a port is given,
    /// lowercased. `nil` for anything that is not an absolute http(s) URL.
    public static func authority(of id: String) -> String? {
        parts(of: id)?.authority
    }

    /// `scheme://authority` of a URL, the unit of trust.
    public static func of(_ id: String) -> String? {
        parts(of: id).map { "\($0.scheme)://\($0.authority)" }
    }

    /// Whether two ids share an origin.
    public static func same(_ lhs: String, _ rhs: String) -> Bool {
        guard let left = parts(of: lhs), let right = parts(of: rhs) else { return false }
        return left == right
    }

    /// The lowercased scheme (`http` or `https`) and authority of a URL,
    /// parsed once (every inbox request compares several ids); two ids
    /// share an origin when their parts are equal.
    public static func parts(of id: String) -> Parts? {
        if let plain = PlainURL(id) { return plain.parts }
        return foundationParts(of: id)
    }

    /// `id` without its fragment (`#…`): a key id's actor. Nil when `id` is not a URL.
    public static func removingFragment(of id: String) -> String? {
        if let plain = PlainURL(id) { return plain.withoutFragment }
        guard var components = URLComponents(string: id) else { return nil }
        components.fragment = nil
        return components.string
    }

    /// ``parts(of:)`` as `URLComponents` reads it: the rule every shape of URL is held to.
    static func foundationParts(of id: String) -> Parts? {
        URLComponents(string: id).flatMap(foundationParts(of:))
    }

    private static func foundationParts(of components: URLComponents) -> Parts? {
        guard let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        if let port = components.port { return Parts(scheme: scheme, authority: "\(host):\(port)") }
        return Parts(scheme: scheme, authority: host)
    }

    public struct Parts: Equatable, Sendable {
        public let scheme: String
        public let authority: String
    }

    /// What a client needs to send a request to an absolute http(s) URL;
    /// nil for anything else. Plain URLs are read without `URLComponents`
    /// (its parse was 1.5 % of an outgoing delivery's CPU).
    static func requestTarget(of url: String) -> RequestTarget? {
        if let plain = PlainURL.requestTarget(of: url) { return plain }
        return foundationRequestTarget(of: url)
    }

    /// ``requestTarget(of:)`` as `URLComponents` reads it.
    static func foundationRequestTarget(of url: String) -> RequestTarget? {
        // One parse: the origin's parts come from the same components.
        guard let components = URLComponents(string: url), let parts = foundationParts(of: components), let host = components.host
        else { return nil }
        return RequestTarget(scheme: parts.scheme, authority: parts.authority, host: host, path: components.percentEncodedPath,
                             query: components.percentEncodedQuery)
    }

    struct RequestTarget: Equatable {
        /// `http` or `https`.
        let scheme: String
        /// `host[:port]`, lowercased, as ``Origin/authority(of:)`` gives it.
        let authority: String
        /// The host as written, for the address policy.
        let host: String
        /// The percent-encoded path; empty when the URL has none.
        let path: String
        /// The percent-encoded query without its `?`; nil when there is no `?`.
        let query: String?
    }
}

/// The common shape of an id, read without `URLComponents` (three or four
/// URL parses per inbox request were 4 % of its CPU): `http://` or
/// `https://`, a host of lowercase letters, digits, dots and hyphens (no
/// IDNA `xn--` label), an
/// optional port of at most five digits, and a path, query and fragment of
/// characters RFC 3986 allows there unescaped or percent-encoded. Anything
/// else (capitals, user info, IP literals, unusual characters) is not
/// "plain" and goes to `URLComponents`; `OriginTests` check that both read
/// every plain URL alike.
struct PlainURL {
    let parts: Origin.Parts
    let withoutFragment: String

    init?(_ text: String) {
        var text = text
        // `withUTF8` makes the string contiguous first (native strings already are).
        guard let (parts, prefix) = text.withUTF8({ bytes -> (Origin.Parts, String?)? in
            guard let reading = Self.read(bytes) else { return nil }
            let authority = String(decoding: UnsafeBufferPointer(rebasing: bytes[reading.authority]), as: UTF8.self)
            let prefix = reading.fragmentStart.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[..<$0]), as: UTF8.self) }
            return (Origin.Parts(scheme: reading.https ? "https" : "http", authority: authority), prefix)
        }) else { return nil }
        self.parts = parts
        self.withoutFragment = prefix ?? text
    }

    /// ``Origin/requestTarget(of:)`` for a plain URL; nil when `text` is not plain.
    static func requestTarget(of text: String) -> Origin.RequestTarget? {
        var text = text
        return text.withUTF8 { bytes in
            guard let reading = read(bytes) else { return nil }
            func string(_ range: Range<Int>) -> String {
                String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            }
            let end = reading.fragmentStart ?? bytes.count
            let pathEnd = reading.queryStart ?? end
            return Origin.RequestTarget(
                scheme: reading.https ? "https" : "http", authority: string(reading.authority), host: string(reading.host),
                path: string(reading.authority.upperBound..<pathEnd), query: reading.queryStart.map { string(($0 + 1)..<end) })
        }
    }

    private struct Reading {
        let https: Bool
        let host: Range<Int>
        let authority: Range<Int>
        /// Where the query's `?` is, when there is one before the fragment.
        let queryStart: Int?
        let fragmentStart: Int?
    }

    private static func read(_ bytes: UnsafeBufferPointer<UInt8>) -> Reading? {
        let https: Bool
        var index: Int
        if starts(bytes, with: "https://") { https = true; index = 8 } else if starts(bytes, with: "http://") { https = false; index = 7 } else { return nil }
        // The host: labels of [a-z0-9-] that start and end with a letter or digit, joined by single dots.
        let hostStart = index
        var labelStart = index
        while index < bytes.count, isHostByte(bytes[index]) {
            if bytes[index] == UInt8(ascii: ".") {
                guard index > labelStart, bytes[index - 1] != UInt8(ascii: "-") else { return nil }
                labelStart = index + 1
            } else if bytes[index] == UInt8(ascii: "-"), index == labelStart {
                return nil
            }
            index += 1
        }
        guard index > labelStart, bytes[index - 1] != UInt8(ascii: "-"), bytes[index - 1] != UInt8(ascii: ".") else { return nil }
        // URLComponents shows IDNA labels (`xn--…`) decoded to Unicode: leave those to it.
        if contains(bytes[hostStart..<index], "xn--") { return nil }
        let host = hostStart..<index
        // An optional port: 1–5 digits, no leading zero, at most 65535.
        if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
            index += 1
            let portStart = index
            var port = 0
            while index < bytes.count, isDigit(bytes[index]), index - portStart < 5 {
                port = port * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            guard index > portStart, bytes[portStart] != UInt8(ascii: "0"), port <= 65535 else { return nil }
        }
        let authority = hostStart..<index
        guard index == bytes.count || [UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#")].contains(bytes[index]) else { return nil }
        // Path, then query, then fragment.
        var section = 0  // 0 path, 1 query, 2 fragment
        var queryStart: Int?
        var fragmentStart: Int?
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "?"):
                if section == 0 {
                    section = 1
                    queryStart = index
                }
            case UInt8(ascii: "#"):
                guard section < 2 else { return nil }
                section = 2
                fragmentStart = index
            case UInt8(ascii: "%"):
                guard index + 2 < bytes.count, isHexDigit(bytes[index + 1]), isHexDigit(bytes[index + 2]) else { return nil }
                index += 2
            default:
                guard isPathByte(byte) else { return nil }
            }
            index += 1
        }
        return Reading(https: https, host: host, authority: authority, queryStart: queryStart, fragmentStart: fragmentStart)
    }

    private static func starts(_ bytes: UnsafeBufferPointer<UInt8>, with prefix: StaticString) -> Bool {
        guard bytes.count >= prefix.utf8CodeUnitCount else { return false }
        return prefix.withUTF8Buffer { expected in
            expected.indices.allSatisfy { bytes[$0] == expected[$0] }
        }
    }

    private static func contains(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, _ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        return text.withUTF8Buffer { needle in
            (bytes.startIndex...(bytes.endIndex - count)).contains { start in
                needle.indices.allSatisfy { bytes[start + $0] == needle[$0] }
            }
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    /// RFC 3986 `pchar` and `/` (the query's and fragment's `?` is handled
    /// by the caller), without `%`: unreserved, sub-delims, `:` and `@`.
    private static func isPathByte(_ byte: UInt8) -> Bool {
        if isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) {
            return true
        }
        switch byte {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),
             UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="),
             UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }
}
