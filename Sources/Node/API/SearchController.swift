import Foundation
import HTTPTypes
import Hummingbird

/// `GET /api/v1/search?q=…`: content, groups and people the searcher may see.
struct SearchController {
    let search: SearchService

    func addRoutes(to group: RouterGroup<NodeRequestContext>) {
        group.get("search", use: find)
    }

    @Sendable func find(request: Request, context: NodeRequestContext) async throws -> JSONResponse<SearchResults> {
        guard let query = request.uri.queryParameters.get("q") else { throw Problem.badRequest("the query parameter q is required") }
        return JSONResponse(try await search.search(query, viewer: context.account))
    }
}
