/// An HTTP request as message signatures see it, independent of any web framework.
///
/// Holds exactly what RFC 9421 derived components and draft-cavage's
/// `(request-target)` are computed from: the method, the target URI split into
/// scheme, authority, path and query, the header fields, and the raw body bytes.
/// Path and query are kept as sent (percent-encoding untouched), because the
/// signer signed those bytes.
public struct SignableRequest: Sendable, Hashable {
    /// The method, case-sensitive as sent (`POST`).
    public var method: String
    /// The URI scheme (`https`); compared and signed in lowercase.
    public var scheme: String
    /// The authority (`host[:port]`) of the target URI, usually the `Host` header.
    public var authority: String
    /// The absolute path, percent-encoded as sent; empty means `/`.
    public var path: String
    /// The query without its leading `?`, or `nil` when the target has no `?`.
    public var query: String?
    /// The header fields in message order.
    public var headers: HTTPHeaderFields
    /// The raw content, or `nil` when the request has none.
    public var body: [UInt8]?

    /// Creates a request from its parts.
    public init(
        method: String,
        scheme: String,
        authority: String,
        path: String,
        query: String? = nil,
        headers: HTTPHeaderFields = HTTPHeaderFields(),
        body: [UInt8]? = nil
    ) {
        self.method = method
        self.scheme = scheme
        self.authority = authority
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// Creates a request from a received request line's target (`/inbox?x=1`).
    ///
    /// A server knows its scheme from configuration and the authority from the
    /// `Host` header (or HTTP/2's `:authority`); it passes them here.
    /// - Throws: `HTTPSignatureError.malformedRequest` when `target` is not
    ///   in origin form (it must start with `/`).
    public init(
        method: String,
        scheme: String,
        authority: String,
        requestTarget: String,
        headers: HTTPHeaderFields = HTTPHeaderFields(),
        body: [UInt8]? = nil
    ) throws {
        guard requestTarget.hasPrefix("/") else { throw HTTPSignatureError.malformedRequest }
        let (path, query) = Self.splitPathAndQuery(requestTarget)
        self.init(method: method, scheme: scheme, authority: authority, path: path, query: query,
                  headers: headers, body: body)
    }

    /// Creates a request for an absolute URL such as `https://example.com/inbox?x=1`.
    ///
    /// The fragment, if any, is dropped; nothing is percent-encoded or decoded.
    /// - Throws: `HTTPSignatureError.malformedRequest` when `url` has no scheme
    ///   or no authority.
    public init(
        method: String,
        url: String,
        headers: HTTPHeaderFields = HTTPHeaderFields(),
        body: [UInt8]? = nil
    ) throws {
        guard let schemeEnd = url.range(of: "://") else { throw HTTPSignatureError.malformedRequest }
        let scheme = String(url[..<schemeEnd.lowerBound])
        var rest = url[schemeEnd.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = String(rest[..<authorityEnd])
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }),
              !authority.isEmpty, !authority.contains("@")
        else { throw HTTPSignatureError.malformedRequest }
        let (path, query) = Self.splitPathAndQuery(rest[authorityEnd...])
        self.init(method: method, scheme: scheme, authority: authority, path: path, query: query,
                  headers: headers, body: body)
    }

    private static func splitPathAndQuery(_ target: Substring) -> (String, String?) {
        guard let mark = target.firstIndex(of: "?") else { return (String(target), nil) }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }

    private static func splitPathAndQuery(_ target: String) -> (String, String?) {
        splitPathAndQuery(target[...])
    }
}

extension SignableRequest {
    /// The scheme in lowercase (`@scheme`).
    var normalizedScheme: String { scheme.lowercased() }

    /// The authority with the host in lowercase and the scheme's default port
    /// removed (`@authority`, RFC 9110 section 4.2.3).
    var normalizedAuthority: String {
        let lowered = authority.lowercased()
        let defaultPort: String? = switch normalizedScheme {
        case "https", "wss": ":443"
        case "http", "ws": ":80"
        default: nil
        }
        if let defaultPort, lowered.hasSuffix(defaultPort) {
            let host = lowered.dropLast(defaultPort.count)
            // Only strip a real port: for IPv6 literals the host ends with "]".
            if !host.isEmpty, !host.contains(":") || host.hasSuffix("]") { return String(host) }
        }
        return lowered
    }

    /// The path, with an empty path normalized to `/` (`@path`).
    var normalizedPath: String { path.isEmpty ? "/" : path }

    /// The query with its leading `?`, or `?` alone when there is none (`@query`).
    var queryWithQuestionMark: String { "?" + (query ?? "") }

    /// The request target in origin form: path and query (`@request-target`,
    /// draft-cavage's `(request-target)` after the method).
    var originFormTarget: String {
        query.map { normalizedPath + "?" + $0 } ?? normalizedPath
    }

    /// The absolute target URI (`@target-uri`).
    var targetURI: String {
        normalizedScheme + "://" + normalizedAuthority + originFormTarget
    }
}
