import HTTPTypes
import Hummingbird

/// Shows errors of page requests as pages of the site: in the reader's
/// language, with the node's branding and navigation. Requests that want
/// JSON, and errors while rendering this page, fall through to
/// ``ErrorMiddleware``, which answers with a problem or a bare page.
struct PageErrorMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext
    let renderer: PageRenderer

    /// Problem types whose explanation the page gives in the reader's language.
    static let explained: [String: String] = ["/problems/csrf": "csrfRefused", "/problems/rate-limited": "rateLimited"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let redirect as SignInRedirect {
            throw redirect
        } catch {
            guard ErrorMiddleware<Context>.wantsHTML(request) else { throw error }
            let problem = ErrorMiddleware<Context>.problem(for: error, context: context)
            let strings = renderer.strings(for: request)
            let heading = strings[problem.status == .notFound ? "notFound" : problem.status == .forbidden ? "forbidden" : "error"] ?? problem.title
            let detail = Self.explained[problem.type].flatMap { strings[$0] } ?? problem.detail
            guard var response = try? await renderer.render("error", ["heading": heading, "detail": detail ?? ""], request: request,
                                                            context: context, status: problem.status)
            else { throw error }
            for field in problem.headers { response.headers.append(field) }
            return response
        }
    }
}
