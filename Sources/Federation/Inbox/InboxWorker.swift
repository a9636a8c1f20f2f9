import Foundation
import Logging
import ServiceLifecycle
import Storage

/// Applies stored inbox activities in the order they arrived, each exactly
/// once: its effects and its new state are written in one transaction, and
/// an activity that was stored but not applied before a crash is applied
/// after the restart.
public final class InboxWorker: Service, Sendable {
    let context: InboxContext
    let signal: WorkSignal
    let handlers: [String: any ActivityHandler]

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
        let pending = try await context.database.pendingInboxActivities(limit: 100)
        // The group's member nodes are looked up once per run of `Create`s
        // in this batch instead of once per activity.
        context.announceDestinations.turnOn()
        defer { context.announceDestinations.turnOff() }
        for stored in pending {
            await apply(stored)
            if stored.type != "Create" { context.announceDestinations.clear() }
        }
        if !pending.isEmpty { context.outbox.wake() }
        return pending.count
    }

    private func apply(_ stored: InboxActivity) async {
        var logger = context.logger
        logger[metadataKey: "activity.id"] = "\(stored.activityId)"
        logger[metadataKey: "activity.type"] = "\(stored.type)"
        do {
            var activity = try JSONDecoder().decode(Activity.self, from: stored.body)
            activity.raw = try? JSONDecoder().decode(JSONValue.self, from: stored.body)
            guard let handler = handlers[activity.type] else {
                try await context.database.completeInboxActivity(id: stored.id!, state: .ignored, error: "type \(activity.type) is not handled")
                return
            }
            // The remote fetches made to apply one activity are limited.
            let result = try await FetchBudget.limiting { try await handler.apply(activity, context: context) }
            switch result {
            case .applied(let effects):
                let dropped = try await context.database.completeInboxActivity(id: stored.id!, state: .applied, effects: effects)
                // Cached bytes of files that went with dropped items (a member's node that lost its last member).
                if let blobs = context.blobs, !dropped.isEmpty { try await context.database.removeUnusedCachedBlobs(dropped, from: blobs) }
                logger.debug("activity applied")
            case .ignored(let reason):
                try await context.database.completeInboxActivity(id: stored.id!, state: .ignored, error: reason)
                logger.debug("activity ignored", metadata: ["reason": "\(reason)"])
            }
        } catch {
            logger.warning("activity could not be applied", metadata: ["error": "\(error)"])
            _ = try? await context.database.completeInboxActivity(id: stored.id!, state: .failed, error: "\(error)")
        }
    }
}
