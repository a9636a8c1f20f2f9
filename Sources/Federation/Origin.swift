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
        guard let components = URLComponents(string: id), let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        if let port = components.port { return Parts(scheme: scheme, authority: "\(host):\(port)") }
        return Parts(scheme: scheme, authority: host)
    }

    public struct Parts: Equatable, Sendable {
        public let scheme: String
        public let authority: String
    }
}
