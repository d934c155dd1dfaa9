#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a helper program (initdb, pg_ctl, Chromium) to completion with posix_spawn and
/// waitpid. Output goes to a temporary file, never a pipe: `pg_ctl start`
/// leaves a server running that would inherit a pipe and hold it open, and
/// Foundation's `Process` was seen waiting forever on exactly that.
enum Subprocess {
    struct Outcome {
        var status: Int32
        /// Standard output, with standard error too unless `separateErrors`.
        var output: String
        /// Standard error, when `separateErrors`.
        var errors: String = ""
    }

    /// Runs `executable` and waits for it. With a `timeout`, the program runs in a process group
    /// of its own, and the whole group (a browser's helper processes too) is killed when it has
    /// not finished in time.
    static func run(
        _ executable: String, _ arguments: [String], timeout: TimeInterval? = nil, separateErrors: Bool = false,
        environment: [String: String]? = nil
    ) throws -> Outcome {
        let outputPath = "/tmp/verity-\(getpid())-\(UUID().uuidString.prefix(8)).log"
        let errorPath = outputPath + ".err"
        defer {
            unlink(outputPath)
            if separateErrors { unlink(errorPath) }
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if separateErrors {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }

        let argv = [executable] + arguments
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if timeout != nil {
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
            posix_spawnattr_setpgroup(&attributes, 0)
        }

        // The given environment (a command's, which tests set per task), or this process's.
        var cEnvironment: [UnsafeMutablePointer<CChar>?] = (environment?.map { strdup($0.key + "=" + $0.value) } ?? []) + [nil]
        defer { for pointer in cEnvironment { free(pointer) } }
        var pid: pid_t = 0
        let spawned = environment == nil
            ? posix_spawn(&pid, executable, &actions, &attributes, &cArguments, environ)
            : posix_spawn(&pid, executable, &actions, &attributes, &cArguments, &cEnvironment)
        guard spawned == 0 else {
            throw VerityError.unavailable("could not run \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        if let timeout {
            let deadline = Date().addingTimeInterval(timeout)
            while true {
                let done = waitpid(pid, &status, WNOHANG)
                if done == pid || (done == -1 && errno != EINTR) { break }
                if Date() >= deadline {
                    kill(-pid, SIGKILL)
                    _ = waitpid(pid, &status, 0)
                    throw VerityError.unavailable(
                        "\(executable) did not finish within \(Int(timeout)) s and was stopped",
                        hint: "run the command again; if it hangs again, check that the program runs on its own")
                }
                usleep(20_000)
            }
        } else {
            while waitpid(pid, &status, 0) == -1 {
                guard errno == EINTR else { break }
            }
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let errors = separateErrors ? (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" : ""
        // WIFEXITED/WEXITSTATUS are macros Swift cannot import.
        let exited = (status & 0x7f) == 0
        return Outcome(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), output: output, errors: errors)
    }
}
