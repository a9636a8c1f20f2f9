import AsyncHTTPClient
import Federation
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Signed POSTs to a node's inbox, made before the clock starts, and a
/// closed-loop load generator that sends them at a fixed concurrency.
enum InboxLoad {
    enum Scheme: String, Sendable {
        /// RFC 9421 with the actor's Ed25519 key (`#ed25519-key`), as Meent nodes sign.
        case ed25519
        /// draft-cavage `rsa-sha256` with the actor's RSA key (`#main-key`), as Mastodon signs.
        case rsa
    }

    /// A `Follow` of `object` by `actor` with a unique id: what the inbox stores and the worker applies.
    static func follow(actor: String, object: String, id: String) -> [UInt8] {
        Array("""
            {"@context":"https://www.w3.org/ns/activitystreams","id":"\(id)","type":"Follow","actor":"\(actor)","object":"\(object)","to":["\(object)"]}
            """.utf8)
    }

    /// Builds and signs `count` requests, spread over the machine's cores
    /// (RSA signing takes about 0.7 ms each), encoded for ``RawHTTPLoad``.
    static func presign(count: Int, scheme: Scheme, keys: LocalKeyring.Keys, actor: String, object: String,
                        inbox: Endpoint, idPrefix: String) async throws -> [RawHTTPLoad.Request] {
        let chunks = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let size = (count + chunks - 1) / chunks
        let url = "\(inbox.base)/inbox"
        return try await withThrowingTaskGroup(of: (Int, [RawHTTPLoad.Request]).self) { group in
            for chunk in 0..<chunks {
                let range = (chunk * size)..<min(count, (chunk + 1) * size)
                guard !range.isEmpty else { continue }
                group.addTask {
                    var made: [RawHTTPLoad.Request] = []
                    made.reserveCapacity(range.count)
                    for index in range {
                        let body = follow(actor: actor, object: object, id: "\(idPrefix)-\(index)")
                        let fields = try signedFields(body, scheme: scheme, keys: keys, actor: actor, inbox: url)
                        made.append(RawHTTPLoad.encode(method: "POST", path: "/inbox", authority: inbox.authority, fields: fields, body: body))
                    }
                    return (chunk, made)
                }
            }
            var parts: [(Int, [RawHTTPLoad.Request])] = []
            for try await part in group { parts.append(part) }
            return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
    }

    /// One signed POST, built as `FederationClient` builds its own.
    static func sign(_ body: [UInt8], scheme: Scheme, keys: LocalKeyring.Keys, actor: String, inbox: String) throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: inbox)
        request.method = .POST
        for (name, value) in try signedFields(body, scheme: scheme, keys: keys, actor: actor, inbox: inbox) {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }

    /// The header fields of a signed POST of `body` to `inbox` (without
    /// `Host`, which the client writes): `User-Agent`, `Content-Type`, the
    /// digest, the date and the signature.
    private static func signedFields(_ body: [UInt8], scheme: Scheme, keys: LocalKeyring.Keys, actor: String, inbox: String) throws -> [(String, String)] {
        var signable = try SignableRequest(method: "POST", url: inbox, headers: ["Content-Type": "application/activity+json"], body: body)
        switch scheme {
        case .ed25519:
            try HTTPMessageSigner(key: keys.ed25519, keyID: LocalActorURLs.ed25519KeyId(actor)).sign(&signable)
        case .rsa:
            try CavageSigner(key: keys.rsa, keyID: LocalActorURLs.rsaKeyId(actor)).sign(&signable)
        }
        return [("User-Agent", "meent-bench")] + signable.headers.fields.filter { $0.name.lowercased() != "host" }.map { ($0.name, $0.value) }
    }

    struct Result: Sendable {
        let sent: Int
        /// Status code (or -1 for a transport error) → count.
        let statuses: [Int: Int]
        let elapsed: Duration
        /// Latency of every request, sorted, in nanoseconds.
        let latencies: [Int64]
        /// The status that counts as success (202 for the inbox, 200 for pages).
        var success = 202

        var accepted: Int { statuses[success] ?? 0 }
        var errors: Int { sent - accepted }
        var seconds: Double { elapsed.seconds }
        /// Successes per second of wall time.
        var rate: Double { Double(accepted) / seconds }

        func percentile(_ p: Double) -> Duration {
            guard !latencies.isEmpty else { return .zero }
            let index = min(latencies.count - 1, max(0, Int((p * Double(latencies.count)).rounded(.up)) - 1))
            return .nanoseconds(latencies[index])
        }

        var statusSummary: String {
            statuses.sorted { $0.key < $1.key }.map { "\($0.key == -1 ? "transport error" : String($0.key)): \($0.value)" }.joined(separator: ", ")
        }
    }

    /// Sends every request through AsyncHTTPClient, `concurrency` in flight at a time; each worker
    /// sends the next request as soon as its previous one was answered.
    static func run(_ requests: [HTTPClientRequest], client: HTTPClient, concurrency: Int, timeout: Duration = .seconds(30)) async -> Result {
        let next = Counter()
        let start = ContinuousClock.now
        let perWorker = await withTaskGroup(of: ([Int64], [Int: Int]).self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var latencies: [Int64] = []
                    latencies.reserveCapacity(requests.count / concurrency + 1)
                    var statuses: [Int: Int] = [:]
                    while true {
                        let index = next.next() - 1
                        guard index < requests.count else { break }
                        let sentAt = ContinuousClock.now
                        var status = -1
                        do {
                            let response = try await client.execute(requests[index], timeout: .seconds(timeout.components.seconds))
                            _ = try await response.body.collect(upTo: 1 << 20)
                            status = Int(response.status.code)
                        } catch {
                            status = -1
                        }
                        latencies.append((ContinuousClock.now - sentAt).nanoseconds)
                        statuses[status, default: 0] += 1
                    }
                    return (latencies, statuses)
                }
            }
            var all: [([Int64], [Int: Int])] = []
            for await part in group { all.append(part) }
            return all
        }
        let elapsed = ContinuousClock.now - start
        var statuses: [Int: Int] = [:]
        for (_, counts) in perWorker { statuses.merge(counts, uniquingKeysWith: +) }
        return Result(sent: requests.count, statuses: statuses, elapsed: elapsed, latencies: perWorker.flatMap(\.0).sorted())
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
