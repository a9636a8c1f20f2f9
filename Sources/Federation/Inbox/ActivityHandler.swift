import Foundation
import Logging
import Storage

/// What applying one received activity needs.
public struct InboxContext: Sendable {
    public let database: NodeDatabase
    public let resolver: ActorResolver
    public let outbox: Outbox
    public let urls: LocalActorURLs
    public let logger: Logger
    public let announcer: GroupAnnouncer
    /// The cache of bytes of other nodes' files, so that bytes cached for
    /// items an activity drops go with them; `nil` leaves them.
    public let blobs: BlobStore?

    public init(database: NodeDatabase, resolver: ActorResolver, outbox: Outbox, urls: LocalActorURLs, logger: Logger, blobs: BlobStore? = nil) {
        self.blobs = blobs
        self.database = database
        self.resolver = resolver
        self.outbox = outbox
        self.urls = urls
        self.logger = logger
        self.announcer = GroupAnnouncer(database: database, outbox: outbox)
    }
}

/// The result of applying an activity: effects to write, or why it was ignored.
public enum HandlerResult: Sendable {
    case applied(InboxEffects)
    case ignored(String)
}

/// Applies one type of activity. Handlers decide; the worker writes their
/// effects and the activity's new state in one transaction.
public protocol ActivityHandler: Sendable {
    func apply(_ activity: Activity, context: InboxContext) async throws -> HandlerResult
}

extension InboxContext {
    /// The local account a local person id names, if it exists and is enabled.
    func localAccount(personId: String) async throws -> Account? {
        guard let username = urls.username(ofPerson: personId),
              let account = try await database.account(username: username), !account.isDisabled else { return nil }
        return account
    }
}
