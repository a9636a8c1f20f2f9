import Foundation
import NIOCore
import NIOPosix

/// A closed-loop HTTP/1.1 load generator as light as `wrk`: each request is
/// encoded to bytes before the clock starts, each connection writes one and
/// reads its response (status line and `Content-Length` body) before
/// writing the next, all on one event loop thread.
///
/// The intake figures used AsyncHTTPClient before: at 0.18 ms of CPU a
/// request it took a fifth of the 2 cores the node is measured on, which
/// in production belong to the senders' own machines.
enum RawHTTPLoad {
    /// A request as it goes on the wire.
    struct Request: Sendable {
        let bytes: ByteBuffer
    }

    /// `method path HTTP/1.1` with `Host`, the given fields, `Content-Length` and the body.
    static func encode(method: String, path: String, authority: String, fields: [(String, String)], body: [UInt8]) -> Request {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: \(authority)\r\n"
        for (name, value) in fields { text += "\(name): \(value)\r\n" }
        text += "Content-Length: \(body.count)\r\n\r\n"
        var buffer = ByteBuffer(string: text)
        buffer.writeBytes(body)
        return Request(bytes: buffer)
    }

    /// Sends every request to `endpoint` over `concurrency` keep-alive
    /// connections. A connection that fails or is closed counts its request
    /// as a transport error and stops; the others send the rest.
    static func run(_ requests: [Request], to endpoint: Endpoint, concurrency: Int, group: any EventLoopGroup) async -> InboxLoad.Result {
        let next = Counter()
        let start = ContinuousClock.now
        let loop = group.next()
        var finished: [EventLoopFuture<ConnectionTally>] = []
        for _ in 0..<concurrency {
            let done = loop.makePromise(of: ConnectionTally.self)
            let connect = ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(LoadConnection(requests: requests, next: next, done: done))
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port)
            connect.whenFailure { _ in done.succeed(ConnectionTally()) }
            finished.append(done.futureResult)
        }
        var latencies: [Int64] = []
        var statuses: [Int: Int] = [:]
        for future in finished {
            guard let tally = try? await future.get() else { continue }
            latencies += tally.latencies
            statuses.merge(tally.statuses, uniquingKeysWith: +)
        }
        let answered = statuses.values.reduce(0, +)
        if answered < requests.count { statuses[-1, default: 0] += requests.count - answered }
        return InboxLoad.Result(sent: requests.count, statuses: statuses, elapsed: ContinuousClock.now - start, latencies: latencies.sorted())
    }

    struct ConnectionTally: Sendable {
        var latencies: [Int64] = []
        var statuses: [Int: Int] = [:]
    }

    /// One connection of the load: write a request, read its response, repeat.
    private final class LoadConnection: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        private let requests: [Request]
        private let next: Counter
        private let done: EventLoopPromise<ConnectionTally>
        private var tally = ConnectionTally()
        private var received = ByteBuffer()
        private var sentAt: NIODeadline?
        private var isFinished = false

        init(requests: [Request], next: Counter, done: EventLoopPromise<ConnectionTally>) {
            self.requests = requests
            self.next = next
            self.done = done
        }

        func channelActive(context: ChannelHandlerContext) {
            sendNext(context: context)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            received.writeBuffer(&bytes)
            while true {
                let status: Int
                switch takeResponse() {
                case .incomplete: return
                case .unreadable:
                    // Not a response this reader understands: end the connection.
                    received.clear()
                    context.close(promise: nil)
                    return
                case .status(let code): status = code
                }
                if let sentAt { tally.latencies.append((NIODeadline.now() - sentAt).nanoseconds) }
                tally.statuses[status, default: 0] += 1
                sentAt = nil
                sendNext(context: context)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            if sentAt != nil { tally.statuses[-1, default: 0] += 1 }
            finish()
        }

        private func sendNext(context: ChannelHandlerContext) {
            let index = next.next() - 1
            guard index < requests.count else {
                finish()
                context.close(promise: nil)
                return
            }
            sentAt = .now()
            context.writeAndFlush(wrapOutboundOut(requests[index].bytes), promise: nil)
        }

        private func finish() {
            guard !isFinished else { return }
            isFinished = true
            done.succeed(tally)
        }

        private enum Reading {
            case incomplete
            case unreadable
            case status(Int)
        }

        /// The status of the first complete response in `received`, which is
        /// then removed. Bodies must come with `Content-Length` (the node
        /// sends its small answers so); a chunked one is unreadable here.
        private func takeResponse() -> Reading {
            // The end of the head, found by a plain byte scan (a generic
            // `firstRange(of:)` cost more than the rest of the generator).
            guard let headLength = received.withUnsafeReadableBytes({ bytes -> Int? in
                guard bytes.count >= 4 else { return nil }
                for index in 3..<bytes.count where bytes[index] == 10 && bytes[index - 1] == 13 && bytes[index - 2] == 10 && bytes[index - 3] == 13 {
                    return index + 1
                }
                return nil
            }) else { return .incomplete }
            let head = received.getString(at: received.readerIndex, length: headLength - 4) ?? ""
            let lines = head.split(separator: "\r\n")
            guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1.1 "),
                  let status = Int(statusLine.dropFirst(9).prefix(3)) else { return .unreadable }
            var length = 0
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if name == "content-length" {
                    guard let declared = Int(value), declared >= 0 else { return .unreadable }
                    length = declared
                } else if name == "transfer-encoding" {
                    return .unreadable
                }
            }
            let total = headLength + length
            guard received.readableBytes >= total else { return .incomplete }
            received.moveReaderIndex(forwardBy: total)
            received.discardReadBytes()
            return .status(status)
        }
    }
}
