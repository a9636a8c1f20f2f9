import Federation
import Foundation
@testable import Node
import Storage
import Testing

/// The delivery queue against peers that fail, hang or are blocked.
@Suite("Delivery queue")
struct DeliveryTests {
    /// Queues `count` activities from the node actor of `node` to `inbox`.
    static func enqueue(_ count: Int, on node: LiveNode, to inbox: String) async throws -> [String] {
        let urls = node.services.federation.urls
        var ids: [String] = []
        var rows: [Delivery] = []
        for _ in 0..<count {
            let activity = Activity(id: urls.newActivityId(), type: "Update", actor: urls.nodeActor, object: .string(urls.nodeActor))
            ids.append(activity.id)
            rows.append(Delivery(activityId: activity.id, inbox: inbox, host: Origin.authority(of: inbox)!, body: try activity.encoded(),
                                 signer: SigningKey.nodeOwner, signerActorId: urls.nodeActor))
        }
        try await node.database.enqueueDeliveries(rows)
        node.services.federation.outbox.wake()
        return ids
    }

    static func deliveries(_ node: LiveNode, host: String) async throws -> [Delivery] {
        try await node.database.deliveries(host: host, limit: 1000)
    }

    @Test("a peer that answers 500 and then recovers receives every activity, signed, once each")
    func recovery() async throws {
        let node = try await LiveNode.start()
        let peer = try await FakePeer.start(script: [500, 500, 503])
        defer { Task { await node.stop(); await peer.stop() } }
        let ids = try await Self.enqueue(3, on: node, to: peer.inbox)
        try await eventually("all are delivered") {
            try await Self.deliveries(node, host: peer.authority).allSatisfy { $0.state == .delivered }
        }
        let delivered = Set(peer.received.compactMap { received in ids.first { received.body.contains($0) } })
        #expect(delivered == Set(ids))
        #expect(peer.received.allSatisfy { $0.hasCavageSignature || $0.hasRFC9421Signature })
        #expect(try await Self.deliveries(node, host: peer.authority).map(\.attempts).reduce(0, +) >= 4, "three failures were retried")
        let state = try #require(try await node.database.peer(host: peer.authority))
        #expect(state.consecutiveFailures == 0)
        #expect(state.lastSuccessAt != nil)
    }

    @Test("a peer that times out is retried later and does not hold up deliveries to others")
    func timeout() async throws {
        let node = try await LiveNode.start(tuning: FederationTuning(retrySchedule: .scaled(by: 0.002), requestTimeout: .seconds(1)))
        let slow = try await FakePeer.start(delay: .seconds(6))
        let healthy = try await FakePeer.start()
        defer { Task { await node.stop(); await slow.stop(); await healthy.stop() } }
        _ = try await Self.enqueue(2, on: node, to: slow.inbox)
        _ = try await Self.enqueue(2, on: node, to: healthy.inbox)
        try await eventually("the healthy peer has everything") {
            try await Self.deliveries(node, host: healthy.authority).allSatisfy { $0.state == .delivered }
        }
        try await eventually("the slow peer's deliveries were tried and are waiting") {
            let rows = try await Self.deliveries(node, host: slow.authority)
            return rows.allSatisfy { $0.state == .queued && $0.attempts >= 1 && $0.lastError != nil }
        }
        #expect(try await node.database.peer(host: slow.authority)?.consecutiveFailures ?? 0 >= 1)
    }

    @Test("a blocked peer receives nothing")
    func blocked() async throws {
        let node = try await LiveNode.start()
        let peer = try await FakePeer.start()
        defer { Task { await node.stop(); await peer.stop() } }
        try await node.database.setPeerPolicy(host: peer.authority, .blocked)
        _ = try await Self.enqueue(2, on: node, to: peer.inbox)
        // Blocked peers' rows are not even picked up; unblocking in allowlist mode would still refuse them.
        try await Task.sleep(for: .milliseconds(500))
        #expect(peer.received.isEmpty)
        #expect(try await Self.deliveries(node, host: peer.authority).allSatisfy { $0.state == .queued && $0.attempts == 0 })

        let strict = try await LiveNode.start(settings: ["FEDERATION_MODE": "allowlist"])
        defer { Task { await strict.stop() } }
        _ = try await Self.enqueue(1, on: strict, to: peer.inbox)
        try await eventually("the unlisted peer's delivery is dropped") {
            try await Self.deliveries(strict, host: peer.authority).allSatisfy { $0.state == .failed }
        }
        #expect(peer.received.isEmpty)
    }

    @Test("a permanent refusal (4xx) is not retried")
    func permanentRefusal() async throws {
        let node = try await LiveNode.start()
        let peer = try await FakePeer.start(then: 400)
        defer { Task { await node.stop(); await peer.stop() } }
        _ = try await Self.enqueue(1, on: node, to: peer.inbox)
        try await eventually("the delivery failed") { try await Self.deliveries(node, host: peer.authority).first?.state == .failed }
        try await Task.sleep(for: .milliseconds(300))
        #expect(peer.received.count == 1)
        #expect(try await Self.deliveries(node, host: peer.authority).first?.lastStatus == 400)
    }

    @Test("on a 401 the node tries the other signature scheme once and remembers the one that worked")
    func signatureFallback() async throws {
        let node = try await LiveNode.start()
        let peer = try await FakePeer.start(decide: { $0.hasCavageSignature ? 202 : 401 })
        defer { Task { await node.stop(); await peer.stop() } }
        try await node.database.setPeerSignatureScheme(host: peer.authority, .rfc9421)
        _ = try await Self.enqueue(1, on: node, to: peer.inbox)
        try await eventually("delivered") { try await Self.deliveries(node, host: peer.authority).first?.state == .delivered }
        #expect(peer.received.map(\.hasRFC9421Signature) == [true, false])
        #expect(try await node.database.peer(host: peer.authority)?.signatureScheme == .cavage)
        _ = try await Self.enqueue(1, on: node, to: peer.inbox)
        try await eventually("second delivered") { try await Self.deliveries(node, host: peer.authority).allSatisfy { $0.state == .delivered } }
        #expect(peer.received.count == 3, "the next delivery goes straight to the scheme that worked")
    }

    @Test("a peer that keeps failing is paused, and the operator can lift the pause")
    func pause() async throws {
        let node = try await LiveNode.start()
        let peer = try await FakePeer.start(then: 500)
        defer { Task { await node.stop(); await peer.stop() } }
        _ = try await Self.enqueue(1, on: node, to: peer.inbox)
        try await eventually("the peer is paused") {
            try await node.database.peer(host: peer.authority)?.pausedUntil.map { $0 > Date() } ?? false
        }
        #expect(peer.received.count >= RetrySchedule().pausePeerAfterFailures)
        let touched = try await node.database.retryDeliveries(host: peer.authority, includeFailed: false)
        #expect(touched == 1)
        #expect(try await node.database.peer(host: peer.authority)?.pausedUntil == nil)
    }
}
