import HTTPTypes
import Hummingbird
import NIOCore
import Storage

/// How a request proved who sent it.
public enum Authentication: Sendable {
    /// A browser session cookie; unsafe requests must also carry its CSRF token.
    case session(Session)
    /// A personal API token in `Authorization: Bearer`.
    case apiToken
}

/// The request context of every route: the signed-in account, if any, and
/// the peer's address for rate limits.
public struct NodeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var account: Account?
    public var authentication: Authentication?
    public let remoteAddress: String
    /// Largest body a JSON route reads; uploads set their own limit.
    public var maxUploadSize: Int { 1 << 20 }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    public var viewer: Viewer { account.map(Viewer.account) ?? .anonymous }

    /// The signed-in account, or a 401 problem.
    public func requireAccount() throws -> Account {
        guard let account else { throw Problem.unauthenticated() }
        return account
    }

    /// The signed-in administrator, or a 401/403 problem.
    public func requireAdmin() throws -> Account {
        let account = try requireAccount()
        guard account.isAdmin else { throw Problem.forbidden("only node administrators may do this") }
        return account
    }
}
