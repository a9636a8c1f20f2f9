import HTTPTypes
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import Logging
import Storage
import Synchronization

/// A fast inbox in the benchmark process: reads the body, answers 202 and
/// counts what arrived and how it was signed. It checks no signature, so
/// what is measured is the sending node.
final class SinkInbox: Sendable {
    let endpoint: Endpoint
    private let task: Task<Void, any Error>
    private let tally: Tally

    final class Tally: Sendable {
        struct Counts {
            var received = 0
            var rfc9421 = 0
            var cavage = 0
            var first: Date?
            var last: Date?
        }

        let counts = Mutex(Counts())
    }

    var counts: Tally.Counts { tally.counts.withLock { $0 } }

    func reset() { tally.counts.withLock { $0 = Tally.Counts() } }

    private init(endpoint: Endpoint, task: Task<Void, any Error>, tally: Tally) {
        self.endpoint = endpoint
        self.task = task
        self.tally = tally
    }

    static func start(at endpoint: Endpoint) async throws -> SinkInbox {
        let tally = Tally()
        let router = Router()
        let signatureInput = HTTPField.Name("Signature-Input")!
        let signature = HTTPField.Name("Signature")!
        router.post("inbox") { request, _ -> Response in
            var request = request
            _ = try await request.collectBody(upTo: 1 << 20)
            let now = Date()
            let isRFC9421 = request.headers[signatureInput] != nil
            let isCavage = !isRFC9421 && request.headers[signature] != nil
            tally.counts.withLock { counts in
                counts.received += 1
                if isRFC9421 { counts.rfc9421 += 1 }
                if isCavage { counts.cavage += 1 }
                if counts.first == nil { counts.first = now }
                counts.last = now
            }
            return Response(status: .accepted)
        }
        var logger = Logger(label: "sink")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname(endpoint.host, port: endpoint.port)), logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            if await Self.isListening(endpoint) { break }
            if ContinuousClock.now > deadline {
                task.cancel()
                throw BenchError("the sink inbox could not listen on \(endpoint.authority)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return SinkInbox(endpoint: endpoint, task: task, tally: tally)
    }

    /// Whether something accepts TCP connections at `endpoint`.
    static func isListening(_ endpoint: Endpoint) async -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(endpoint.port).bigEndian)
        inet_pton(AF_INET, endpoint.host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// Outgoing deliveries: rows queued straight into the node's database (as
/// the node's own transactions queue them), sent by the node's delivery
/// worker to the sink inbox.
enum DeliveryLoad {
    struct Result: Sendable {
        let count: Int
        let delivered: Int
        let failed: Int
        /// From the sink's first received request to the last row marked delivered.
        let elapsed: Duration
        /// From the enqueue commit to the last row marked delivered (includes the worker's poll, at most 1 s).
        let wallElapsed: Duration
        let bodyBytes: Int
        let sinkCounts: SinkInbox.Tally.Counts

        var rate: Double { Double(delivered) / elapsed.seconds }
    }

    /// A `Create` of a short note, the typical delivery.
    static func note(base: String, index: Int, run: String) -> Data {
        let content = String(repeating: "Benchmark note with a paragraph of ordinary text. ", count: 8)
        return Data("""
            {"@context":"https://www.w3.org/ns/activitystreams","id":"\(base)/activities/bench-\(run)-\(index)","type":"Create","actor":"\(base)/actor","published":"2025-01-01T00:00:00Z","to":["https://www.w3.org/ns/activitystreams#Public"],"object":{"id":"\(base)/notes/bench-\(run)-\(index)","type":"Note","attributedTo":"\(base)/actor","content":"<p>\(content)</p>","published":"2025-01-01T00:00:00Z"}}
            """.utf8)
    }

    /// Queues `count` deliveries to the sink signed by the node actor with
    /// `scheme`, and waits until the node has delivered them all.
    static func run(count: Int, scheme: Peer.SignatureScheme, run: String, node: MeentNode, database: NodeDatabase,
                    sink: SinkInbox, timeout: Duration = .seconds(120)) async throws -> Result {
        let host = sink.endpoint.authority
        let inbox = "\(sink.endpoint.base)/inbox"
        try await database.setPeerSignatureScheme(host: host, scheme)
        let baseline = try await database.deliveryStatus().hosts.first { $0.host == host }
        sink.reset()
        let base = node.endpoint.base
        var rows: [Delivery] = []
        rows.reserveCapacity(count)
        for index in 0..<count {
            let body = note(base: base, index: index, run: run)
            rows.append(Delivery(activityId: "\(base)/activities/bench-\(run)-\(index)", inbox: inbox, host: host, body: body,
                                 signer: "node", signerActorId: "\(base)/actor"))
        }
        let bodyBytes = rows.first?.body.count ?? 0
        try await database.enqueueDeliveries(rows)
        let enqueuedAt = Date()
        let deadline = ContinuousClock.now + timeout
        var delivered = 0, failed = 0
        while true {
            let row = try await database.deliveryStatus().hosts.first { $0.host == host }
            delivered = (row?.delivered ?? 0) - (baseline?.delivered ?? 0)
            failed = (row?.failed ?? 0) - (baseline?.failed ?? 0)
            if delivered + failed >= count || ContinuousClock.now > deadline { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let done = try await database.deliveries(state: .delivered, host: host, limit: count)
            .filter { $0.activityId.contains("/bench-\(run)-") }
        let lastDelivered = done.compactMap(\.deliveredAt).max() ?? Date()
        let counts = sink.counts
        let firstReceived = counts.first ?? enqueuedAt
        return Result(count: count, delivered: delivered, failed: failed,
                      elapsed: .seconds(lastDelivered.timeIntervalSince(firstReceived)),
                      wallElapsed: .seconds(lastDelivered.timeIntervalSince(enqueuedAt)),
                      bodyBytes: bodyBytes, sinkCounts: counts)
    }
}
