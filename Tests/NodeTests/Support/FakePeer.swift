import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// A peer that behaves badly on purpose: its inbox answers with scripted
/// statuses, or too slowly. The only fake in the federation tests.
final class FakePeer: Sendable {
    struct Received: Sendable {
        let hasRFC9421Signature: Bool
        let hasCavageSignature: Bool
        let body: String
    }

    let host: String
    let port: Int
    private let script = NIOLockedValueBox<[Int]>([])
    private let fallbackStatus: Int
    private let delay: Duration
    private let log = NIOLockedValueBox<[Received]>([])
    private let getLog = NIOLockedValueBox<[String]>([])
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    /// Decides the status from the request instead of the script, when set.
    private let decide: (@Sendable (Received) -> Int)?

    var authority: String { "\(host):\(port)" }
    var inbox: String { "http://\(authority)/inbox" }
    var received: [Received] { log.withLockedValue { $0 } }
    /// The paths of the redirecting documents (`/hop/N`) requested so far.
    var hopsRequested: [String] { getLog.withLockedValue { $0 } }

    /// Starts a fake inbox that answers `script` in order, then `fallbackStatus`.
    static func start(script: [Int] = [], then fallbackStatus: Int = 202, delay: Duration = .zero,
                      decide: (@Sendable (Received) -> Int)? = nil) async throws -> FakePeer {
        let host = LoopbackAddress.next()
        let started = AsyncStream.makeStream(of: Void.self)
        let box = NIOLockedValueBox<FakePeer?>(nil)
        let router = Router()
        router.post("inbox") { request, _ -> Response in
            guard let peer = box.withLockedValue({ $0 }) else { return Response(status: .serviceUnavailable) }
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let received = Received(hasRFC9421Signature: request.headers[HTTPField.Name("Signature-Input")!] != nil,
                                    hasCavageSignature: request.headers[HTTPField.Name("Signature-Input")!] == nil && request.headers[HTTPField.Name("Signature")!] != nil,
                                    body: String(buffer: body))
            peer.log.withLockedValue { $0.append(received) }
            if peer.delay > .zero { try await Task.sleep(for: peer.delay) }
            let status = peer.decide?(received) ?? peer.script.withLockedValue { $0.isEmpty ? peer.fallbackStatus : $0.removeFirst() }
            return Response(status: .init(code: status))
        }
        // A document far larger than any actor, to test fetch size limits.
        router.get("big") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/activity+json"],
                     body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: " "), count: 3 << 20)))
        }
        // An actor-shaped document served with the media type the query names, to test the fetch's media type check.
        router.get("typed") { request, _ -> Response in
            let type = request.uri.queryParameters.get("type") ?? "text/html"
            let body = #"{"id":"http://\#(host):8080/typed","type":"Person","inbox":"http://\#(host):8080/inbox"}"#
            return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        // Anna's actor document, and another document of the same origin that
        // claims to be Anna with another key (as an upload served as JSON could).
        @Sendable func anna(key: String) -> Response {
            let id = "http://\(host):8080/users/anna"
            let body = #"{"id":"\#(id)","type":"Person","inbox":"\#(id)/inbox","publicKey":{"id":"\#(id)#main-key","owner":"\#(id)","publicKeyPem":"\#(key)"}}"#
            return Response(status: .ok, headers: [.contentType: "application/activity+json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("users/anna") { _, _ in anna(key: "genuine") }
        router.get("uploads/anna.json") { _, _ in anna(key: "forged") }
        // A document that always redirects to the next one, to test redirect and fetch limits.
        router.get("hop/:n") { request, context -> Response in
            let n = context.parameters.get("n", as: Int.self) ?? 0
            box.withLockedValue { $0 }?.getLog.withLockedValue { $0.append(request.uri.path) }
            return Response(status: .found, headers: [.location: "/hop/\(n + 1)"])
        }
        var logger = Logger(label: "fake-peer")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: 8080)),
                              onServerRunning: { _ in started.continuation.yield() }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = started.stream.makeAsyncIterator()
        _ = await iterator.next()
        let peer = FakePeer(host: host, port: 8080, script: script, fallbackStatus: fallbackStatus, delay: delay, group: group, task: task, decide: decide)
        box.withLockedValue { $0 = peer }
        return peer
    }

    private init(host: String, port: Int, script: [Int], fallbackStatus: Int, delay: Duration, group: ServiceGroup,
                 task: Task<Void, any Error>, decide: (@Sendable (Received) -> Int)?) {
        self.host = host
        self.port = port
        self.script.withLockedValue { $0 = script }
        self.fallbackStatus = fallbackStatus
        self.delay = delay
        self.group = group
        self.task = task
        self.decide = decide
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
