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
/// `Create` that names an object an earlier `Create` of the batch wrote (a
/// reply to it, or the same object again), so every activity still sees
/// the effects of all that came before it. When writing a batch fails, its
/// activities are written one by one, so one that cannot be written fails
/// alone.
public final class InboxWorker: Service, Sendable {
    let context: InboxContext
    let signal: WorkSignal
    let handlers: [String: any ActivityHandler]

    /// Activities taken from the table at a time (and written together at most).
    static let batchSize = 100

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
    @discardableResult
    public func applyPending() async throws -> Int {
        let pending = try await context.database.pendingInboxActivities(limit: Self.batchSize)
        guard !pending.isEmpty else { return 0 }
        var batch = Batch()
        defer { context.lookups.turnOff() }
        for stored in pending {
            let activity: Activity
            do {
                activity = try Activity(stored: stored.body)
            } catch {
                batch.append(InboxCompletion(id: stored.id!, state: .failed, error: "\(error)"), activityId: stored.activityId, writes: [])
                continue
            }
            if activity.type == "Create" {
                // A `Create` changes no group, membership, account or peer:
                // what the next ones read may be remembered, and their
                // effects written together, unless one names an object an
                // earlier one of the batch wrote.
                let names = Self.objectsNamed(by: activity)
                if !batch.writtenObjects.isDisjoint(with: names) { await write(&batch) }
                context.lookups.turnOn()
                batch.append(await completion(of: stored, activity), activityId: stored.activityId, writes: names)
            } else {
                // Anything else may change what the next activity reads: it
                // sees everything before it written, and is written alone.
                await write(&batch)
                context.lookups.turnOff()
                batch.append(await completion(of: stored, activity), activityId: stored.activityId, writes: [])
                await write(&batch)
            }
            if batch.completions.count >= Self.batchSize { await write(&batch) }
        }
        await write(&batch)
        return pending.count
    }

    /// Activities applied but not yet written, in order.
    struct Batch {
        var completions: [InboxCompletion] = []
        var activityIds: [String] = []
        /// Ids of the objects the batch's `Create`s write.
        var writtenObjects: Set<String> = []

        mutating func append(_ completion: InboxCompletion, activityId: String, writes objects: Set<String>) {
            completions.append(completion)
            activityIds.append(activityId)
            if completion.state == .applied { writtenObjects.formUnion(objects) }
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

    /// Writes the batch and empties it: in one transaction, or, when that
    /// fails, one activity at a time, marking one that cannot be written
    /// as failed.
    private func write(_ batch: inout Batch) async {
        guard !batch.completions.isEmpty else { return }
        defer { batch = Batch() }
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
