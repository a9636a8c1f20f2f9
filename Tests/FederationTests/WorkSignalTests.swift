@testable import Federation
import Foundation
import Testing

/// The signal that lets the inbox and delivery workers sleep until there is work.
@Suite("Work signal")
struct WorkSignalTests {
    @Test("a wait sleeps until its timeout when nothing is notified, also after earlier waits timed out")
    func waitsAfterTimeouts() async {
        let signal = WorkSignal()
        for _ in 0..<3 { await signal.wait(timeout: .milliseconds(20)) }
        // A worker whose waits returned at once would spin and burn a core on an idle node.
        let start = ContinuousClock.now
        await signal.wait(timeout: .milliseconds(300))
        #expect(ContinuousClock.now - start >= .milliseconds(300))
    }

    @Test("a notification wakes a waiting worker, and one sent while nobody waits is kept for the next wait")
    func notificationWakes() async {
        let signal = WorkSignal()
        await signal.wait(timeout: .milliseconds(10))
        let start = ContinuousClock.now
        async let waited: Void = signal.wait(timeout: .seconds(3600))
        try? await Task.sleep(for: .milliseconds(50))
        signal.notify()
        await waited
        #expect(ContinuousClock.now - start < .seconds(600), "woken by the notification, not the timeout")

        signal.notify()
        signal.notify()
        let kept = ContinuousClock.now
        await signal.wait(timeout: .seconds(3600))
        #expect(ContinuousClock.now - kept < .seconds(600), "the earlier notification is kept")
        let after = ContinuousClock.now
        await signal.wait(timeout: .milliseconds(200))
        #expect(ContinuousClock.now - after >= .milliseconds(200), "several notifications count as one")
    }

    @Test("cancelling a waiting task ends its wait")
    func cancellation() async {
        let signal = WorkSignal()
        let start = ContinuousClock.now
        let task = Task { await signal.wait(timeout: .seconds(3600)) }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await task.value
        #expect(ContinuousClock.now - start < .seconds(600))
    }
}
