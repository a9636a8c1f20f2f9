import ArgumentParser
import AsyncHTTPClient
import Federation
import Foundation
import NIOCore
import NIOPosix
import Storage

/// `meent-bench`: end-to-end benchmarks of a Meent node (see BENCHMARKS.md).
@main
struct MeentBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meent-bench", abstract: "End-to-end benchmarks of a Meent node (see BENCHMARKS.md).",
        subcommands: [All.self, Breakdown.self], defaultSubcommand: All.self)
}

/// Runs every end-to-end figure against real `meent serve` processes.
struct All: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "Start-up, memory, signed inbox intake (Ed25519 and RSA) and outgoing deliveries (Ed25519 and RSA).")

    @Option(help: "The meent executable to benchmark (a release build).")
    var meent: String

    @Option(name: .customLong("work-dir"), help: "Where the nodes' data directories and logs go (default: a new temporary directory).")
    var workDirectory: String?

    @Flag(name: .customLong("keep"), help: "Keep the work directory (data and logs of the nodes) at the end.")
    var keepWorkDirectory = false

    @Option(help: "Loopback address of the node under test.")
    var nodeHost = "127.0.200.1"
    @Option(help: "Loopback address of the sending peer (a small server in this process whose person sends the intake's activities).")
    var senderHost = "127.0.200.2"
    @Option(help: "Loopback address of the sink inbox.")
    var sinkHost = "127.0.200.3"
    @Option(help: "Loopback address of the seeded node.")
    var seededHost = "127.0.200.4"
    @Option(help: "Port of all of them.")
    var port = 18080

    @Option(help: "Activities posted in the measured Ed25519 intake run.")
    var intake = 8_000
    @Option(name: .customLong("intake-rsa"), help: "Activities posted in the measured RSA (draft-cavage) intake run.")
    var intakeRSA = 4_000
    @Option(help: "Already-stored activities posted again (deduplication run).")
    var replay = 2_000
    @Option(help: "Requests sent before each measured intake run (the first one makes the node fetch the sender's actor).")
    var warmup = 500
    @Option(help: "Requests in flight at once during intake.")
    var concurrency = 64
    @Option(help: "Deliveries queued in the Ed25519 run.")
    var deliveries = 4_000
    @Option(name: .customLong("deliveries-rsa"), help: "Deliveries queued in the RSA run.")
    var deliveriesRSA = 2_000
    @Option(help: "Timed restarts of the node for the start-up figure.")
    var starts = 5
    @Option(name: .customLong("drain-timeout"), help: "Longest wait, in seconds, for the nodes to apply and answer what they received.")
    var drainTimeout = 240

    @Option(name: .customLong("seed-users"), help: "People on the seeded node (meent dev seed --users).")
    var seedUsers = 10_000
    @Option(name: .customLong("seed-groups"), help: "Groups on the seeded node.")
    var seedGroups = 1_000
    @Option(name: .customLong("seed-items"), help: "Content items on the seeded node.")
    var seedItems = 1_000_000
    @Option(name: .customLong("seeded-dir"), help: "Data directory of the seeded node: seeded there when it holds no node yet, reused as it is otherwise (seeding the default sizes takes minutes).")
    var seededDirectory: String?
    @Option(name: .customLong("page-requests"), help: "Requests per page or search figure on the seeded node.")
    var pageRequests = 1_000
    @Option(name: .customLong("page-concurrency"), help: "Page and search requests in flight at once.")
    var pageConcurrency = 4
    @Flag(name: .customLong("only-seeded"), help: "Measure only the figures on the seeded node (start-up, memory, pages, search).")
    var onlySeeded = false
    @Flag(inversion: .prefixedNo, help: "Measure the figures on the seeded node.")
    var seeded = true

    @Option(help: "Loopback address of the group's home node (the group federation figures).")
    var groupHost = "127.0.200.5"
    @Option(name: .customLong("member-network"), help: "The member nodes of the group federation figures listen on NETWORK.1, NETWORK.2, … (loopback).")
    var memberNetwork = "127.0.201"
    @Option(name: .customLong("group-nodes"), help: "Member nodes of the group that one post is fanned out to.")
    var groupNodes = 100
    @Option(name: .customLong("group-posts"), help: "Posts timed one at a time in the fan-out figure.")
    var groupPosts = 30
    @Option(name: .customLong("apply-nodes"), help: "Member nodes of the group whose activities are applied (each applied activity queues one Announce per node).")
    var applyNodes = 10
    @Option(name: .customLong("apply-activities"), help: "Accepted group activities applied in the measured run.")
    var applyActivities = 3_000
    @Flag(name: .customLong("only-groups"), help: "Measure only the group federation figures.")
    var onlyGroups = false
    @Flag(inversion: .prefixedNo, help: "Measure the group federation figures.")
    var groups = true

    @Option(name: .customLong("perf-dir"), help: "Record a CPU profile of the node under test (perf record) for each measured phase into this directory.")
    var perfDirectory: String?

    @Option(name: .customLong("quiet-wait"), help: "Before each measured phase, wait up to this many seconds for the machine to be idle (other work below 0.25 cores); 0 to not wait.")
    var quietWait = 120

    @Option(help: "Also write the result table (Markdown) to this file.")
    var results: String?

    func validate() throws {
        guard groupNodes <= 254, applyNodes <= 254 else { throw ValidationError("--group-nodes and --apply-nodes are limited to 254 (one address each)") }
        guard FileManager.default.isExecutableFile(atPath: meent) else { throw ValidationError("\(meent) is not an executable") }
        for (name, value) in [("intake", intake), ("intake-rsa", intakeRSA), ("concurrency", concurrency), ("deliveries", deliveries),
                              ("deliveries-rsa", deliveriesRSA), ("starts", starts),
                              ("seed-users", seedUsers), ("seed-groups", seedGroups), ("page-requests", pageRequests), ("page-concurrency", pageConcurrency),
                              ("group-nodes", groupNodes), ("group-posts", groupPosts), ("apply-nodes", applyNodes), ("apply-activities", applyActivities)] where value < 1 {
            throw ValidationError("--\(name) must be at least 1")
        }
        // Bounded runs: a benchmark is a few seconds of load, not a soak test.
        for (name, value) in [("intake", intake), ("intake-rsa", intakeRSA), ("replay", replay), ("deliveries", deliveries),
                              ("deliveries-rsa", deliveriesRSA), ("apply-activities", applyActivities)] where value > 100_000 {
            throw ValidationError("--\(name) is limited to 100000")
        }
    }

    func run() async throws {
        let work = workDirectory.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("meent-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let binary = URL(fileURLWithPath: meent).standardizedFileURL.path
        let bench = try Bench(options: self, binary: binary, work: work)
        let outcome: Result<[Figure], any Error>
        do {
            outcome = .success(try await bench.run())
        } catch {
            outcome = .failure(error)
        }
        await bench.cleanUp()
        switch outcome {
        case .success(let figures):
            let table = Report.table(figures)
            let notes = Report.notes(figures)
            let text = "Machine: \(Report.machine())\nmeent: \(binary)\n\n\(table)\n\n\(notes)\n"
            print("\n" + text)
            if let results { try Data(text.utf8).write(to: URL(fileURLWithPath: results)) }
            if keepWorkDirectory || perfDirectory != nil {
                print("Work directory (data, logs): \(work.path)")
            } else {
                try? FileManager.default.removeItem(at: work)
            }
            if figures.contains(where: { $0.verdict == .fail }) { print("Some targets are missed; see BENCHMARKS.md for the bottlenecks.") }
        case .failure(let error):
            print("meent-bench failed: \(error)\nLogs of the nodes: \(work.path)")
            throw ExitCode.failure
        }
    }
}

/// The benchmark run: its processes, and cleanup of them whatever happens.
/// (Unchecked: the options are read only; what changes is behind locks.)
final class Bench: @unchecked Sendable {
    let options: All
    let binary: String
    let work: URL
    let node: MeentNode
    let sinkEndpoint: Endpoint
    /// For setting up and control calls.
    let control: HTTPClient
    /// The load generator's client: its own event loop thread, one connection per request in flight.
    let load: HTTPClient
    /// The one thread of the intake load generator (``RawHTTPLoad``).
    let loadGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let running = Locked<[ChildProcess]>([])
    private let sink = Locked<SinkInbox?>(nil)
    let memberNodes = Locked<MemberNodes?>(nil)
    /// The peer whose person sends the intake's Follows (see ``emptyNodeFigures()``).
    let sendingPeer = Locked<MemberNodes?>(nil)

    init(options: All, binary: String, work: URL) throws {
        self.options = options
        self.binary = binary
        self.work = work
        node = MeentNode(name: "node", binary: binary, endpoint: try Endpoint(host: options.nodeHost, port: options.port), workDirectory: work)
        sinkEndpoint = try Endpoint(host: options.sinkHost, port: options.port)
        control = HTTPClient(eventLoopGroupProvider: .singleton)
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: options.concurrency)
        configuration.httpVersion = .http1Only
        configuration.decompression = .disabled
        load = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup(numberOfThreads: 1), configuration: configuration)
    }

    func log(_ line: String) {
        let stamp = Date().formatted(.iso8601.time(includingFractionalSeconds: false))
        print("[\(stamp)] \(line)")
        fflush(nil)
    }

    func track(_ process: ChildProcess) -> ChildProcess {
        running.withLock { $0.append(process) }
        return process
    }

    func stop(_ process: ChildProcess) async {
        let status = await process.stop()
        running.withLock { $0.removeAll { $0 === process } }
        if status != 0 { log("\(process.name) exited with status \(status); log: \(process.logFile.path)") }
    }

    /// Stops every process and server this run started.
    func cleanUp() async {
        for process in running.value.reversed() { await process.stop(timeout: .seconds(10)) }
        running.withLock { $0.removeAll() }
        await sink.value?.stop()
        await memberNodes.value?.stop()
        await sendingPeer.value?.stop()
        try? await load.shutdown()
        try? await control.shutdown()
    }

    // MARK: The run

    func run() async throws -> [Figure] {
        log("work directory: \(work.path)")
        var figures: [Figure] = []
        if !options.onlySeeded && !options.onlyGroups { figures += try await emptyNodeFigures() }
        if (options.seeded && !options.onlyGroups) || options.onlySeeded { figures += try await seededFigures() }
        if (options.groups && !options.onlySeeded) || options.onlyGroups { figures += try await groupFederationFigures() }
        return figures
    }

    /// Start-up, memory, outgoing deliveries and signed inbox intake on a node
    /// holding only what the runs themselves send it.
    func emptyNodeFigures() async throws -> [Figure] {
        var figures: [Figure] = []

        // 1. Set both nodes up: first start, a user each, keys made.
        let (firstStartup, senderKeys) = try await setUpNodes()

        // 2. Start until ready, on an existing data directory.
        var startups: [Duration] = []
        for attempt in 1...options.starts {
            await quiet()
            let (process, startup) = try await node.start()
            _ = track(process)
            startups.append(startup)
            log("start \(attempt): ready after \(Report.ms(startup))")
            await stop(process)
        }
        startups.sort()
        let medianStart = startups[startups.count / 2]
        figures.append(.check("Start until ready (existing data dir)", target: "< 0.5 s",
                              measured: "\(Report.ms(medianStart)) median, \(Report.ms(startups.last!)) max",
                              passes: startups.last! < .milliseconds(500),
                              note: "spawn of `meent serve` until it printed `node is serving`, \(options.starts) restarts; first start (creates keys and the admin at BCRYPT_COST=4): \(Report.ms(firstStartup))"))

        // 3. The node under test, running from here on; idle memory.
        let (nodeProcess, _) = try await node.start()
        _ = track(nodeProcess)
        try await Task.sleep(for: .seconds(3))
        await quiet()
        let idle = nodeProcess.residentBytes
        let idleCPU = CPUUsage([nodeProcess.pid])
        try await Task.sleep(for: .seconds(5))
        let idleCores = idleCPU.cores()[nodeProcess.pid] ?? 0
        figures.append(Figure("CPU idle", measured: String(format: "%.2f cores", idleCores),
                              note: "CPU time the node used over 5 s with no requests, 3 s after start (an idle node should use about 0)"))
        log("idle CPU: \(String(format: "%.2f", idleCores)) cores")
        figures.append(.check("Memory idle (RSS)", target: "< 40 MB", measured: Report.megabytes(idle),
                              passes: (idle ?? .max) < 40 << 20, note: "VmRSS 3 s after start, no requests served yet"))
        log("idle RSS: \(Report.megabytes(idle))")

        let database = try NodeDatabase(path: node.databasePath, migrate: false)

        // 4. Outgoing deliveries to the sink.
        let sinkInbox = try await SinkInbox.start(at: sinkEndpoint)
        sink.withLock { $0 = sinkInbox }
        // A short first run opens connections and loads the node's keys.
        _ = try await DeliveryLoad.run(count: 50, scheme: .rfc9421, run: "warmup", node: node, database: database, sink: sinkInbox)
        for (scheme, count, target) in [(Peer.SignatureScheme.rfc9421, options.deliveries, 3000.0), (.cavage, options.deliveriesRSA, 1000.0)] {
            let label = scheme == .rfc9421 ? "Ed25519 (RFC 9421)" : "RSA-2048 (draft-cavage)"
            await quiet()
            log("outgoing deliveries, \(label): \(count) queued")
            let perf = try startProfile("deliveries-\(scheme.rawValue)", pid: nodeProcess.pid)
            let cpu = CPUUsage([nodeProcess.pid, getpid()])
            let memory = MemorySampler([nodeProcess])
            let result = try await DeliveryLoad.run(count: count, scheme: scheme, run: scheme.rawValue, node: node, database: database, sink: sinkInbox)
            let cpuSummary = cpu.summary([("node", nodeProcess.pid), ("sink (benchmark process)", getpid())])
            let peak = await memory.stop()
            if let perf { await stopProfile(perf) }
            let signedRight = scheme == .rfc9421 ? result.sinkCounts.rfc9421 : result.sinkCounts.cavage
            log("  \(result.delivered) delivered, \(result.failed) failed in \(String(format: "%.2f", result.elapsed.seconds)) s: \(Report.perSecond(result.rate))")
            figures.append(.check("Outgoing deliveries, \(label)", target: "≥ \(Report.perSecond(target))",
                                  measured: Report.perSecond(result.rate), passes: result.rate >= target && result.failed == 0,
                                  note: "\(count) queued deliveries of a \(result.bodyBytes)-byte Create, one host, to a sink answering 202; \(result.delivered) delivered, \(result.failed) failed, \(signedRight) signed with the expected scheme; rate from the sink's first request to the last row marked delivered (\(String(format: "%.2f", result.elapsed.seconds)) s; \(String(format: "%.2f", result.wallElapsed.seconds)) s from the enqueue commit, which includes the worker's poll); \(cpuSummary); node peak RSS \(Report.megabytes(peak[nodeProcess.pid]))"))
        }

        // 5. Signed inbox intake from a person of another node. That node is
        // a small server in this process (like the group benchmark's member
        // nodes): it serves the person's actor document and keys and answers
        // the node's Accepts with 202. A second Meent node in its place
        // verified and applied the Accepts on the same two cores, taking
        // 0.2–0.3 of them from the node under test during the measured run.
        let sendingPeer = try await startSendingPeer(keys: senderKeys)
        let actor = sendingPeer.actor(0)
        let senderBase = sendingPeer.endpoints[0].base
        let object = "\(node.endpoint.base)/users/target"
        var intakePeak = 0
        var totalAccepted = 0
        var replaySource: [RawHTTPLoad.Request] = []
        for (scheme, count) in [(InboxLoad.Scheme.ed25519, options.intake), (.rsa, options.intakeRSA)] {
            let label = scheme == .ed25519 ? "Ed25519 (RFC 9421)" : "RSA-2048 (draft-cavage)"
            let runId = "\(senderBase)/activities/bench-\(scheme.rawValue)-\(UUID().uuidString.prefix(8))"
            log("intake, \(label): signing \(options.warmup) + \(count) activities")
            let signStart = ContinuousClock.now
            let warm = try await InboxLoad.presign(count: options.warmup, scheme: scheme, keys: senderKeys, actor: actor, object: object,
                                                   inbox: node.endpoint, idPrefix: "\(runId)-warmup")
            let requests = try await InboxLoad.presign(count: count, scheme: scheme, keys: senderKeys, actor: actor, object: object,
                                                       inbox: node.endpoint, idPrefix: runId)
            log("  signed in \(Report.ms(ContinuousClock.now - signStart)); warming up")
            let warmed = await RawHTTPLoad.run(warm, to: node.endpoint, concurrency: options.concurrency, group: loadGroup)
            guard warmed.accepted == warm.count else {
                throw BenchError("warm-up: \(warmed.statusSummary); node log: \(nodeProcess.output.suffix(3000))")
            }
            totalAccepted += warmed.accepted
            try await drain(database: database, label: "warm-up")

            await quiet()
            log("  measured run: \(count) POSTs, \(options.concurrency) in flight")
            let perf = try startProfile("intake-\(scheme.rawValue)", pid: nodeProcess.pid)
            let cpu = CPUUsage([nodeProcess.pid, getpid()])
            let memory = MemorySampler([nodeProcess])
            let result = await RawHTTPLoad.run(requests, to: node.endpoint, concurrency: options.concurrency, group: loadGroup)
            let cpuSummary = cpu.summary([("node", nodeProcess.pid), ("load generator and sending peer", getpid())])
            let peak = await memory.stop()
            if let perf { await stopProfile(perf) }
            intakePeak = max(intakePeak, peak[nodeProcess.pid] ?? 0)
            totalAccepted += result.accepted
            if scheme == .ed25519 { replaySource = Array(requests.prefix(options.replay)) }
            log("  \(result.statusSummary) in \(String(format: "%.2f", result.seconds)) s: \(Report.perSecond(result.rate)), p50 \(Report.ms(result.percentile(0.5))), p99 \(Report.ms(result.percentile(0.99)))")

            let (pendingAtEnd, queuedAtEnd) = try await backlog(database)
            let drained = try await drain(database: database, label: "applying and answering")
            let applyRate = drained.applied.map { Double(pendingAtEnd) / max($0.seconds, 0.001) }
            log("  backlog: \(pendingAtEnd) to apply, applied after \(drained.applied.map { String(format: "%.1f s", $0.seconds) } ?? "-"), all answered after \(drained.done.map { String(format: "%.1f s", $0.seconds) } ?? "-")")
            let bodyBytes = InboxLoad.follow(actor: actor, object: object, id: "\(runId)-0").count
            figures.append(.check("Inbox intake, \(label)", target: "≥ 5,000/s", measured: Report.perSecond(result.rate),
                                  passes: result.rate >= 5000 && result.errors == 0,
                                  note: "\(count) distinct signed Follows (\(bodyBytes)-byte bodies) POSTed to /inbox over HTTP/1.1 keep-alive by a one-thread NIO load generator with the requests encoded beforehand, \(options.concurrency) in flight, after \(options.warmup) warm-up requests; \(result.statusSummary) in \(String(format: "%.2f", result.seconds)) s; \(cpuSummary); when the last 202 came \(pendingAtEnd) activities were still to apply and \(queuedAtEnd) Accepts queued"))
            figures.append(.check("Inbox intake latency, \(label)", target: "p99 < 50 ms",
                                  measured: "p50 \(Report.ms(result.percentile(0.5))), p99 \(Report.ms(result.percentile(0.99)))",
                                  passes: result.percentile(0.99) < .milliseconds(50)))
            figures.append(Figure("Inbox worker after the \(scheme == .ed25519 ? "Ed25519" : "RSA") run: applying the backlog",
                                  measured: applyRate.map(Report.perSecond) ?? "not done",
                                  note: "\(pendingAtEnd) Follows applied one by one (each queues an Accept) in \(drained.applied.map { String(format: "%.1f s", $0.seconds) } ?? "more than the drain timeout"); the Accepts delivered to the sending peer \(drained.done.map { String(format: "%.1f s", $0.seconds) } ?? "not") after the last 202"))
        }
        figures.append(.check("Memory under intake load (peak RSS)", target: "< 150 MB", measured: Report.megabytes(intakePeak),
                              passes: intakePeak < 150 << 20, note: "highest VmRSS sampled every 25 ms, and VmHWM, during the measured intake runs"))

        // Replays: acknowledged, not stored again.
        if !replaySource.isEmpty {
            log("replaying \(replaySource.count) stored activities")
            let result = await RawHTTPLoad.run(replaySource, to: node.endpoint, concurrency: options.concurrency, group: loadGroup)
            figures.append(Figure("Inbox intake of replays (deduplicated)", measured: Report.perSecond(result.rate),
                                  note: "\(replaySource.count) already-stored activities POSTed again with their original signatures: \(result.statusSummary); p50 \(Report.ms(result.percentile(0.5))), p99 \(Report.ms(result.percentile(0.99)))"))
        }
        let stored = try await database.receivedActivities(type: "Follow", limit: 1_000_000).count
        figures.append(Figure("Stored activities check", measured: "\(stored) stored / \(totalAccepted) first-time 202s",
                              note: stored == totalAccepted ? "every first-time 202 was stored once; replays stored nothing" : "MISMATCH between 202s and stored rows"))

        try await Task.sleep(for: .seconds(2))
        let idleAfter = nodeProcess.residentBytes
        figures.append(Figure("Memory idle after the load (RSS)", measured: Report.megabytes(idleAfter), note: "VmRSS 2 s after the backlog was applied and delivered"))

        await sendingPeer.stop()
        self.sendingPeer.withLock { $0 = nil }
        await stop(nodeProcess)
        await sinkInbox.stop()
        sink.withLock { $0 = nil }

        // 6. Start-up again, now with the data of the runs above.
        var loadedStartups: [Duration] = []
        for _ in 1...3 {
            await quiet()
            let (process, startup) = try await node.start()
            _ = track(process)
            loadedStartups.append(startup)
            await stop(process)
        }
        loadedStartups.sort()
        let size = (try? FileManager.default.attributesOfItem(atPath: node.databasePath)[.size] as? Int) ?? 0
        figures.append(Figure("Start until ready, after the runs", measured: "\(Report.ms(loadedStartups[1])) median",
                              note: "3 restarts with the database of the runs above (\(Report.megabytes(size)), \(stored) inbox activities and the deliveries)"))
        return figures
    }

    /// Waits (at most `--quiet-wait` seconds) until the machine is idle, so
    /// that other work (a build, tests) does not distort the next phase.
    func quiet() async {
        guard options.quietWait > 0 else { return }
        let deadline = ContinuousClock.now + .seconds(options.quietWait)
        var busy = 0.0
        repeat {
            // Only other work counts: the benchmark's own processes are excluded.
            let ours = running.value.map(\.pid) + [getpid()]
            let usage = CPUUsage(ours)
            try? await Task.sleep(for: .seconds(1))
            busy = max(0, usage.machineCores() - usage.cores().values.reduce(0, +))
            if busy < 0.25 { return }
        } while ContinuousClock.now < deadline
        log("  the machine is still busy (\(String(format: "%.2f", busy)) cores) after \(options.quietWait) s; measuring anyway")
    }

    /// First start of the node under test: a user `target`, its keys made;
    /// stopped again. Returns the first start's time and the keys of the
    /// person who sends the intake's activities (made in a scratch database).
    func setUpNodes() async throws -> (firstStartup: Duration, senderKeys: LocalKeyring.Keys) {
        log("first start of the node under test at \(node.endpoint.base)")
        let (firstNode, firstStartup) = try await node.start()
        _ = track(firstNode)
        try await node.createUser("target", admin: try MeentNode.adminLogin(in: firstNode.output), client: control)
        _ = try await MeentNode.json(control, "GET", "\(node.endpoint.base)/users/target", accept: "application/activity+json")
        await stop(firstNode)
        let keys = try await LocalKeyring(database: try NodeDatabase(path: work.appendingPathComponent("sender-keys.sqlite").path)).keys(owner: "sender")
        return (firstStartup, keys)
    }

    /// Starts the peer whose person (`users/member`) sends the intake's
    /// activities; it stays up until ``cleanUp()``.
    func startSendingPeer(keys: LocalKeyring.Keys) async throws -> MemberNodes {
        let peer = try await MemberNodes.start(hosts: [options.senderHost], port: options.port, keys: keys)
        sendingPeer.withLock { $0 = peer }
        return peer
    }

    /// Starts the sink inbox; it stays up until ``cleanUp()``.
    func startSink() async throws -> SinkInbox {
        let started = try await SinkInbox.start(at: sinkEndpoint)
        sink.withLock { $0 = started }
        return started
    }

    /// Inbox activities still to apply and deliveries still queued on the node under test.
    private func backlog(_ database: NodeDatabase) async throws -> (pending: Int, queued: Int) {
        let pending = try await database.pendingInboxActivities(limit: 1_000_000).count
        let queued = try await database.deliveryStatus().queued
        return (pending, queued)
    }

    /// How long the node under test took to work off a backlog: applying
    /// what it received, then delivering what that queued to the sending
    /// peer; `nil` for a part not done in time.
    struct Drain {
        var applied: Duration?
        var done: Duration?
    }

    /// Waits until the node under test has applied what it received and
    /// delivered what that queued.
    @discardableResult
    func drain(database: NodeDatabase, label: String) async throws -> Drain {
        let start = ContinuousClock.now
        let deadline = start + .seconds(options.drainTimeout)
        var result = Drain()
        while ContinuousClock.now < deadline {
            let nothingPending = try await database.pendingInboxActivities(limit: 1).isEmpty
            if nothingPending && result.applied == nil { result.applied = ContinuousClock.now - start }
            let nothingQueued = try await database.deliveryStatus().queued == 0
            if nothingPending && nothingQueued {
                result.done = ContinuousClock.now - start
                return result
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        log("  \(label): backlog not done within \(options.drainTimeout) s")
        return result
    }

    /// Starts `perf record` on `pid` when profiling was asked for.
    func startProfile(_ name: String, pid: Int32) throws -> ChildProcess? {
        guard let directory = options.perfDirectory else { return nil }
        let url = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let process = try ChildProcess(
            name: "perf record (\(name))", executable: "/usr/bin/perf",
            arguments: ["record", "-F", "999", "-g", "-p", "\(pid)", "-o", url.appendingPathComponent("\(name).data").path],
            directory: work, logFile: work.appendingPathComponent("perf-\(name).log"))
        return track(process)
    }
}

extension Bench {
    /// Stops `perf record` (SIGTERM; it writes its file then).
    func stopProfile(_ perf: ChildProcess) async {
        await perf.stop(signal: SIGTERM, timeout: .seconds(60))
        running.withLock { $0.removeAll { $0 === perf } }
    }
}
