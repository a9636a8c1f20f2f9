import Foundation
import Logging
import ServiceLifecycle
import Storage

/// Applies stored inbox activities in the order they arrived, each exactly
/// once: its effects and its new state are written in one transaction, and
/// an activity that was stored but not applied before a crash is applied
/// after the restart.
///
/// A run of `Create`s (what a busy group's home node mostly receives) is
/// written together: their effects and states in one transaction, so that
/// a backlog costs one commit per batch instead of one per activity. The
/// batch is written before any other activity is applied and before a
/// `Create` that names an object an earlier `Create` wrote (a reply to it,
/// or the same object again), so every activity still sees the effects of
/// all that came before it. While one batch is written, the next is
/// prepared; batches are written one after the other, in order. When
/// writing a batch fails, its activities are written one by one, so one
/// that cannot be written fails alone.
public final class InboxWorker: Service, Sendable {
    let context: InboxContext
    let signal: WorkSignal
    let handlers: [String: any ActivityHandler]

    /// Activities written together at most.
    static let batchSize = 100
    /// Activities taken from the table at a time.
    static let readAhead = 400

    public init(context: InboxContext, signal: WorkSignal) {
        self.context = context
        self.signal = signal
        self.handlers = [
            "Follow": FollowHandler(), "Accept": AcceptHandler(), "Undo": UndoHandler(),
            "Update": UpdateHandler(), "Delete": DeleteHandler(),
            // Groups across nodes (FEP-1b12).
            "Create": CreateHandler(), "Like": LikeHandler(), "Announce": AnnounceHandler(),
            "Invite": InviteHandler(), "Reject": RejectHandler(), "Remove": RemoveHandler(), "Add": AddHandler(),
        ]
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let applied = try await applyPending()
            if applied == 0 {
                await cancelWhenGracefulShutdown { await self.signal.wait(timeout: .seconds(1)) }
            }
        }
        // Apply what arrived while shutting down: it was acknowledged with 202.
        try await applyPending()
    }

    /// Applies what is pending now; returns how many activities it handled.
    ///
    /// While one batch of `Create`s is being written, the next is prepared
    /// (its handlers run), and it is written after the first: the two
    /// halves of the work overlap instead of waiting for each other.
    @discardableResult
    public func applyPending() async throws -> Int {
        let pending = try await context.database.pendingInboxActivities(limit: Self.readAhead)
        guard !pending.isEmpty else { return 0 }
        var writes = Writes(worker: self)
        defer { context.lookups.turnOff() }
        for stored in pending {
            let activity: Activity
            do {
                activity = try Activity(stored: stored.body)
            } catch {
                writes.batch.append(InboxCompletion(id: stored.id!, state: .failed, error: "\(error)"), activityId: stored.activityId)
                continue
            }
            if activity.type == "Create" {
                // A `Create` changes no group, membership, account or peer:
                // what the next ones read may be remembered, and their
                // effects written together, unless one names an object an
                // earlier one wrote that may not be written yet.
                let names = Self.objectsNamed(by: activity)
                if !writes.unwrittenObjects.isDisjoint(with: names) { await writes.finish() }
                context.lookups.turnOn()
                let completion = await completion(of: stored, activity)
                writes.batch.append(completion, activityId: stored.activityId)
                if completion.state == .applied { writes.unwrittenObjects.formUnion(names) }
            } else {
                // Anything else may change what the next activity reads: it
                // sees everything before it written, and is written alone.
                await writes.finish()
                context.lookups.turnOff()
                writes.batch.append(await completion(of: stored, activity), activityId: stored.activityId)
                await writes.finish()
            }
            if writes.batch.completions.count >= Self.batchSize { await writes.start() }
        }
        await writes.finish()
        return pending.count
    }

    /// Activities applied but not yet written, in order.
    struct Batch: Sendable {
        var completions: [InboxCompletion] = []
        var activityIds: [String] = []

        mutating func append(_ completion: InboxCompletion, activityId: String) {
            completions.append(completion)
            activityIds.append(activityId)
        }
    }

    /// The batch being prepared and the one being written, written in order.
    struct Writes {
        let worker: InboxWorker
        var batch = Batch()
        var inFlight: Task<Void, Never>?
        /// Ids of the objects that `Create`s before this point wrote or are
        /// writing (until ``finish()``).
        var unwrittenObjects: Set<String> = []

        /// Starts writing the batch, after the one before it, and empties it.
        mutating func start() async {
            await inFlight?.value
            let batch = batch, worker = worker
            self.batch = Batch()
            inFlight = Task { await worker.write(batch) }
        }

        /// Writes everything applied so far, and returns when it is written.
        mutating func finish() async {
            await inFlight?.value
            inFlight = nil
            await worker.write(batch)
            batch = Batch()
            unwrittenObjects = []
        }
    }

    /// The object a `Create` carries and the one it answers.
    static func objectsNamed(by activity: Activity) -> Set<String> {
        Set([activity.object?.idValue, activity.object?["inReplyTo"]?.idValue].compactMap { $0 })
    }

    /// Runs the activity's handler: what is to be written for it.
    private func completion(of stored: InboxActivity, _ activity: Activity) async -> InboxCompletion {
        guard let handler = handlers[activity.type] else {
            return InboxCompletion(id: stored.id!, state: .ignored, error: "type \(activity.type) is not handled")
        }
        do {
            // The remote fetches made to apply one activity are limited.
            switch try await FetchBudget.limiting({ try await handler.apply(activity, context: context) }) {
            case .applied(let effects): return InboxCompletion(id: stored.id!, state: .applied, effects: effects)
            case .ignored(let reason): return InboxCompletion(id: stored.id!, state: .ignored, error: reason)
            }
        } catch {
            return InboxCompletion(id: stored.id!, state: .failed, error: "\(error)")
        }
    }

    /// Writes the batch: in one transaction, or, when that fails, one
    /// activity at a time, marking one that cannot be written as failed.
    private func write(_ batch: Batch) async {
        guard !batch.completions.isEmpty else { return }
        let database = context.database
        var dropped: [String] = []
        do {
            dropped = try await database.completeInboxActivities(batch.completions)
            for (completion, activityId) in zip(batch.completions, batch.activityIds) { log(completion, activityId: activityId) }
        } catch {
            for (completion, activityId) in zip(batch.completions, batch.activityIds) {
                do {
                    dropped += try await database.completeInboxActivities([completion])
                    log(completion, activityId: activityId)
                } catch {
                    _ = try? await database.completeInboxActivity(id: completion.id, state: .failed, error: "\(error)")
                    log(InboxCompletion(id: completion.id, state: .failed, error: "\(error)"), activityId: activityId)
                }
            }
        }
        if batch.completions.contains(where: { !$0.effects.deliveries.isEmpty }) { context.outbox.wake() }
        // Cached bytes of files that went with dropped items (a member's node that lost its last member).
        if let blobs = context.blobs, !dropped.isEmpty { _ = try? await database.removeUnusedCachedBlobs(dropped, from: blobs) }
    }

    private func log(_ completion: InboxCompletion, activityId: String) {
        let logger = context.logger
        switch completion.state {
        case .applied:
            logger.debug("activity applied", metadata: ["activity.id": "\(activityId)"])
        case .ignored:
            logger.debug("activity ignored", metadata: ["activity.id": "\(activityId)", "reason": "\(completion.error ?? "")"])
        case .failed, .pending:
            logger.warning("activity could not be applied", metadata: ["activity.id": "\(activityId)", "error": "\(completion.error ?? "")"])
        }
    }
}
