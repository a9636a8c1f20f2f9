import Foundation
import Synchronization

/// One line of the result table.
struct Figure: Sendable {
    enum Verdict: String, Sendable {
        case pass, fail
        /// Measured for context; no target.
        case info = ""
    }

    let name: String
    let target: String
    let measured: String
    let verdict: Verdict
    let note: String

    init(_ name: String, target: String = "", measured: String, verdict: Verdict = .info, note: String = "") {
        self.name = name
        self.target = target
        self.measured = measured
        self.verdict = verdict
        self.note = note
    }

    static func check(_ name: String, target: String, measured: String, passes: Bool, note: String = "") -> Figure {
        Figure(name, target: target, measured: measured, verdict: passes ? .pass : .fail, note: note)
    }
}

enum Report {
    /// A Markdown table (readable as plain text as well).
    static func table(_ figures: [Figure]) -> String {
        let header = ["Figure", "Target", "Measured", "Result"]
        let rows = figures.map { [$0.name, $0.target, $0.measured, $0.verdict.rawValue] }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            "| " + cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |"
        }
        var out = [line(header), "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"]
        out += rows.map(line)
        return out.joined(separator: "\n")
    }

    static func notes(_ figures: [Figure]) -> String {
        figures.filter { !$0.note.isEmpty }.map { "- \($0.name): \($0.note)" }.joined(separator: "\n")
    }

    /// The machine the figures were measured on.
    static func machine() -> String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "?" } ?? "?"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let memTotal = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal") }
            .flatMap { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first }.flatMap { Int($0) } ?? 0
        var uts = utsname()
        uname(&uts)
        let kernel = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores (\(model)), \(String(format: "%.1f", Double(memTotal) / 1_048_576)) GiB RAM, Linux \(kernel)"
    }

    static func megabytes(_ bytes: Int?) -> String {
        guard let bytes else { return "?" }
        return String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }

    static func perSecond(_ value: Double) -> String {
        value >= 100 ? "\(Int(value.rounded()).formatted(.number.grouping(.automatic)))/s" : String(format: "%.1f/s", value)
    }

    static func ms(_ duration: Duration) -> String {
        let value = duration.milliseconds
        return value >= 100 ? String(format: "%.0f ms", value) : String(format: "%.1f ms", value)
    }
}

/// Samples the resident memory of processes while a phase runs; keeps the highest.
final class MemorySampler: Sendable {
    private let processes: [ChildProcess]
    private let peaks = Locked<[Int32: Int]>([:])
    private let task = Locked<Task<Void, Never>?>(nil)

    init(_ processes: [ChildProcess], interval: Duration = .milliseconds(25)) {
        self.processes = processes
        for process in processes { process.resetPeakResident() }
        let started = Task { [processes, peaks] in
            while !Task.isCancelled {
                for process in processes {
                    if let rss = process.residentBytes { peaks.withLock { $0[process.pid] = max($0[process.pid] ?? 0, rss) } }
                }
                try? await Task.sleep(for: interval)
            }
        }
        task.withLock { $0 = started }
    }

    /// Stops sampling; returns the peak per process: the highest sample or VmHWM, whichever is higher.
    func stop() async -> [Int32: Int] {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
        var result = peaks.withLock { $0 }
        for process in processes {
            if let hwm = process.peakResidentBytes { result[process.pid] = max(result[process.pid] ?? 0, hwm) }
        }
        return result
    }
}

/// CPU time of processes over a phase.
struct CPUUsage {
    let start: [Int32: Double]
    let startedAt: ContinuousClock.Instant
    let machineStart: (busy: Double, total: Double)

    init(_ pids: [Int32]) {
        var start: [Int32: Double] = [:]
        for pid in pids { start[pid] = ChildProcess.cpuSeconds(pid: pid) ?? 0 }
        self.start = start
        startedAt = .now
        machineStart = Self.machineTicks()
    }

    /// Busy and total CPU time of the whole machine so far (/proc/stat), in ticks.
    static func machineTicks() -> (busy: Double, total: Double) {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return (0, 0) }
        let values = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard values.count >= 5 else { return (0, 0) }
        let total = values.prefix(8).reduce(0, +)
        return (total - values[3] - values[4], total)
    }

    /// Cores the whole machine was busy on average since `init`, all processes together.
    func machineCores() -> Double {
        let now = Self.machineTicks()
        let total = now.total - machineStart.total
        guard total > 0 else { return 0 }
        return (now.busy - machineStart.busy) / total * Double(ProcessInfo.processInfo.activeProcessorCount)
    }

    /// A summary: cores used by each named process and by everything else on the machine.
    func summary(_ names: [(String, Int32)]) -> String {
        let cores = cores()
        let machine = machineCores()
        let ours = names.reduce(0) { $0 + (cores[$1.1] ?? 0) }
        let parts = names.map { "\($0.0) \(String(format: "%.2f", cores[$0.1] ?? 0))" }
        return "CPU (cores): " + parts.joined(separator: ", ") + ", other processes \(String(format: "%.2f", max(0, machine - ours)))"
    }

    /// Cores used on average by each process since `init` (CPU seconds / wall seconds).
    func cores() -> [Int32: Double] {
        let wall = (ContinuousClock.now - startedAt).seconds
        var result: [Int32: Double] = [:]
        for (pid, before) in start { result[pid] = ((ChildProcess.cpuSeconds(pid: pid) ?? before) - before) / wall }
        return result
    }
}

/// A value behind a lock, shareable between tasks and closures.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<R: Sendable>(_ body: (inout Value) throws -> R) rethrows -> R { try mutex.withLock { try body(&$0) } }

    var value: Value { mutex.withLock { $0 } }
}
