import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Node
import Storage

/// The figures on a node filled by `meent dev seed`: start-up, idle memory,
/// dashboard, group pages and search latency, memory under that load.
extension Bench {
    /// Search queries a person would type: frequent, middling and rare words,
    /// two-word queries and prefixes (every word is matched as a prefix).
    static let searchQueries = ["gemeente", "subsidie aanvraag", "zandsuppletie", "water", "klimaat", "omgevingsplan wijk",
                                "bij", "warmtepomp isolatie", "dijkversterking", "begroting raad"]

    func seededFigures() async throws -> [Figure] {
        var figures: [Figure] = []
        let directory = options.seededDirectory.map { URL(fileURLWithPath: $0) } ?? work.appendingPathComponent("seeded-data")
        let seeded = MeentNode(name: "seeded", binary: binary, endpoint: try Endpoint(host: options.seededHost, port: options.port),
                               workDirectory: work, dataDirectory: directory)
        let sizes = "\(options.seedUsers) people, \(options.seedGroups) groups, \(options.seedItems) items"

        // 1. The data: made once per directory, reused when --seeded-dir names a seeded node.
        if FileManager.default.fileExists(atPath: seeded.databasePath) {
            log("seeded node: reusing \(directory.path)")
            figures.append(Figure("Seeded data", measured: "reused", note: "\(directory.path), seeded earlier (default sizes: \(sizes))"))
        } else {
            log("seeding \(sizes) into \(directory.path)")
            let process = track(try ChildProcess(
                name: "meent dev seed", executable: binary,
                arguments: ["dev", "seed", "--data-dir", directory.path, "--users", "\(options.seedUsers)", "--groups", "\(options.seedGroups)",
                            "--items", "\(options.seedItems)", "--seed", "7"],
                directory: work, logFile: work.appendingPathComponent("seed.log")))
            let start = ContinuousClock.now
            let status = await process.wait(timeout: .seconds(3600))
            running.withLock { $0.removeAll { $0 === process } }
            guard status == 0 else { throw BenchError("meent dev seed failed (\(status)): \(process.output.suffix(3000))") }
            let elapsed = ContinuousClock.now - start
            let rate = Double(options.seedItems) / max(elapsed.seconds, 0.001)
            log("  seeded in \(String(format: "%.1f s", elapsed.seconds)) (\(Report.perSecond(rate)) items)")
            figures.append(Figure("Seeding (meent dev seed)", measured: String(format: "%.0f s", elapsed.seconds),
                                  note: "\(sizes) in batched transactions of 1,000 rows with the full-text index kept by triggers: \(Report.perSecond(rate)) content items"))
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: seeded.databasePath)[.size] as? Int) ?? 0

        // 2. Start until ready. The first start makes the node's keys, and on
        // a reused seeded node applies the migrations added since it was
        // seeded (rebuilding the full-text index takes minutes on 1,000,000
        // items); it is not counted, but reported.
        let (first, firstStartup) = try await seeded.start(timeout: .seconds(1_800))
        _ = track(first)
        await stop(first)
        log("seeded first start (keys, pending migrations): \(Report.ms(firstStartup))")
        figures.append(Figure("First start on the seeded database (not counted)", measured: Report.ms(firstStartup),
                              note: "creates the node's keys on a new seeded node and applies any migrations added since the data was seeded; the start-up figure below is measured after it"))
        var startups: [Duration] = []
        for _ in 1...options.starts {
            await quiet()
            let (process, startup) = try await seeded.start()
            _ = track(process)
            startups.append(startup)
            await stop(process)
        }
        startups.sort()
        log("seeded start-up: \(startups.map(Report.ms).joined(separator: ", "))")
        figures.append(.check("Start until ready on the seeded database", target: "< 0.5 s",
                              measured: "\(Report.ms(startups[startups.count / 2])) median, \(Report.ms(startups.last!)) max",
                              passes: startups.last! < .milliseconds(500),
                              note: "\(options.starts) restarts of `meent serve` on the seeded node (\(Report.megabytes(size)) database file)"))

        // 3. Idle memory with the seeded data.
        let (process, _) = try await seeded.start()
        _ = track(process)
        try await Task.sleep(for: .seconds(3))
        await quiet()
        let idle = process.residentBytes
        figures.append(.check("Memory idle on the seeded database (RSS)", target: "< 40 MB", measured: Report.megabytes(idle),
                              passes: (idle ?? .max) < 40 << 20, note: "VmRSS 3 s after start, before any request"))

        // 4. Pages and search, as the first seeded person (a member of the 20 largest groups).
        let database = try NodeDatabase(path: seeded.databasePath, migrate: false)
        // The person's largest and smallest group (they are in the 20 largest).
        guard let person = try await database.accounts(after: 0, limit: 1).first, let personId = person.id,
              let group = try await database.group(id: 1),
              let quietGroup = try await database.groups(ofAccount: personId).map(\.0).max(by: { $0.id! < $1.id! })
        else { throw BenchError("the seeded node has no people or groups") }
        let token = try await MeentNode.json(control, "POST", "\(seeded.endpoint.base)/api/v1/auth/token",
                                             body: ["username": person.username, "password": SeedGenerator.password, "tokenName": "bench"])
        guard let secret = token["token"] as? String else { throw BenchError("no token in \(token)") }
        let base = seeded.endpoint.base
        let pages: [(name: String, target: Duration, paths: [String], accept: String)] = [
            ("Dashboard (API)", .milliseconds(20), ["/api/v1/me/dashboard"], "application/json"),
            ("Dashboard (HTML)", .milliseconds(20), ["/dashboard"], "text/html"),
            ("Home page, signed in (HTML)", .milliseconds(20), ["/"], "text/html"),
            ("Group page (HTML)", .milliseconds(20), ["/groups/\(group.slug)", "/groups/\(quietGroup.slug)"], "text/html"),
            ("Group (API)", .milliseconds(20), ["/api/v1/groups/\(group.slug)", "/api/v1/groups/\(quietGroup.slug)"], "application/json"),
            ("Group content (API)", .milliseconds(20), ["/api/v1/groups/\(group.slug)/content", "/api/v1/groups/\(quietGroup.slug)/content"], "application/json"),
            ("Search (API)", .milliseconds(50), Self.searchQueries.map { "/api/v1/search?q=\($0.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!)" }, "application/json"),
        ]
        let memory = MemorySampler([process])
        for page in pages {
            func requests(_ count: Int) -> [HTTPClientRequest] {
                (0..<count).map { index in
                    var request = HTTPClientRequest(url: base + page.paths[index % page.paths.count])
                    request.headers.add(name: "Authorization", value: "Bearer \(secret)")
                    request.headers.add(name: "Accept", value: page.accept)
                    return request
                }
            }
            var warm = await InboxLoad.run(requests(min(100, options.pageRequests)), client: load, concurrency: options.pageConcurrency)
            warm.success = 200
            guard warm.errors == 0 else { throw BenchError("\(page.name) warm-up: \(warm.statusSummary); node log: \(process.output.suffix(2000))") }
            await quiet()
            // `--perf-dir`: page-dashboard-api.data and so on.
            let profileName = "page-" + page.name.lowercased().filter { $0.isLetter || $0 == " " }.split(separator: " ").joined(separator: "-")
            let perf = try startProfile(profileName, pid: process.pid)
            let cpu = CPUUsage([process.pid, getpid()])
            var result = await InboxLoad.run(requests(options.pageRequests), client: load, concurrency: options.pageConcurrency)
            result.success = 200
            let cpuSummary = cpu.summary([("node", process.pid), ("load generator", getpid())])
            if let perf { await stopProfile(perf) }
            let p50 = result.percentile(0.5), p99 = result.percentile(0.99)
            log("\(page.name): \(result.statusSummary), \(Report.perSecond(result.rate)), p50 \(Report.ms(p50)), p99 \(Report.ms(p99))")
            var note = "\(options.pageRequests) GETs of \(page.paths.count == 1 ? page.paths[0] : "\(page.paths.count) addresses in turn") as \(person.username) (API token), \(options.pageConcurrency) in flight, after \(min(100, options.pageRequests)) warm-up requests; \(result.statusSummary); \(Report.perSecond(result.rate)); \(cpuSummary)"
            if page.name.hasPrefix("Search") { note += "; queries: " + Self.searchQueries.joined(separator: " | ") }
            figures.append(.check("\(page.name) on the seeded data", target: "p99 < \(Report.ms(page.target))",
                                  measured: "p50 \(Report.ms(p50)), p99 \(Report.ms(p99))",
                                  passes: p99 < page.target && result.errors == 0, note: note))
        }
        let peak = await memory.stop()
        figures.append(.check("Memory under page and search load (peak RSS)", target: "< 150 MB", measured: Report.megabytes(peak[process.pid]),
                              passes: (peak[process.pid] ?? .max) < 150 << 20, note: "highest VmRSS (and VmHWM) during the page and search runs on the seeded node"))
        await stop(process)
        return figures
    }

}
