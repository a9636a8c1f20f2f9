import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// What every page shares: the language switch and the node's branding
/// (a generated stylesheet with the admin's colours, and the logo).
struct SitePages {
    let branding: BrandingService
    let localizer: Localizer
    let configuration: NodeConfiguration

    func addRoutes(to router: Router<NodeRequestContext>) {
        router.post("language", use: switchLanguage)
        router.get("branding.css", use: stylesheet)
        router.get("branding/logo", use: logo)
    }

    /// Remembers the chosen language in a cookie and returns to the page the form was on.
    @Sendable func switchLanguage(request: Request, context: NodeRequestContext) async throws -> Response {
        let form = try await request.form(context: context)
        let back = form["back"].flatMap { $0.hasPrefix("/") && !$0.hasPrefix("//") && !$0.contains("\\") ? $0 : nil } ?? "/"
        var response = Response.seeOther(back)
        if let language = form["lang"], localizer.languages.contains(language) {
            response.setCookie(Cookie(name: Localizer.cookieName, value: language, maxAge: 365 * 86_400, path: "/",
                                      secure: configuration.usesHTTPS, httpOnly: true, sameSite: .lax))
        }
        return response
    }

    /// The colours the administrator chose, as CSS custom properties: a
    /// stylesheet, since the Content-Security-Policy allows no inline styles.
    @Sendable func stylesheet(request: Request, context: NodeRequestContext) async throws -> Response {
        let brand = try await branding.current()
        let css = """
            :root { --brand: \(brand.primaryColor); --brand-contrast: \(brand.primaryText); \
            --accent: \(brand.accentColor); --accent-contrast: \(brand.accentText); --link: \(brand.linkColor); }

            """
        return Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=300"],
                        body: .init(byteBuffer: ByteBuffer(string: css)))
    }

    @Sendable func logo(request: Request, context: NodeRequestContext) async throws -> Response {
        guard let (bytes, type) = try await branding.logo() else { throw Problem.notFound("no logo") }
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
