import HTTPTypes
import Hummingbird

/// The cookies the node sets: HttpOnly, SameSite=Lax, and Secure whenever
/// the node is served over HTTPS.
enum SessionCookie {
    static func session(_ token: String, configuration: NodeConfiguration) -> Cookie {
        Cookie(name: AuthenticationMiddleware.sessionCookie, value: token, maxAge: configuration.sessionLifetimeDays * 86_400,
               path: "/", secure: configuration.usesHTTPS, httpOnly: true, sameSite: .lax)
    }

    static func expiredSession(configuration: NodeConfiguration) -> Cookie {
        Cookie(name: AuthenticationMiddleware.sessionCookie, value: "", maxAge: 0,
               path: "/", secure: configuration.usesHTTPS, httpOnly: true, sameSite: .lax)
    }

    /// The double-submit token for forms shown to visitors who are not signed in.
    static func formToken(_ token: String, configuration: NodeConfiguration) -> Cookie {
        Cookie(name: CSRFMiddleware.cookieName, value: token, path: "/", secure: configuration.usesHTTPS, httpOnly: true, sameSite: .strict)
    }
}
