import Foundation
import Synchronization

/// A process the benchmark starts (a `meent serve` node, `perf record`).
///
/// Every child is started through `setpriv --pdeathsig KILL` from one
/// long-lived thread, so the kernel kills it when the benchmark process dies
/// for any reason (an error, Ctrl-C, even `kill -9`); ``stop()`` ends it
/// gracefully on the normal path. Its standard output and error are kept (up
/// to 1 MiB) and written to `logFile`.
final class ChildProcess: Sendable {
    let name: String
    let pid: Int32
    let startedAt: ContinuousClock.Instant
    let logFile: URL
    private let process: Process
    private let buffer: OutputBuffer

    private final class OutputBuffer: Sendable {
        struct State {
            var output = ""
            var dropped = 0
            /// When each watched marker first appeared in the output.
            var seen: [String: ContinuousClock.Instant] = [:]
        }
        let state = Mutex(State())
    }

    /// Strings whose first appearance is timestamped as the output arrives.
    static let watchedMarkers = ["node is serving"]

    /// Starts `executable` with `arguments` in `directory`, with a clean environment.
    init(name: String, executable: String, arguments: [String], directory: URL, logFile: URL) throws {
        self.name = name
        self.logFile = logFile
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--pdeathsig", "KILL", "--", executable] + arguments
        // No MEENT_* variables from the caller's environment, no node.conf from the caller's directory.
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": directory.path, "LANG": "C.UTF-8"]
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let buffer = OutputBuffer()
        self.buffer = buffer
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else { handle.readabilityHandler = nil; return }
            let now = ContinuousClock.now
            let chunk = String(decoding: data, as: UTF8.self)
            buffer.state.withLock { state in
                let before = state.output.suffix(64)
                if state.output.utf8.count < 1 << 20 { state.output += chunk } else { state.dropped += data.count }
                let window = before + chunk
                for marker in Self.watchedMarkers where state.seen[marker] == nil && window.contains(marker) {
                    state.seen[marker] = now
                }
            }
        }
        self.process = process
        let (startedAt, pid) = try Spawner.shared.spawn(process)
        self.startedAt = startedAt
        self.pid = pid
    }

    var output: String { buffer.state.withLock { $0.output } }
    var isRunning: Bool { process.isRunning }

    /// When `marker` (one of ``watchedMarkers``) first appeared, if it did.
    func firstSeen(_ marker: String) -> ContinuousClock.Instant? { buffer.state.withLock { $0.seen[marker] } }

    /// Waits until the output contains `marker`; fails when the process ends first or after `timeout`.
    func waitFor(_ marker: String, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !output.contains(marker) {
            if !process.isRunning {
                try await Task.sleep(for: .milliseconds(100))
                if output.contains(marker) { return }
                throw BenchError("\(name) exited (status \(process.terminationStatus)) before printing '\(marker)'; output:\n\(output.suffix(4000))")
            }
            if ContinuousClock.now > deadline {
                throw BenchError("\(name) did not print '\(marker)' within \(timeout); output:\n\(output.suffix(4000))")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Sends `signal` and waits for the process to end; SIGKILL after `timeout`.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(15)) async -> Int32 {
        if process.isRunning { kill(pid, signal) }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
                try? await Task.sleep(for: .milliseconds(200))
                break
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        try? await Task.sleep(for: .milliseconds(50))  // the last output
        let text = buffer.state.withLock { $0.output + ($0.dropped > 0 ? "\n[\($0.dropped) bytes of output not kept]\n" : "") }
        try? Data(text.utf8).write(to: logFile)
        return process.isRunning ? -1 : process.terminationStatus
    }

    /// Waits for the process to end by itself (a command, not a server);
    /// returns its exit status, or -1 when it still ran after `timeout` (then it is killed).
    func wait(timeout: Duration) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await stop(signal: SIGKILL, timeout: .seconds(5))
    }

    /// Kills the process at once (cleanup after a failure).
    func killNow() {
        if process.isRunning { kill(pid, SIGKILL) }
    }

    deinit {
        if process.isRunning { kill(pid, SIGKILL) }
    }

    // MARK: /proc

    /// Resident memory now (VmRSS), in bytes.
    var residentBytes: Int? { Self.statusField("VmRSS", pid: pid) }

    /// Peak resident memory since start or the last ``resetPeakResident()`` (VmHWM), in bytes.
    var peakResidentBytes: Int? { Self.statusField("VmHWM", pid: pid) }

    /// Resets VmHWM to the current RSS (Linux `clear_refs` 5).
    func resetPeakResident() {
        try? Data("5".utf8).write(to: URL(fileURLWithPath: "/proc/\(pid)/clear_refs"))
    }

    /// CPU time used so far (user + system, all threads), in seconds.
    var cpuSeconds: Double? { Self.cpuSeconds(pid: pid) }

    static func statusField(_ field: String, pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let kilobytes = Int(parts[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }

    static func cpuSeconds(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after "pid (comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// Starts processes from one thread that lives as long as the benchmark:
/// the parent-death signal fires when the thread that forked the child
/// ends, and the threads of Swift's concurrency pool may end at any time.
final class Spawner: Sendable {
    static let shared = Spawner()

    private final class Job: @unchecked Sendable {
        let process: Process
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<(ContinuousClock.Instant, Int32), any Error>?>(nil)
        init(process: Process) { self.process = process }
    }

    private let jobs = Mutex<[Job]>([])
    private let wake = DispatchSemaphore(value: 0)

    private init() {
        let thread = Thread { [self] in
            // Children inherit the signal mask of the thread that spawns them,
            // and threads of the Swift runtime block signals: unblock them
            // here so that SIGTERM and SIGINT reach the children.
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            while true {
                wake.wait()
                guard let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
                let startedAt = ContinuousClock.now
                do {
                    try job.process.run()
                    let pid = job.process.processIdentifier
                    job.result.withLock { $0 = .success((startedAt, pid)) }
                } catch {
                    job.result.withLock { $0 = .failure(error) }
                }
                job.done.signal()
            }
        }
        thread.name = "meent-bench spawner"
        thread.start()
    }

    /// Runs `process`; returns when it was started and its pid.
    func spawn(_ process: Process) throws -> (ContinuousClock.Instant, Int32) {
        let job = Job(process: process)
        jobs.withLock { $0.append(job) }
        wake.signal()
        job.done.wait()
        return try job.result.withLock { $0! }.get()
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
