import Foundation
import NIOConcurrencyHelpers

/// Wakes a background worker when there is new work, so it need not poll
/// often; a worker still wakes on its own after a timeout.
///
/// A notification with nobody waiting is kept (one, however many came) for
/// the next wait. Every wait sleeps until a notification, its timeout, or
/// the cancellation of its task, whichever comes first, however often it
/// has timed out before.
public final class WorkSignal: Sendable {
    private struct State {
        var isPending = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waits whose timeout (or cancellation) came before they began to sleep.
        var expired: Set<UInt64> = []
        var nextWaiter: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Says there is work; cheap, and several calls before a wait count as one.
    public func notify() {
        let woken = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            guard !state.waiters.isEmpty else {
                state.isPending = true
                return []
            }
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Waits for a notification or until `timeout` passes.
    func wait(timeout: Duration) async {
        let id = state.withLockedValue { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { self?.wake(id) }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLockedValue { state in
                    if state.expired.remove(id) != nil { return true }
                    if state.isPending || Task.isCancelled {
                        state.isPending = false
                        return true
                    }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            wake(id)
        }
        timer.cancel()
        state.withLockedValue { _ = $0.expired.remove(id) }
    }

    /// Ends one wait early (its timeout, or its task was cancelled); a wait
    /// that has not begun to sleep yet is marked, so it does not sleep at all.
    private func wake(_ id: UInt64) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
            state.expired.insert(id)
            return nil
        }
        waiter?.resume()
    }
}
