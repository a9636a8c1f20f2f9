import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Decides which network addresses remote fetches and deliveries may reach.
///
/// Remote data names URLs that this node then fetches; without this check a
/// peer could make the node fetch from its own network (server-side request
/// forgery). Loopback, private, link-local, unique-local and unspecified
/// addresses are refused unless the node runs with
/// `ALLOW_PRIVATE_NETWORK_PEERS` (local testing only).
public struct AddressPolicy: Sendable {
    public let allowsPrivateAddresses: Bool

    public init(allowsPrivateAddresses: Bool) {
        self.allowsPrivateAddresses = allowsPrivateAddresses
    }

    /// Resolves `host` and throws unless every address it resolves to may be reached.
    public func check(host: String) throws {
        if allowsPrivateAddresses { return }
        let addresses = try Self.resolve(host)
        guard !addresses.isEmpty else { throw FederationError.unreachable("\(host) does not resolve") }
        if let refused = addresses.first(where: Self.isPrivate) {
            throw FederationError.forbiddenAddress("\(host) resolves to \(refused), a private or loopback address")
        }
    }

    /// Addresses of `host` as text (`127.0.0.1`, `::1`).
    static func resolve(_ host: String) throws -> [String] {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(bare, nil, &hints, &result) == 0, let first = result else {
            throw FederationError.unreachable("\(host) does not resolve")
        }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }

    /// Whether a numeric address is one a public node must never fetch from.
    public static func isPrivate(_ address: String) -> Bool {
        let lower = address.lowercased()
        if lower.contains(":") {
            // IPv6: loopback, unspecified, unique local fc00::/7, link-local fe80::/10, IPv4-mapped.
            if lower == "::1" || lower == "::" { return true }
            if lower.hasPrefix("fc") || lower.hasPrefix("fd") || lower.hasPrefix("fe8") || lower.hasPrefix("fe9")
                || lower.hasPrefix("fea") || lower.hasPrefix("feb") { return true }
            if lower.hasPrefix("::ffff:") { return isPrivate(String(lower.dropFirst(7))) }
            return false
        }
        let octets = lower.split(separator: ".").compactMap { Int($0) }
        guard octets.count == 4 else { return true }
        switch (octets[0], octets[1]) {
        case (0, _), (10, _), (127, _): return true
        case (169, 254): return true
        case (172, 16...31): return true
        case (192, 168): return true
        case (100, 64...127): return true  // carrier-grade NAT
        case (224...255, _): return true  // multicast and reserved
        default: return false
        }
    }
}
