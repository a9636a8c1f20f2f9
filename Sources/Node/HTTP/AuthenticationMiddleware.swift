import HTTPTypes
import Hummingbird
import Storage

/// Works out who sent a request: a personal API token (`Authorization:
/// Bearer`) or a session cookie. A bad token is refused outright, so a client
/// learns its token no longer works; a stale cookie just means "signed out".
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext
    let accounts: AccountService

    static let sessionCookie = "meent_session"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let authorization = request.headers[.authorization] {
            guard authorization.lowercased().hasPrefix("bearer "),
                  let account = try await accounts.identity(apiToken: String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces))
            else {
                throw Problem.unauthenticated("the API token is unknown, revoked or belongs to a disabled account")
            }
            context.account = account
            context.authentication = .apiToken
        } else if let cookie = request.cookies[Self.sessionCookie], let (account, session) = try await accounts.identity(sessionToken: cookie.value) {
            context.account = account
            context.authentication = .session(session)
        }
        return try await next(request, context)
    }
}
