import Federation
import Foundation
import Logging
import Storage

/// Following people on other nodes, and announcing one's profile to the
/// nodes of one's followers.
public struct FollowService: Sendable {
    let database: NodeDatabase
    let runtime: FederationRuntime

    /// A follow as the API shows it.
    public struct FollowView: Codable, Sendable, Equatable {
        public let actorId: String
        public let handle: String?
        public let name: String?
        public let state: Follow.State
    }

    /// Finds a remote person by `user@host` handle (with or without a leading
    /// `@`) or by actor URL. A handle is looked up with WebFinger; when the
    /// actor lives on another host than the handle names, that host must
    /// confirm the handle (the reverse check Mastodon does).
    public func resolve(_ handleOrURL: String) async throws -> RemoteActor {
        let input = handleOrURL.trimmingCharacters(in: .whitespaces)
        if input.hasPrefix("https://") || input.hasPrefix("http://") {
            return try await actor(input)
        }
        let handle = input.hasPrefix("@") ? String(input.dropFirst()) : input
        let parts = handle.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ServiceError.invalid(field: "account", "must be a handle such as name@node.example or an actor URL")
        }
        let (user, host) = (String(parts[0]), String(parts[1]).lowercased())
        let actorId = try await webFinger(user: user, host: host)
        let actor = try await actor(actorId)
        if actor.host != host {
            guard let name = actor.preferredUsername, try await webFinger(user: name, host: actor.host) == actor.id else {
                throw ServiceError(.invalid, "\(handle) points to \(actor.id), whose node does not confirm the handle")
            }
        }
        return actor
    }

    private func actor(_ id: String) async throws -> RemoteActor {
        do {
            return try await runtime.resolver.actor(id: id)
        } catch let error as FederationError {
            throw Self.serviceError(error, "cannot reach \(id)")
        }
    }

    /// The actor id a WebFinger lookup of `user@host` returns.
    func webFinger(user: String, host: String) async throws -> String {
        let scheme = runtime.settings.allowsPrivateAddresses ? (URL(string: runtime.settings.baseURL)?.scheme ?? "https") : "https"
        let resource = "acct:\(user)@\(host)".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? ""
        let url = "\(scheme)://\(host)/.well-known/webfinger?resource=\(resource)"
        do {
            guard try await runtime.policy.isAllowed(host: host) else { throw FederationError.notAllowed("this node does not federate with \(host)") }
            let fetched = try await runtime.client.fetch(url, accept: "application/jrd+json") { _ in .unsigned }
            let document = try JSONDecoder().decode(WebFingerDocument.self, from: fetched.body)
            guard let actorId = document.actorId else { throw FederationError.malformed("no ActivityPub actor in the WebFinger answer") }
            return actorId
        } catch let error as FederationError {
            throw Self.serviceError(error, "cannot find \(user)@\(host)")
        } catch is DecodingError {
            throw ServiceError(.notFound, "cannot find \(user)@\(host): the WebFinger answer is malformed")
        }
    }

    /// A failed lookup as people see it: not federating (403), not there (404),
    /// or the other node could not be reached or misbehaved (502).
    static func serviceError(_ error: FederationError, _ what: String) -> ServiceError {
        switch error.code {
        case .notAllowed: ServiceError(.forbidden, "\(what): \(error.detail)")
        case .notFound, .gone: ServiceError(.notFound, "\(what): \(error.detail)")
        default: ServiceError(.unavailable, "\(what): \(error.detail)")
        }
    }

    /// Sends a `Follow` from `account` to a remote person; the follow is
    /// pending until their node accepts it.
    /// The local person a handle or URL names (`name`, `name@this-node`, or a
    /// person URL on this node), if it names one.
    func localPerson(_ handleOrURL: String) async throws -> Account? {
        let input = handleOrURL.trimmingCharacters(in: .whitespaces)
        var username: String?
        if let local = runtime.urls.username(ofPerson: input) {
            username = local
        } else if !input.contains("/") {
            let parts = (input.hasPrefix("@") ? String(input.dropFirst()) : input).split(separator: "@")
            if parts.count == 1 || (parts.count == 2 && parts[1].lowercased() == runtime.settings.authority) { username = parts.first.map(String.init) }
        }
        guard let username, let account = try await database.account(username: username), !account.isDisabled else { return nil }
        return account
    }

    /// Returns the follow and whether it is new.
    public func follow(_ account: Account, handle: String) async throws -> (FollowView, isNew: Bool) {
        let follower = runtime.urls.person(account.username)
        if let local = try await localPerson(handle) {
            guard local.id != account.id else { throw ServiceError.invalid(field: "account", "is yourself") }
            let followee = runtime.urls.person(local.username)
            let existing = try await database.follow(follower: follower, followee: followee)
            let follow = existing ?? Follow(follower: follower, followee: followee, state: .accepted, activityId: runtime.urls.newActivityId())
            if existing == nil { try await database.saveFollow(follow, deliveries: []) }
            return (FollowView(actorId: followee, handle: "\(local.username)@\(runtime.settings.authority)", name: nil, state: .accepted), existing == nil)
        }
        let target = try await resolve(handle)
        if let existing = try await database.follow(follower: follower, followee: target.id) {
            return (view(existing, actor: target, direction: .followee), false)
        }
        var activity = Activity(id: runtime.urls.newActivityId(), type: "Follow", actor: follower, object: .string(target.id))
        activity.to = [target.id]
        let deliveries = try await runtime.outbox.deliveries(of: activity, to: [target], signer: "account:\(account.id!)")
        guard !deliveries.isEmpty else { throw ServiceError(.forbidden, "this node does not federate with \(target.host)") }
        let follow = Follow(follower: follower, followee: target.id, state: .pending, activityId: activity.id)
        try await database.saveFollow(follow, deliveries: deliveries)
        runtime.outbox.wake()
        return (view(follow, actor: target, direction: .followee), true)
    }

    /// Stops following; the remote node is told with an `Undo`.
    public func unfollow(_ account: Account, actorId: String) async throws {
        let follower = runtime.urls.person(account.username)
        guard let follow = try await database.follow(follower: follower, followee: actorId) else {
            throw ServiceError(.notFound, "you do not follow \(actorId)")
        }
        var deliveries: [Delivery] = []
        if let target = try await database.remoteActor(id: actorId) {
            let undo = Activity(id: runtime.urls.newActivityId(), type: "Undo", actor: follower,
                                object: .object(["id": .string(follow.activityId), "type": .string("Follow"),
                                                 "actor": .string(follower), "object": .string(actorId)]))
            deliveries = try await runtime.outbox.deliveries(of: undo, to: [target], signer: "account:\(account.id!)")
        }
        try await database.deleteFollow(follower: follower, followee: actorId, deliveries: deliveries)
        runtime.outbox.wake()
    }

    enum Direction { case follower, followee }

    public func following(_ account: Account) async throws -> [FollowView] {
        let follows = try await database.following(of: runtime.urls.person(account.username))
        let actors = Dictionary(uniqueKeysWithValues: try await database.remoteActors(ids: follows.map(\.followee)).map { ($0.id, $0) })
        return follows.map { view($0, actor: actors[$0.followee], direction: .followee) }
    }

    public func followers(_ account: Account) async throws -> [FollowView] {
        let follows = try await database.followers(of: runtime.urls.person(account.username))
        let actors = Dictionary(uniqueKeysWithValues: try await database.remoteActors(ids: follows.map(\.follower)).map { ($0.id, $0) })
        return follows.map { view($0, actor: actors[$0.follower], direction: .follower) }
    }

    private func view(_ follow: Follow, actor: RemoteActor?, direction: Direction) -> FollowView {
        let id = direction == .followee ? follow.followee : follow.follower
        let handle = actor.flatMap { actor in actor.preferredUsername.map { "\($0)@\(actor.host)" } }
        return FollowView(actorId: id, handle: handle, name: actor?.name, state: follow.state)
    }

    /// Delivery rows that tell the nodes of `account`'s followers that the
    /// profile changed (one per node); written with the change itself.
    public func profileUpdateDeliveries(for account: Account) async throws -> [Delivery] {
        let personId = runtime.urls.person(account.username)
        let followers = try await database.followers(of: personId)
        guard !followers.isEmpty else { return [] }
        let recipients = try await database.remoteActors(ids: followers.map(\.follower))
        var update = Activity(id: runtime.urls.newActivityId(), type: "Update", actor: personId,
                              object: .object(["id": .string(personId), "type": .string("Person")]))
        update.to = [Activity.publicAudience]
        update.cc = [runtime.urls.followers(account.username)]
        return try await runtime.outbox.deliveries(of: update, to: recipients, signer: "account:\(account.id!)")
    }
}
