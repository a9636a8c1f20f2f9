import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, for the tests that run
/// `meent` or Python as their own processes.
///
/// Not Foundation's `Process`: in the toolchain used here (Swift 6.3.1) its
/// `run()` on Linux reads each `/proc/self/fd` entry as a whole 256-byte
/// `d_name` and now and then reads past glibc's buffer and crashes the test
/// process (swift-corelibs-foundation pull request 5472). Only what the tests
/// need: arguments, an environment of its own, a working directory (through
/// `env -C`), standard input, and standard output and error to one pipe.
final class SpawnedProcess: Sendable {
    let processIdentifier: pid_t
    /// The raw `waitpid` status once the child has ended.
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable`; its output goes to `output` (a write end the
    /// caller closes after this returns), its input comes from `input`
    /// (`nil`: /dev/null).
    init(executable: String, arguments: [String], environment: [String: String], directory: String?,
         input: Int32?, output: Int32) throws {
        var program = executable
        var argv = [executable] + arguments
        if let directory {
            program = "/usr/bin/env"
            argv = ["env", "-C", directory, executable] + arguments
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let input {
            posix_spawn_file_actions_adddup2(&actions, input, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid = pid_t()
        let result = Self.launching.withLock { _ in posix_spawn(&pid, program, &actions, nil, cArguments, cEnvironment) }
        guard result == 0 else { throw TestFailure("could not start \(executable): \(String(cString: strerror(result)))") }
        processIdentifier = pid
    }

    /// Whether the child still runs (reaps it once it has ended).
    var isRunning: Bool {
        status.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            let result = waitpid(processIdentifier, &raw, WNOHANG)
            if result == processIdentifier { status = raw; return false }
            return result == 0
        }
    }

    /// The exit code, or the number of the signal that ended it; -1 while it runs.
    var terminationStatus: Int32 {
        guard !isRunning, let raw = status.withLock({ $0 }) else { return -1 }
        return raw & 0x7f == 0 ? (raw >> 8) & 0xff : raw & 0x7f
    }

    func signal(_ number: Int32) { if isRunning { kill(processIdentifier, number) } }

    /// A pipe whose two ends are closed when a child execs (each child gets
    /// only the ends it is given as its standard streams).
    static func pipe() throws -> (read: Int32, write: Int32) {
        try launching.withLock { _ in
            var fds: [Int32] = [0, 0]
            guard Glibc.pipe(&fds) == 0 else { throw TestFailure("pipe failed: \(errno)") }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            return (fds[0], fds[1])
        }
    }

    /// Held while a pipe is made and marked close-on-exec, and while a child
    /// is spawned, so that no child inherits another one's pipe.
    private static let launching = Mutex<Void>(())
}
