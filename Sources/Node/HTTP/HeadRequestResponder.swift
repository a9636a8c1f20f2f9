import HTTPTypes
import Hummingbird

/// Answers `HEAD` for every `GET` route: the same status and headers, no body.
///
/// It wraps the whole router rather than being a router middleware, because
/// the router picks a route by method before its middleware runs.
struct HeadRequestResponder<Base: HTTPResponder>: HTTPResponder {
    typealias Context = Base.Context
    let base: Base

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .head else { return try await base.respond(to: request, context: context) }
        var head = request.head
        head.method = .get
        var response = try await base.respond(to: Request(head: head, body: request.body), context: context)
        response.body = .init()
        return response
    }
}
