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
    /// The nodes a group's announces go to, remembered by the inbox worker
    /// across a run of `Create`s in one batch (see `AnnounceDestinations`).
    let announceDestinations = AnnounceDestinations()

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

/// The nodes of a local group's members on other nodes, remembered while the
/// inbox worker applies a run of activities that cannot change them.
///
/// Looking them up costs a dozen reads per announced activity (the members,
/// their actors, and the federation policy of every host); under load each
/// read is a thread hop of a millisecond or more, which made applying a
/// backlog of `Create`s wait ~30 ms each. The worker turns the cache on for
/// one batch and clears it after any activity that is not a `Create` (a
/// `Create` changes no membership, actor or peer), so an activity sees
/// destinations at most as old as the start of its batch's run of
/// `Create`s. Off (the default), every call looks them up.
final class AnnounceDestinations: Sendable {
    private struct State {
        var isOn = false
        var byGroup: [Int64: [Outbox.Destination]] = [:]
    }
    private let state = NIOLockedValueBox(State())

    func cached(groupId: Int64) -> [Outbox.Destination]? {
        state.withLockedValue { $0.isOn ? $0.byGroup[groupId] : nil }
    }

    func store(_ destinations: [Outbox.Destination], groupId: Int64) {
        state.withLockedValue { if $0.isOn { $0.byGroup[groupId] = destinations } }
    }

    /// Starts remembering (empty).
    func turnOn() { state.withLockedValue { $0 = State(isOn: true) } }

    /// Forgets what it remembered and stops remembering.
    func turnOff() { state.withLockedValue { $0 = State() } }

    /// Forgets what it remembered, remembering on if it was on.
    func clear() { state.withLockedValue { $0.byGroup = [:] } }
}
