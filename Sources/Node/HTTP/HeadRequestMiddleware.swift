import HTTPTypes
import Hummingbird

/// Answers `HEAD` for every `GET` route: the same status and headers, no body.
struct HeadRequestMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .head else { return try await next(request, context) }
        var request = request
        request.head.method = .get
        var response = try await next(request, context)
        response.body = .init()
        return response
    }
}
