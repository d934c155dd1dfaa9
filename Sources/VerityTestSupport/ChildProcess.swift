import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A program the fault tests run as a real process (the built `verity`,
/// pg_basebackup, pg_ctl): started with posix_spawn, its output in temporary
/// files (never pipes: a server started by pg_ctl would inherit a pipe and hold
/// it open), so that a test can wait for it or kill it with a signal.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    public let executable: String
    public let arguments: [String]
    private let stdoutPath: String
    private let stderrPath: String
    private let lock = NSLock()
    private var finished: Outcome?

    /// How a process ended.
    public struct Outcome: Sendable {
        /// The exit code, or 128 + the signal number when a signal ended it.
        public var status: Int32
        /// The signal that ended it, if one did.
        public var signal: Int32?
        public var stdout: String
        public var stderr: String
    }

    /// A test that feeds a child through a FIFO may write after the child has exited (a batch
    /// that stopped at a failing line): that write must fail with EPIPE, not end the whole test
    /// process with SIGPIPE.
    private static let survivesBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// Starts `executable` with exactly `environment` (nil: this process's own),
    /// reading `standardInput` (a file or a FIFO; a FIFO must already have a writer,
    /// or the child blocks opening it).
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        standardInput: String = "/dev/null"
    ) throws {
        self.executable = executable
        self.arguments = arguments
        Self.survivesBrokenPipes
        let stem = "/tmp/verity-child-\(getpid())-\(UUID().uuidString.prefix(8))"
        stdoutPath = stem + ".out"
        stderrPath = stem + ".err"

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, standardInput, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        let argv = [executable] + arguments
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        let environmentLines = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var cEnvironment: [UnsafeMutablePointer<CChar>?] = environmentLines.map { strdup($0) } + [nil]
        defer { for pointer in cEnvironment { free(pointer) } }

        // The child gets SIGPIPE's default back: `verity ... | head` ends as for a user.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))

        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, &cArguments, &cEnvironment)
        guard spawned == 0 else {
            throw ChildProcessError("could not start \(executable): \(String(cString: strerror(spawned)))")
        }
        self.pid = pid
    }

    /// Runs a program to completion.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil
    ) throws -> Outcome {
        try ChildProcess(executable, arguments, environment: environment).wait()
    }

    /// Sends `signal` (SIGKILL by default): the crash tests' kill -9.
    public func kill(_ signal: Int32 = SIGKILL) {
        #if canImport(Glibc)
            _ = Glibc.kill(pid, signal)
        #else
            _ = Darwin.kill(pid, signal)
        #endif
    }

    /// Whether the process has not ended yet (without reaping it).
    public var isRunning: Bool {
        lock.withLock {
            if finished != nil { return false }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                finished = collect(status)
                return false
            }
            return result == 0
        }
    }

    /// Waits for the process to end and returns its exit status and output.
    @discardableResult
    public func wait() throws -> Outcome {
        try lock.withLock {
            if let finished { return finished }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 {
                guard errno == EINTR else {
                    throw ChildProcessError("waitpid(\(pid)) failed: \(String(cString: strerror(errno)))")
                }
            }
            let outcome = collect(status)
            finished = outcome
            return outcome
        }
    }

    /// Waits at most `timeout` seconds; kills the process (and says so) when it
    /// takes longer, so a hung child fails the test instead of hanging it.
    @discardableResult
    public func wait(timeout: TimeInterval) throws -> Outcome {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning {
            if Date() > deadline {
                kill()
                let outcome = try wait()
                throw ChildProcessError(
                    "\(describe) did not finish within \(Int(timeout)) s and was killed; stderr: \(outcome.stderr)")
            }
            usleep(20_000)
        }
        return try wait()
    }

    /// What the process has written to stdout so far (it may still be running).
    public var stdoutSoFar: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }

    public var describe: String { ([executable] + arguments).joined(separator: " ") }

    private func collect(_ status: Int32) -> Outcome {
        let out = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        unlink(stdoutPath)
        unlink(stderrPath)
        // WIFEXITED/WEXITSTATUS/WTERMSIG are macros Swift cannot import.
        let signal = status & 0x7f
        if signal == 0 { return Outcome(status: (status >> 8) & 0xff, signal: nil, stdout: out, stderr: err) }
        return Outcome(status: 128 + signal, signal: signal, stdout: out, stderr: err)
    }
}

/// A failure of the fault tests' own machinery (not of the program under test).
public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
