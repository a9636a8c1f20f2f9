import AsyncHTTPClient
import Federation
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Storage
import Synchronization

/// Member nodes of a group, in the benchmark process: one small server per
/// loopback address (127.0.201.1, .2, …), each with one person (`member`)
/// whose actor document it serves, and an inbox that answers 202 at once and
/// notes when each node first received an activity carrying a marker. Like
/// the sink inbox it checks no signature: what is measured is the group's
/// home node.
final class MemberNodes: Sendable {
    let endpoints: [Endpoint]
    let keys: LocalKeyring.Keys
    let arrivals: Arrivals
    private let tasks: [Task<Void, any Error>]

    /// Which nodes received the activity carrying the current marker, and when the last of them did.
    final class Arrivals: Sendable {
        struct State {
            var marker: [UInt8] = []
            var expected = 0
            var seen = Set<Int>()
            var completedAt: ContinuousClock.Instant?
            var received = 0
        }

        let state = Mutex(State())

        /// Starts watching for `marker` at `count` nodes.
        func expect(_ marker: String, at count: Int) {
            state.withLock { $0 = State(marker: Array(marker.utf8), expected: count, received: $0.received) }
        }

        func record(node: Int, body: ByteBuffer, at time: ContinuousClock.Instant) {
            state.withLock { state in
                state.received += 1
                guard !state.marker.isEmpty, state.completedAt == nil,
                      body.readableBytesView.firstRange(of: state.marker) != nil else { return }
                state.seen.insert(node)
                if state.seen.count >= state.expected { state.completedAt = time }
            }
        }

        var snapshot: State { state.withLock { $0 } }
    }

    private init(endpoints: [Endpoint], keys: LocalKeyring.Keys, arrivals: Arrivals, tasks: [Task<Void, any Error>]) {
        self.endpoints = endpoints
        self.keys = keys
        self.arrivals = arrivals
        self.tasks = tasks
    }

    /// The person of member node `index`.
    func actor(_ index: Int) -> String { "\(endpoints[index].base)/users/member" }

    /// Starts `count` member nodes on `network`.1 … `network`.count, all
    /// publishing the same key pair (made once; a node caches keys per key
    /// id, so sharing the pair costs the home node nothing it would not pay
    /// for distinct keys).
    static func start(count: Int, network: String, port: Int, keys: LocalKeyring.Keys) async throws -> MemberNodes {
        try await start(hosts: (1...count).map { "\(network).\($0)" }, port: port, keys: keys)
    }

    /// Starts one member node on each of `hosts`.
    static func start(hosts: [String], port: Int, keys: LocalKeyring.Keys) async throws -> MemberNodes {
        let arrivals = Arrivals()
        var endpoints: [Endpoint] = []
        var tasks: [Task<Void, any Error>] = []
        var logger = Logger(label: "member-node")
        logger.logLevel = .critical
        do {
            for (index, host) in hosts.enumerated() {
                let endpoint = try Endpoint(host: host, port: port)
                let actorId = "\(endpoint.base)/users/member"
                var document = ActorDocument(id: actorId, type: "Person", inbox: "\(actorId)/inbox")
                document.preferredUsername = "member"
                document.name = "Member \(index + 1)"
                document.endpoints = .init(sharedInbox: "\(endpoint.base)/inbox")
                document.publicKey = .init(id: LocalActorURLs.rsaKeyId(actorId), owner: actorId, publicKeyPem: keys.rsaPublicPEM)
                document.assertionMethod = [.init(id: LocalActorURLs.ed25519KeyId(actorId), controller: actorId,
                                                  publicKeyMultibase: keys.ed25519PublicMultibase)]
                let actorJSON = ByteBuffer(bytes: try JSONEncoder().encode(document))
                let router = Router()
                router.get("users/member") { _, _ -> Response in
                    Response(status: .ok, headers: [.contentType: "application/activity+json"], body: .init(byteBuffer: actorJSON))
                }
                let receive: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
                    var request = request
                    let body = try await request.collectBody(upTo: 4 << 20)
                    arrivals.record(node: index, body: body, at: .now)
                    return Response(status: .accepted)
                }
                router.post("inbox", use: receive)
                router.post("users/member/inbox", use: receive)
                let app = Application(router: router, configuration: .init(address: .hostname(endpoint.host, port: endpoint.port)), logger: logger)
                tasks.append(Task { try await app.runService(gracefulShutdownSignals: []) })
                endpoints.append(endpoint)
            }
            let deadline = ContinuousClock.now + .seconds(20)
            for endpoint in endpoints {
                while !(await SinkInbox.isListening(endpoint)) {
                    guard ContinuousClock.now < deadline else { throw BenchError("member node \(endpoint.authority) could not listen") }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
        } catch {
            for task in tasks { task.cancel() }
            throw error
        }
        return MemberNodes(endpoints: endpoints, keys: keys, arrivals: arrivals, tasks: tasks)
    }

    func stop() async {
        for task in tasks { task.cancel() }
        for task in tasks { _ = try? await task.value }
    }

    /// The `Follow` of `group` by member `index`: a request to join it.
    func follow(_ index: Int, group: String, run: String) -> [UInt8] {
        let actor = actor(index)
        return Array("""
            {"@context":"https://www.w3.org/ns/activitystreams","id":"\(endpoints[index].base)/activities/join-\(run)","type":"Follow","actor":"\(actor)","object":"\(group)","to":["\(group)"]}
            """.utf8)
    }

    /// A `Create` of a status update by member `index` in `group`, as a
    /// Meent member node sends it to the group's inbox.
    func create(_ index: Int, group: String, id: String) -> (activityId: String, body: Data) {
        let actor = actor(index)
        let base = endpoints[index].base
        let text = "Bijdrage \(id) van lid \(index + 1) over de planning van het overleg."
        let activityId = "\(base)/activities/create-\(id)"
        let body = """
            {"@context":"https://www.w3.org/ns/activitystreams","id":"\(activityId)","type":"Create","actor":"\(actor)","audience":"\(group)","to":["\(group)/members"],"cc":["\(group)"],"object":{"id":"\(base)/notes/\(id)","type":"Note","attributedTo":"\(actor)","audience":"\(group)","content":"<p>\(text)</p>","source":{"content":"\(text)","mediaType":"text/markdown"},"published":"2026-11-27T08:00:00Z","updated":"2026-11-27T08:00:00Z","meentAccess":"members","to":["\(group)"]}}
            """
        return (activityId, Data(body.utf8))
    }
}

/// The two figures of issue #7 that need groups across nodes, on a node of
/// their own (the "group home" node): a post fanned out to members on 100
/// nodes, and the rate at which accepted group activities are applied.
extension Bench {
    func groupFederationFigures() async throws -> [Figure] {
        var figures: [Figure] = []
        let home = MeentNode(name: "group-home", binary: binary, endpoint: try Endpoint(host: options.groupHost, port: options.port), workDirectory: work)
        log("group federation: first start of the group's home node at \(home.endpoint.base)")
        let (first, _) = try await home.start()
        _ = track(first)
        let admin = try MeentNode.adminLogin(in: first.output)
        await stop(first)
        let (process, _) = try await home.start()
        _ = track(process)
        let token = try await MeentNode.json(control, "POST", "\(home.endpoint.base)/api/v1/auth/token",
                                             body: ["username": admin.username, "password": admin.password, "tokenName": "bench"])
        guard let secret = token["token"] as? String else { throw BenchError("no token in \(token)") }
        let auth = ["Authorization": "Bearer \(secret)"]
        let database = try NodeDatabase(path: home.databasePath, migrate: false)

        // The members' key pair, made once in a scratch database.
        let keys = try await LocalKeyring(database: try NodeDatabase(path: work.appendingPathComponent("members.sqlite").path)).keys(owner: "members")
        let nodeCount = max(options.groupNodes, options.applyNodes)
        log("group federation: starting \(nodeCount) member nodes on \(options.memberNetwork).1–\(nodeCount)")
        let members = try await MemberNodes.start(count: nodeCount, network: options.memberNetwork, port: options.port, keys: keys)
        memberNodes.withLock { $0 = members }

        // 1. One post in a group with one member on each of 100 nodes.
        let group = try await makeGroup("fanout", members: options.groupNodes, nodes: members, home: home, database: database, headers: auth)
        var latencies: [Duration] = [], apiTimes: [Duration] = [], acknowledged: [Duration] = []
        await quiet()
        let perf = try startProfile("group-fanout", pid: process.pid)
        let cpu = CPUUsage([process.pid, getpid()])
        for index in 0..<options.groupPosts {
            let marker = "fanout\(UUID().uuidString.prefix(8).lowercased())n\(index)"
            let before = try await deliveryCounts(database)
            members.arrivals.expect(marker, at: options.groupNodes)
            let start = ContinuousClock.now
            _ = try await MeentNode.json(control, "POST", "\(home.endpoint.base)/api/v1/content",
                                         body: ["type": "status", "body": "Nieuws \(marker) voor alle leden", "group": group.slug], headers: auth)
            apiTimes.append(ContinuousClock.now - start)
            let deadline = start + .seconds(30)
            var completed: ContinuousClock.Instant?
            while ContinuousClock.now < deadline {
                if let done = members.arrivals.snapshot.completedAt { completed = done; break }
                try await Task.sleep(for: .milliseconds(1))
            }
            guard let completed else {
                throw BenchError("post \(index): only \(members.arrivals.snapshot.seen.count) of \(options.groupNodes) nodes received it in 30 s")
            }
            latencies.append(completed - start)
            // Until the home node has recorded every 202 (the deliveries marked delivered).
            while ContinuousClock.now < deadline {
                let now = try await deliveryCounts(database)
                if now.queued == 0 && now.delivered - before.delivered >= options.groupNodes { break }
                try await Task.sleep(for: .milliseconds(2))
            }
            acknowledged.append(ContinuousClock.now - start)
            try await Task.sleep(for: .milliseconds(100))
        }
        let cpuSummary = cpu.summary([("node", process.pid), ("member nodes (benchmark process)", getpid())])
        if let perf { await stopProfile(perf) }
        latencies.sort(); apiTimes.sort(); acknowledged.sort()
        func pct(_ values: [Duration], _ p: Double) -> Duration { values[min(values.count - 1, max(0, Int((p * Double(values.count)).rounded(.up)) - 1))] }
        log("group fan-out: p50 \(Report.ms(pct(latencies, 0.5))), max \(Report.ms(latencies.last!))")
        figures.append(.check("One post in a group with members on \(options.groupNodes) nodes, until every node acknowledged", target: "p50 < 0.5 s",
                              measured: "p50 \(Report.ms(pct(latencies, 0.5))), p99 \(Report.ms(pct(latencies, 0.99)))",
                              passes: pct(latencies, 0.5) < .milliseconds(500),
                              note: "\(options.groupPosts) status updates (access members) POSTed one at a time to /api/v1/content in an open group with one member on each of \(options.groupNodes) member nodes (in-process servers on \(options.memberNetwork).x that joined by signed Follow and answer 202); time from sending the POST until the last node received its Announce and answered 202; the API answered after p50 \(Report.ms(pct(apiTimes, 0.5))); the home node had marked all \(options.groupNodes) deliveries delivered after p50 \(Report.ms(pct(acknowledged, 0.5))), p99 \(Report.ms(pct(acknowledged, 0.99))) (polled every 2 ms); \(cpuSummary)"))

        // 2. Applying accepted group activities: Creates by members on other
        // nodes, stored as the inbox stores a verified request, applied by the
        // node's inbox worker (membership checked, item stored, Announce
        // queued for every member node).
        let applyGroup = try await makeGroup("apply", members: options.applyNodes, nodes: members, home: home, database: database, headers: auth)
        try await waitForDeliveries(database, timeout: .seconds(120))
        let run = UUID().uuidString.prefix(8).lowercased()
        let groupURL = "\(home.endpoint.base)/groups/\(applyGroup.slug)"
        var rows: [InboxActivity] = []
        for index in 0..<options.applyActivities {
            let member = index % options.applyNodes
            let (activityId, body) = members.create(member, group: groupURL, id: "\(run)-\(index)")
            rows.append(InboxActivity(activityId: activityId, actorId: members.actor(member), type: "Create", recipient: "group:\(applyGroup.id)",
                                      body: body, signatureKeyId: LocalActorURLs.ed25519KeyId(members.actor(member))))
        }
        let before = try await deliveryCounts(database)
        await quiet()
        let applyPerf = try startProfile("group-apply", pid: process.pid)
        let applyCPU = CPUUsage([process.pid, getpid()])
        let stored = try await database.storeInboxActivities(rows)
        let storedAt = Date()
        guard stored.allSatisfy({ $0 }) else { throw BenchError("some Create rows were already stored") }
        let deadline = ContinuousClock.now + .seconds(options.drainTimeout)
        while ContinuousClock.now < deadline, !(try await database.pendingInboxActivities(limit: 1).isEmpty) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let applyCPUSummary = applyCPU.summary([("node", process.pid), ("member nodes (benchmark process)", getpid())])
        if let applyPerf { await stopProfile(applyPerf) }
        let applied = try await database.receivedActivities(type: "Create", limit: options.applyActivities * 2)
            .filter { $0.activityId.contains("/activities/create-\(run)-") }
        let appliedTimes = applied.filter { $0.state == .applied }.compactMap(\.appliedAt).sorted()
        let after = try await deliveryCounts(database)
        let queuedByRun = after.total - before.total
        guard appliedTimes.count == options.applyActivities, let firstApplied = appliedTimes.first, let lastApplied = appliedTimes.last else {
            let states = Dictionary(grouping: applied, by: \.state.rawValue).mapValues(\.count)
            throw BenchError("applying: \(states) of \(options.applyActivities); node log: \(process.output.suffix(3000))")
        }
        let span = lastApplied.timeIntervalSince(firstApplied)
        let rate = Double(appliedTimes.count - 1) / max(span, 0.001)
        let wall = lastApplied.timeIntervalSince(storedAt)
        log("applying group activities: \(appliedTimes.count) in \(String(format: "%.2f", span)) s: \(Report.perSecond(rate)); \(queuedByRun) deliveries queued")
        figures.append(.check("Applying accepted group activities", target: "≥ 1,000/s", measured: Report.perSecond(rate),
                              passes: rate >= 1000,
                              note: "\(options.applyActivities) Creates (status updates, access members) by members on \(options.applyNodes) nodes, written to the group home node's inbox table as its inbox stores a verified request, then applied by its inbox worker: membership checked, item stored, one Announce per member node queued (\(queuedByRun) deliveries, expected \(options.applyActivities * options.applyNodes)), which the delivery worker sends to the member nodes meanwhile; rate from the first to the last `appliedAt` (\(String(format: "%.2f", span)) s; \(String(format: "%.2f", wall)) s from the insert commit, which includes the worker's poll); \(applyCPUSummary)"))

        try await waitForDeliveries(database, timeout: .seconds(options.drainTimeout))
        await stop(process)
        await members.stop()
        memberNodes.withLock { $0 = nil }
        return figures
    }

    /// Makes an open group on the home node and has member `0..<members`
    /// join it by a signed `Follow`; waits until the home node counts them
    /// all as members and has delivered its `Accept`s.
    private func makeGroup(_ slug: String, members count: Int, nodes: MemberNodes, home: MeentNode, database: NodeDatabase,
                           headers: [String: String]) async throws -> (slug: String, id: Int64) {
        _ = try await MeentNode.json(control, "POST", "\(home.endpoint.base)/api/v1/groups",
                                     body: ["name": "Bench \(slug)", "slug": slug, "membershipMode": "open"], headers: headers)
        guard let group = try await database.group(slug: slug), let groupId = group.id else { throw BenchError("group \(slug) was not made") }
        let groupURL = "\(home.endpoint.base)/groups/\(slug)"
        let inbox = "\(groupURL)/inbox"
        let requests = try (0..<count).map { index in
            try InboxLoad.sign(nodes.follow(index, group: groupURL, run: slug), scheme: .ed25519, keys: nodes.keys, actor: nodes.actor(index), inbox: inbox)
        }
        let result = await InboxLoad.run(requests, client: load, concurrency: 8)
        guard result.accepted == count else { throw BenchError("joining \(slug): \(result.statusSummary)") }
        let deadline = ContinuousClock.now + .seconds(120)
        while try await database.remoteMembers(groupId: groupId).count < count {
            guard ContinuousClock.now < deadline else { throw BenchError("joining \(slug): not every Follow was applied in 120 s") }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await waitForDeliveries(database, timeout: .seconds(120))
        log("  group \(slug): \(count) members on \(count) nodes")
        return (slug, groupId)
    }

    private func deliveryCounts(_ database: NodeDatabase) async throws -> (queued: Int, delivered: Int, total: Int) {
        let status = try await database.deliveryStatus()
        return (status.queued, status.delivered, status.queued + status.delivered + status.failed)
    }

    private func waitForDeliveries(_ database: NodeDatabase, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await deliveryCounts(database).queued > 0 {
            guard ContinuousClock.now < deadline else { throw BenchError("deliveries still queued after \(timeout)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
