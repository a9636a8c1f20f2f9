import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Synchronization

/// A `meent` executable run as its own process, as an operator runs it.
final class NodeProcess: Sendable {
    let process: SpawnedProcess
    private let output = NIOLockedValueBox("")
    private let outputHandle: FileHandle

    /// The built `meent` binary next to the test bundle.
    static var binary: URL {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("meent")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/meent")
    }

    /// Starts `meent` with `arguments`, in `directory`, with only `environment` set.
    init(_ arguments: [String], directory: URL? = nil, environment: [String: String] = [:], standardInput: String? = nil) throws {
        let outputPipe = try SpawnedProcess.pipe()
        var inputPipe: (read: Int32, write: Int32)?
        if standardInput != nil { inputPipe = try SpawnedProcess.pipe() }
        defer {
            close(outputPipe.write)
            if let inputPipe { close(inputPipe.read) }
        }
        process = try SpawnedProcess(executable: Self.binary.path, arguments: arguments,
                                     environment: ["PATH": "/usr/bin:/bin"].merging(environment) { $1 },
                                     directory: directory?.path, input: inputPipe?.read, output: outputPipe.write)
        if let standardInput, let inputPipe {
            let writer = FileHandle(fileDescriptor: inputPipe.write, closeOnDealloc: true)
            writer.write(Data(standardInput.utf8))
            try writer.close()
        }
        outputHandle = FileHandle(fileDescriptor: outputPipe.read, closeOnDealloc: true)
        let buffer = output
        outputHandle.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { buffer.withLockedValue { $0 += String(decoding: data, as: UTF8.self) } }
        }
    }

    var text: String { output.withLockedValue { $0 } }

    /// Waits until the output contains `marker`, failing after `timeout` or if the process ends first.
    @discardableResult
    func waitFor(_ marker: String, timeout: Duration = .seconds(120)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let current = text
            if current.contains(marker) { return current }
            if !process.isRunning {
                try await Task.sleep(for: .milliseconds(100))
                if text.contains(marker) { return text }
                throw TestFailure("meent exited (\(process.terminationStatus)) before printing '\(marker)':\n\(text)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("timed out waiting for '\(marker)':\n\(text)")
    }

    /// Waits for the process to end; returns its exit status.
    func waitForExit(timeout: Duration = .seconds(120)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                process.signal(SIGINT)
                throw TestFailure("meent did not exit in time:\n\(text)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(100))  // let the last output arrive
        return process.terminationStatus
    }

    /// Sends SIGTERM, as an init system does to stop a service.
    func terminate() { process.signal(SIGTERM) }

    deinit {
        outputHandle.readabilityHandler = nil
        process.signal(SIGKILL)
    }

    /// Runs a CLI command to completion; returns its exit status and output.
    static func run(_ arguments: [String], directory: URL? = nil, standardInput: String? = nil) async throws -> (status: Int32, output: String) {
        let node = try NodeProcess(arguments, directory: directory, standardInput: standardInput)
        let status = try await node.waitForExit()
        return (status, node.text)
    }
}

/// Loopback addresses for nodes run as processes: each test gets its own
/// address, so parallel tests never share a port.
enum LoopbackAddress {
    private static let counter = Atomic<Int>(0)
    /// The third octet to start from; `MEENT_TEST_LOOPBACK_BASE` moves it so
    /// that two test runs on one machine do not take each other's addresses.
    private static let base = ProcessInfo.processInfo.environment["MEENT_TEST_LOOPBACK_BASE"].flatMap(Int.init) ?? 10

    static func next() -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        return "127.0.\(base + n / 250).\(1 + n % 250)"
    }
}

/// A fresh temporary directory.
func makeTemporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("meent-proc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

/// Plain HTTP requests to a node running as a process.
enum LiveHTTP {
    static func request(_ method: HTTPMethod, _ url: String, json: String? = nil, token: String? = nil) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }
}
