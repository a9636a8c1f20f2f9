import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Following people on other nodes.
struct FollowController {
    let follows: FollowService

    struct FollowBody: StrictDecodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case account }
        /// `name@node.example` or an actor URL.
        let account: String

        init(from decoder: any Decoder) throws {
            try Self.rejectUnknownKeys(in: decoder)
            account = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .account)
        }
    }

    func addRoutes(to group: RouterGroup<NodeRequestContext>) {
        group.post("follows", use: follow)
        group.delete("follows", use: unfollow)
        group.get("me/following", use: following)
        group.get("me/followers", use: followers)
    }

    @Sendable func follow(request: Request, context: NodeRequestContext) async throws -> JSONResponse<FollowService.FollowView> {
        let account = try context.requireAccount()
        let body = try await request.decodeJSON(FollowBody.self, context: context)
        let (view, isNew) = try await follows.follow(account, handle: body.account)
        return JSONResponse(view, status: isNew ? .created : .ok)
    }

    /// `DELETE /api/v1/follows?actor=<actor URL>`.
    @Sendable func unfollow(request: Request, context: NodeRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        guard let actor = request.uri.queryParameters.get("actor") else {
            throw Problem.badRequest("the query parameter actor (the followed actor's URL) is required")
        }
        try await follows.unfollow(account, actorId: actor)
        return Response(status: .noContent)
    }

    @Sendable func following(request: Request, context: NodeRequestContext) async throws -> JSONResponse<[FollowService.FollowView]> {
        JSONResponse(try await follows.following(try context.requireAccount()))
    }

    @Sendable func followers(request: Request, context: NodeRequestContext) async throws -> JSONResponse<[FollowService.FollowView]> {
        JSONResponse(try await follows.followers(try context.requireAccount()))
    }
}
