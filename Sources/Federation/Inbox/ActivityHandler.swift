import Foundation
import Logging
import NIOConcurrencyHelpers
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
    /// What the handlers read about groups, people and member nodes,
    /// remembered by the inbox worker across a run of `Create`s in one batch
    /// (see `InboxLookups`).
    let lookups = InboxLookups()

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

/// What applying a `Create` reads (the group by its slug, the actor's
/// account and membership, the nodes of the group's members on other nodes),
/// remembered while the inbox worker applies a run of `Create`s, which
/// cannot change any of it.
///
/// Looking them up costs about fifteen reads per announced activity (the
/// group, the actor twice, the membership, the members, their actors, and
/// the federation policy of every host); each read is a hop to a database
/// thread and back, which under load waits for a core. The worker turns the
/// lookups on while it applies `Create`s and off (forgetting everything)
/// before any other activity, so an activity sees what it reads at most as
/// old as the start of its run of `Create`s (at most one batch). Off, the
/// default, every call reads.
final class InboxLookups: Sendable {
    struct MembershipKey: Hashable {
        let groupId: Int64
        let accountId: Int64
    }

    struct State {
        var isOn = false
        var groups: [String: Group] = [:]
        var accounts: [String: Account] = [:]
        var memberships: [MembershipKey: Membership?] = [:]
        var destinations: [Int64: [Outbox.Destination]] = [:]
    }
    private let state = NIOLockedValueBox(State())

    /// Starts remembering, from nothing; a no-op when already on.
    func turnOn() { state.withLockedValue { if !$0.isOn { $0 = State(isOn: true) } } }

    /// Forgets what it remembered and stops remembering.
    func turnOff() { state.withLockedValue { $0 = State() } }

    /// `read()`, or what it returned before for `key` while on.
    func remembered<Key: Hashable, Value>(_ table: WritableKeyPath<State, [Key: Value]>, _ key: Key,
                                          read: () async throws -> Value) async throws -> Value {
        if let value = state.withLockedValue({ $0.isOn ? $0[keyPath: table][key] : nil }) { return value }
        let value = try await read()
        state.withLockedValue { if $0.isOn { $0[keyPath: table][key] = value } }
        return value
    }

    /// Like ``remembered(_:_:read:)``, but a `nil` (nothing found) is read again next time.
    func rememberedIfFound<Key: Hashable, Value>(_ table: WritableKeyPath<State, [Key: Value]>, _ key: Key,
                                                 read: () async throws -> Value?) async throws -> Value? {
        if let value = state.withLockedValue({ $0.isOn ? $0[keyPath: table][key] : nil }) { return value }
        guard let value = try await read() else { return nil }
        state.withLockedValue { if $0.isOn { $0[keyPath: table][key] = value } }
        return value
    }
}
