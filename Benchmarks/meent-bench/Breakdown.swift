import ArgumentParser
import AsyncHTTPClient
import Federation
import Foundation
import Logging
import NIOCore
import Storage

/// `meent-bench breakdown`: where the time of one inbox intake and one
/// outgoing delivery goes, stage by stage, measured in-process with the
/// node's own components (the same library code `meent serve` runs) against
/// a copy of the node's database, once on the disk and once on tmpfs
/// (/dev/shm, where fsync costs nothing).
struct Breakdown: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breakdown",
        abstract: "Time the stages of inbox intake and outgoing delivery in-process (for finding bottlenecks).")

    @Option(help: "The meent executable (sets up the nodes' data).")
    var meent: String

    @Option(name: .customLong("work-dir"), help: "Where the data goes (default: a new temporary directory, removed at the end).")
    var workDirectory: String?

    @Option(help: "Operations per sequential stage.")
    var iterations = 2_000

    @Option(help: "Operations in flight in the concurrent stages.")
    var concurrency = 64

    @Flag(help: "Skip the copy of the database on /dev/shm.")
    var noTmpfs = false

    func run() async throws {
        let work = workDirectory.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("meent-breakdown-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let binary = URL(fileURLWithPath: meent).standardizedFileURL.path
        let options = try All.parse(["--meent", binary, "--work-dir", work.path, "--concurrency", "\(concurrency)"])
        let bench = try Bench(options: options, binary: binary, work: work)
        var shmDirectory: URL?
        do {
            let (_, senderKeys) = try await bench.setUpNodes()
            let peer = try await bench.startSendingPeer(keys: senderKeys)
            let sink = try await bench.startSink()
            var lines: [String] = ["Machine: \(Report.machine())", ""]
            let diskPath = bench.node.databasePath
            var places = [("disk (ext4, fsync per commit)", diskPath)]
            if !noTmpfs, FileManager.default.fileExists(atPath: "/dev/shm") {
                let directory = URL(fileURLWithPath: "/dev/shm/meent-breakdown-\(UUID().uuidString.prefix(8))")
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                shmDirectory = directory
                let copy = directory.appendingPathComponent("meent.sqlite").path
                try FileManager.default.copyItem(atPath: diskPath, toPath: copy)
                places.append(("tmpfs (/dev/shm, fsync free)", copy))
            }
            for (place, path) in places {
                bench.log("stages on \(place)")
                let stages = try await Stages(bench: bench, databasePath: path, peer: peer, senderKeys: senderKeys, sink: sink,
                                              iterations: iterations, concurrency: concurrency)
                lines.append("## Database on \(place)")
                lines.append("")
                lines.append(contentsOf: try await stages.run())
                lines.append("")
            }
            print("\n" + lines.joined(separator: "\n"))
        } catch {
            await bench.cleanUp()
            if let shmDirectory { try? FileManager.default.removeItem(at: shmDirectory) }
            print("meent-bench breakdown failed: \(error)\nLogs: \(work.path)")
            throw ExitCode.failure
        }
        await bench.cleanUp()
        if let shmDirectory { try? FileManager.default.removeItem(at: shmDirectory) }
        if workDirectory == nil { try? FileManager.default.removeItem(at: work) }
    }
}

/// The stages, with the node's components built as `FederationRuntime` builds them.
struct Stages {
    let bench: Bench
    let database: NodeDatabase
    let senderKeys: LocalKeyring.Keys
    /// Where the sending peer serves its person.
    let sender: Endpoint
    let sink: SinkInbox
    let iterations: Int
    let concurrency: Int
    let settings: FederationSettings
    let client: FederationClient
    let keyring: LocalKeyring
    let policy: FederationPolicy
    let resolver: ActorResolver
    let receiver: InboxReceiver
    let actor: String
    let object: String
    let inbox: String

    init(bench: Bench, databasePath: String, peer: MemberNodes, senderKeys: LocalKeyring.Keys, sink: SinkInbox, iterations: Int,
         concurrency: Int) async throws {
        self.bench = bench
        sender = peer.endpoints[0]
        self.senderKeys = senderKeys
        self.sink = sink
        self.iterations = iterations
        self.concurrency = concurrency
        database = try NodeDatabase(path: databasePath, migrate: false)
        var logger = Logger(label: "breakdown")
        logger.logLevel = .error
        settings = FederationSettings(baseURL: bench.node.endpoint.base, mode: .open, allowsPrivateAddresses: true, softwareVersion: "bench")
        client = FederationClient(settings: settings)
        keyring = LocalKeyring(database: database)
        policy = FederationPolicy(database: database, settings: settings)
        resolver = ActorResolver(database: database, client: client, settings: settings, keyring: keyring, policy: policy, logger: logger)
        receiver = InboxReceiver(database: database, resolver: resolver, policy: policy, settings: settings)
        actor = peer.actor(0)
        object = "\(bench.node.endpoint.base)/users/target"
        inbox = "\(bench.node.endpoint.base)/inbox"
    }

    /// Signed requests as the inbox sees them, with unique activity ids.
    func signed(_ count: Int, scheme: InboxLoad.Scheme, tag: String) throws -> [SignableRequest] {
        try (0..<count).map { index in
            let id = "\(sender.base)/activities/breakdown-\(tag)-\(UUID().uuidString.prefix(8))-\(index)"
            var request = try SignableRequest(method: "POST", url: inbox, headers: ["Content-Type": "application/activity+json"],
                                              body: InboxLoad.follow(actor: actor, object: object, id: id))
            switch scheme {
            case .ed25519: try HTTPMessageSigner(key: senderKeys.ed25519, keyID: LocalActorURLs.ed25519KeyId(actor)).sign(&request)
            case .rsa: try CavageSigner(key: senderKeys.rsa, keyID: LocalActorURLs.rsaKeyId(actor)).sign(&request)
            }
            return request
        }
    }

    /// Mean time of `body` over `count` sequential calls (after a few warm-up calls).
    func time(_ count: Int, _ body: (Int) async throws -> Void) async rethrows -> Duration {
        await bench.quiet()
        for index in 0..<min(20, count) { try await body(index) }
        let start = ContinuousClock.now
        for index in 0..<count { try await body(index) }
        return (ContinuousClock.now - start) / count
    }

    /// Operations per second of `body` with `concurrency` calls in flight.
    func throughput(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws -> Double {
        await bench.quiet()
        let next = Counter()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while true {
                        let index = next.next() - 1
                        guard index < count else { return }
                        try await body(index)
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(count) / (ContinuousClock.now - start).seconds
    }

    static func us(_ duration: Duration) -> String { String(format: "%.0f µs", duration.seconds * 1e6) }

    func run() async throws -> [String] {
        var lines = ["| Stage | Cost |", "|---|---|"]
        func add(_ stage: String, _ cost: String) {
            lines.append("| \(stage) | \(cost) |")
            bench.log("  \(stage): \(cost)")
        }
        let n = iterations
        let senderHost = sender.authority

        // The cache must hold the sender's actor, as it does after the first request.
        _ = try await resolver.actor(id: actor)
        let cached = try await database.remoteActor(id: actor)
        guard let cached, let multibase = cached.ed25519Multibase, let pem = cached.rsaPublicKeyPEM else {
            throw BenchError("the sender's actor was not cached with both keys")
        }

        // The floor under every database call: a hop from a task to a
        // dispatch queue (GRDB's connection queues) and back.
        let queue = DispatchQueue(label: "hop")
        add("baseline: hop from a task to a dispatch queue and back", Self.us(await time(n) { _ in
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in queue.async { continuation.resume() } }
        }))

        // --- Inbox intake, stage by stage.
        let edRequests = try signed(n, scheme: .ed25519, tag: "ed")
        let rsaRequests = try signed(n, scheme: .rsa, tag: "rsa")
        struct Envelope: Decodable { let id: String; let type: String; let actor: String }
        add("intake: JSONDecoder of id/type/actor (280-byte body)", Self.us(try await time(n) { i in
            _ = try JSONDecoder().decode(Envelope.self, from: Data(edRequests[i].body!))
        }))
        add("intake: federation policy (DB read of the peer)", Self.us(try await time(n) { _ in _ = try await policy.isAllowed(host: senderHost) }))
        add("intake: cached actor (DB read of remoteActor)", Self.us(try await time(n) { _ in _ = try await database.remoteActor(id: actor) }))
        add("intake: parse Ed25519 multikey", Self.us(try await time(n) { _ in _ = try MessageVerificationKey(multibase: multibase) }))
        add("intake: parse RSA PEM", Self.us(try await time(n) { _ in _ = try MessageVerificationKey(pemRepresentation: pem, algorithm: .rsaV1_5SHA256) }))
        let edKey = try MessageVerificationKey(multibase: multibase)
        let rsaKey = try MessageVerificationKey(pemRepresentation: pem, algorithm: .rsaV1_5SHA256)
        let verifier = RequestSignatureVerifier(policy: SignatureVerificationPolicy(maximumAge: settings.signatureMaximumAge))
        add("intake: verify RFC 9421 Ed25519 (parse, digest, base, crypto; key given)", Self.us(try await time(n) { i in
            _ = try await verifier.verify(edRequests[i]) { _ in edKey }
        }))
        add("intake: verify cavage RSA (parse, digest, crypto; key given)", Self.us(try await time(n) { i in
            _ = try await verifier.verify(rsaRequests[i]) { _ in rsaKey }
        }))
        let storeTag = UUID().uuidString.prefix(8)
        @Sendable func activity(_ tag: String, _ i: Int) -> InboxActivity {
            InboxActivity(activityId: "\(sender.base)/activities/store-\(storeTag)-\(tag)-\(i)", actorId: actor, type: "Follow",
                          recipient: "shared", body: Data(edRequests[i % n].body!), signatureKeyId: "\(actor)#ed25519-key", receivedAt: Date())
        }
        add("intake: store (one INSERT, one commit), one at a time", Self.us(try await time(n) { i in
            _ = try await database.storeInboxActivity(activity("seq", i))
        }))
        let stored = try await throughput(n) { i in _ = try await database.storeInboxActivity(activity("par", i)) }
        add("intake: store, \(concurrency) callers at once", Report.perSecond(stored))
        let deliveryBody = DeliveryLoad.note(base: bench.node.endpoint.base, index: 0, run: "x")
        func delivery(_ tag: String, _ i: Int) -> Delivery {
            Delivery(activityId: "\(bench.node.endpoint.base)/activities/rows-\(storeTag)-\(tag)-\(i)", inbox: "\(sink.endpoint.base)/parked",
                     host: "parked.invalid", body: deliveryBody, signer: "node", signerActorId: "\(bench.node.endpoint.base)/actor",
                     nextAttemptAt: Date.distantFuture)
        }
        let single = try await time(min(n, 500)) { i in try await database.enqueueDeliveries([delivery("one", i)]) }
        add("rows: 1 row per transaction", "\(Self.us(single)) per row (\(Report.perSecond(1 / single.seconds)))")
        let batch = 1000
        let batched = try await time(5) { i in try await database.enqueueDeliveries((0..<batch).map { delivery("batch\(i)", $0) }) }
        add("rows: \(batch) rows per transaction", "\(Self.us(batched / batch)) per row (\(Report.perSecond(Double(batch) / batched.seconds)))")
        let edFresh = try signed(n, scheme: .ed25519, tag: "ed2")
        add("intake: InboxReceiver.receive (all checks and the store), one at a time", Self.us(try await time(n - 20) { i in
            _ = try await receiver.receive(edFresh[i], recipient: "shared")
        }))
        let edParallel = try signed(n, scheme: .ed25519, tag: "ed3")
        let received = try await throughput(n) { i in _ = try await receiver.receive(edParallel[i], recipient: "shared") }
        add("intake: InboxReceiver.receive, \(concurrency) at once (no HTTP)", Report.perSecond(received))
        let rsaParallel = try signed(n, scheme: .rsa, tag: "rsa3")
        let receivedRSA = try await throughput(n) { i in _ = try await receiver.receive(rsaParallel[i], recipient: "shared") }
        add("intake: InboxReceiver.receive RSA, \(concurrency) at once (no HTTP)", Report.perSecond(receivedRSA))
        add("intake: replay (duplicate) one at a time", Self.us(try await time(n) { i in
            _ = try await receiver.receive(edFresh[i % (n - 20)], recipient: "shared")
        }))

        // --- Outgoing delivery, stage by stage.
        let nodeKeys = try await keyring.keys(owner: "node")
        let nodeActor = "\(bench.node.endpoint.base)/actor"
        let sinkInbox = "\(sink.endpoint.base)/inbox"
        add("delivery: keyring lookup (cached)", Self.us(try await time(n) { _ in _ = try await keyring.keys(owner: "node") }))
        add("delivery: sign RFC 9421 Ed25519 (digest, base, signature)", Self.us(try await time(n) { _ in
            var request = try SignableRequest(method: "POST", url: sinkInbox, headers: ["Content-Type": "application/activity+json"], body: Array(deliveryBody))
            try HTTPMessageSigner(key: nodeKeys.ed25519, keyID: LocalActorURLs.ed25519KeyId(nodeActor)).sign(&request)
        }))
        add("delivery: sign cavage RSA-2048", Self.us(try await time(min(n, 500)) { _ in
            var request = try SignableRequest(method: "POST", url: sinkInbox, headers: ["Content-Type": "application/activity+json"], body: Array(deliveryBody))
            try CavageSigner(key: nodeKeys.rsa, keyID: LocalActorURLs.rsaKeyId(nodeActor)).sign(&request)
        }))
        add("delivery: FederationClient.post, Ed25519, one at a time (loopback, sink answers 202)", Self.us(try await time(n) { _ in
            _ = try await client.post(sinkInbox, body: deliveryBody, signing: .rfc9421(nodeKeys.ed25519, keyId: LocalActorURLs.ed25519KeyId(nodeActor)))
        }))
        let posted = try await throughput(n) { _ in
            _ = try await client.post(sinkInbox, body: deliveryBody, signing: .rfc9421(nodeKeys.ed25519, keyId: LocalActorURLs.ed25519KeyId(nodeActor)))
        }
        add("delivery: FederationClient.post, Ed25519, 32 at once (its pool keeps 8 connections per host)", Report.perSecond(posted))
        for connections in [8, concurrency] {
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
            let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            var request = HTTPClientRequest(url: sinkInbox)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/activity+json")
            request.body = .bytes(ByteBuffer(bytes: deliveryBody))
            let sendable = request
            let rate = try await throughput(n) { _ in
                let response = try await http.execute(sendable, timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 1 << 20)
            }
            try await http.shutdown()
            add("delivery: plain HTTPClient POST (unsigned), \(concurrency) at once, pool of \(connections) connections", Report.perSecond(rate))
        }
        add("delivery: peer read (DB)", Self.us(try await time(n) { _ in _ = try await database.peer(host: sink.endpoint.authority) }))
        add("delivery: recordPeerAttempt (read-modify-write, one commit)", Self.us(try await time(n) { _ in
            try await database.recordPeerAttempt(host: sink.endpoint.authority, succeeded: true, error: nil, pausedUntil: nil, scheme: .rfc9421)
        }))

        // The worker itself, as the node runs it, on queued rows.
        for (scheme, count) in [(Peer.SignatureScheme.rfc9421, n), (.cavage, min(n, 1000))] {
            try await database.setPeerSignatureScheme(host: sink.endpoint.authority, scheme)
            let rows = (0..<count).map { i in
                Delivery(activityId: "\(bench.node.endpoint.base)/activities/worker-\(storeTag)-\(scheme.rawValue)-\(i)", inbox: sinkInbox,
                         host: sink.endpoint.authority, body: deliveryBody, signer: "node", signerActorId: nodeActor)
            }
            try await database.enqueueDeliveries(rows)
            var logger = Logger(label: "breakdown")
            logger.logLevel = .error
            let worker = DeliveryWorker(database: database, client: client, keyring: keyring, policy: policy, settings: settings,
                                        signal: WorkSignal(), logger: logger)
            let start = ContinuousClock.now
            var sent = 0
            while sent < count {
                let attempted = try await worker.sendDue()
                if attempted == 0 { break }
                sent += attempted
            }
            let rate = Double(sent) / (ContinuousClock.now - start).seconds
            add("delivery: DeliveryWorker.sendDue, \(scheme == .rfc9421 ? "Ed25519" : "RSA"), \(count) rows", Report.perSecond(rate))
        }
        try await client.shutdown()
        return lines
    }
}
