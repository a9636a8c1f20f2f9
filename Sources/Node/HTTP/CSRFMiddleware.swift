import Foundation
import HTTPTypes
import Hummingbird

/// Refuses cross-site request forgery on every unsafe request that a browser
/// could send on its own.
///
/// - JSON API with a session cookie: the `X-CSRF-Token` header must equal the
///   session's token (a cross-site page cannot set that header).
/// - JSON API with a bearer token or no credentials: nothing to forge; JSON
///   routes also insist on `Content-Type: application/json`, which a plain
///   cross-site form cannot send.
/// - HTML forms: the `_csrf` form field (or header) must equal the session's
///   token, or for visitors who are not signed in, the `meent_csrf` cookie
///   (double submit).
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext
    static let cookieName = "meent_csrf"
    static let headerName = HTTPField.Name("X-CSRF-Token")!
    static let formField = "_csrf"

    /// Inboxes and the endpoints other nodes send wiki edits, files, file
    /// changes and moderation to:
    /// their POSTs are authenticated by HTTP signatures, not cookies.
    static func isSignedEndpoint(_ path: String) -> Bool {
        path == "/inbox" || ((path.hasPrefix("/users/") || path.hasPrefix("/groups/")) && path.hasSuffix("/inbox"))
            || (path.hasPrefix("/wiki/") && path.hasSuffix("/edits"))
            || (path.hasPrefix("/groups/") && path.hasSuffix("/wiki/pages"))
            || (path.hasPrefix("/groups/") && path.hasSuffix("/uploads")) || (path.hasPrefix("/content/") && path.hasSuffix("/versions"))
            || (path.hasPrefix("/groups/") && path.hasSuffix("/moderation")) || (path.hasPrefix("/content/") && path.hasSuffix("/changes"))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard ![.get, .head, .options].contains(request.method),
              !Self.isSignedEndpoint(request.uri.path)
        else { return try await next(request, context) }

        let path = request.uri.path
        var request = request
        if path.hasPrefix("/api/") {
            if case .session(let session) = context.authentication {
                guard let sent = request.headers[Self.headerName], SecretToken.constantTimeEquals(sent, session.csrfToken) else {
                    throw Problem.forbidden("a request signed in by cookie must carry the session's X-CSRF-Token header")
                }
            }
            return try await next(request, context)
        }

        let expected: String?
        if case .session(let session) = context.authentication {
            expected = session.csrfToken
        } else {
            expected = request.cookies[Self.cookieName]?.value
        }
        var sent = request.headers[Self.headerName]
        if sent == nil, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            sent = FormData(body: String(buffer: body))[Self.formField]
        }
        if sent == nil, request.headers[.contentType]?.hasPrefix("multipart/form-data") == true {
            sent = request.uri.queryParameters.get(Self.formField)
        }
        guard let expected, let sent, SecretToken.constantTimeEquals(sent, expected) else {
            throw Problem(.forbidden, type: "csrf", detail: "this form has expired or was not sent from this site; reload the page and try again")
        }
        return try await next(request, context)
    }
}

/// The fields of an `application/x-www-form-urlencoded` body.
struct FormData: Sendable {
    private(set) var values: [String: [String]] = [:]

    init(body: String) {
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            values[name, default: []].append(value)
        }
    }

    subscript(_ name: String) -> String? { values[name]?.first }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
