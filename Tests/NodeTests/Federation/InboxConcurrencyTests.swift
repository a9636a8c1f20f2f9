import Foundation
@testable import Node
import Storage
import Testing

/// The inbox commits concurrent requests' rows together; each sender must
/// still see its own activity stored when it gets its 202, once.
@Suite("Inbox under concurrent requests")
struct InboxConcurrencyTests {
    @Test("activities POSTed at the same time are each stored before their 202, once, also when one arrives twice at once")
    func concurrentIntake() async throws {
        let pair = try await InboxSecurityTests.Pair.make()
        defer { Task { await pair.stop() } }
        let keys = try await pair.keys("alice")
        let actor = pair.sender.personId("alice")
        let ids = (0..<40).map { "\(pair.sender.base)/activities/concurrent-\($0)-\(UUID().uuidString)" }
        // The first ten are sent twice, at the same time as everything else.
        let sends = ids + ids.prefix(10)
        let receiver = pair.receiver
        let inbox = pair.inbox
        let base = pair.sender.base
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for id in sends {
                let body = try InboxSecurityTests.encode(pair.follow(from: actor, id: id))
                group.addTask {
                    let status = try await InboxSecurityTests.post(body, to: inbox, signer: "alice", keys: keys, actorBase: base)
                    let storedWhenAnswered = try await receiver.database.inboxActivity(activityId: id) != nil
                    return (status, storedWhenAnswered)
                }
            }
            var all: [(Int, Bool)] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.count == 50)
        #expect(outcomes.allSatisfy { $0.0 == 202 }, "every request is acknowledged")
        #expect(outcomes.allSatisfy { $0.1 }, "an acknowledged activity is already stored")
        #expect(try await pair.storedCount() == 40, "each activity is stored once")
    }
}
