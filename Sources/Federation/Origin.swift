import Foundation

/// The origin rules of FEP-fe34: an id is trusted only for what its own
/// origin (scheme, host and port) says.
public enum Origin {
    /// The authority of a URL: `host`, or `host:port` when a port is given,
    /// lowercased. `nil` for anything that is not an absolute http(s) URL.
    public static func authority(of id: String) -> String? {
        guard let components = URLComponents(string: id), let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        if let port = components.port { return "\(host):\(port)" }
        return host
    }

    /// `scheme://authority` of a URL, the unit of trust.
    public static func of(_ id: String) -> String? {
        guard let components = URLComponents(string: id), let scheme = components.scheme?.lowercased(),
              let authority = authority(of: id) else { return nil }
        return "\(scheme)://\(authority)"
    }

    /// Whether two ids share an origin.
    public static func same(_ lhs: String, _ rhs: String) -> Bool {
        guard let left = of(lhs), let right = of(rhs) else { return false }
        return left == right
    }
}
