import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import Storage

/// Renders server-side pages: every page gets the layout's shared values
/// (node name, signed-in person, CSRF token, strings in the reader's
/// language) merged with its own; the services' validation problems on it
/// are put in the reader's language (``FieldProblemText``). Mustache escapes
/// every value, so user content never becomes markup.
struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let localizer: Localizer
    let configuration: NodeConfiguration
    let database: NodeDatabase
    let branding: BrandingService
    /// Items' bodies as HTML, kept between pages (``RenderedMarkdownCache``).
    let markdown = RenderedMarkdownCache()

    /// Renders `template` for `request`, setting the visitor's form-token
    /// cookie when the visitor is not signed in and has none yet.
    func render(_ template: String, _ values: [String: Any], request: Request, context: NodeRequestContext,
                status: HTTPResponse.Status = .ok) async throws -> Response {
        var page = values
        let language = localizer.language(for: request)
        let strings = localizer.strings(for: language)
        page["lang"] = language
        page["t"] = strings
        FieldProblemText.localize(&page, strings: strings)
        // Branding, registration mode, the reader's name and unread count: one read.
        let frame = try await database.pageFrame(accountId: context.account?.id, settingKey: NodeDatabase.registrationModeKey)
        let brand = branding.brand(from: frame.branding)
        page["node"] = ["name": brand.name, "hasLogo": brand.hasLogo, "brandVersion": brand.version]
        page["registrationOpen"] = NodeDatabase.registrationMode(stored: frame.setting, configured: configuration.registrationMode) != .closed
        page["languages"] = localizer.languages.map { code in
            ["code": code, "name": localizer.strings(for: code)["languageName"] ?? code, "isCurrent": code == language]
        }
        page["currentPath"] = request.uri.path + (request.uri.query.map { "?\($0)" } ?? "")
        if page["hasErrors"] == nil, let errors = page["errors"] as? [String] { page["hasErrors"] = !errors.isEmpty }

        var newFormToken: String?
        switch context.authentication {
        case .session(let session):
            page["csrf"] = session.csrfToken
        default:
            if let existing = request.cookies[CSRFMiddleware.cookieName]?.value {
                page["csrf"] = existing
            } else {
                let token = SecretToken.make()
                newFormToken = token
                page["csrf"] = token
            }
        }
        if let account = context.account, let displayName = frame.displayName {
            let unread = frame.unreadNotifications
            page["me"] = ["username": account.username, "displayName": displayName, "isAdmin": account.isAdmin,
                          "unread": unread, "hasUnread": unread > 0]
        }
        guard let html = library.render(page, withTemplate: template) else {
            throw Problem(.internalServerError, detail: "page template '\(template)' is missing")
        }
        var response = Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                                body: .init(byteBuffer: ByteBuffer(string: html)))
        if let newFormToken { response.setCookie(SessionCookie.formToken(newFormToken, configuration: configuration)) }
        return response
    }

    func text(_ key: String, request: Request) -> String {
        localizer.strings(for: localizer.language(for: request))[key] ?? key
    }

    /// The reader's strings, for labels that code picks (roles, modes, kinds).
    func strings(for request: Request) -> [String: String] {
        localizer.strings(for: localizer.language(for: request))
    }

    /// What went wrong, one line per field (or the whole message), for a form's error list.
    static func messages(_ error: ServiceError) -> [String] {
        error.fieldErrors.isEmpty ? [error.message] : error.fieldErrors.map { "\($0.pointer.dropFirst()) \($0.detail)" }
    }

    /// Renders a form page again with what went wrong, keeping what was typed.
    func renderErrors(_ error: ServiceError, _ template: String, _ values: [String: Any], request: Request,
                      context: NodeRequestContext) async throws -> Response {
        var page = values
        page["errors"] = Self.messages(error)
        let status: HTTPResponse.Status = switch error.kind {
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        default: .unprocessableContent
        }
        return try await render(template, page, request: request, context: context, status: status)
    }
}

/// A minimal, dependency-free HTML error page for browsers, used where the
/// template machinery itself may be what failed.
enum ErrorPage {
    static func response(status: HTTPResponse.Status, title: String, detail: String?) -> Response {
        let html = """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>\(HTML.escape(title))</title>\
            <link rel="stylesheet" href="/static/meent.css"></head><body><main id="main">\
            <h1>\(HTML.escape(title))</h1>\(detail.map { "<p>\(HTML.escape($0))</p>" } ?? "")<p><a href="/">Home</a></p></main></body></html>
            """
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

}
