import Foundation
import Testing

@testable import VerityCore

/// The helper-program runner: a program that hangs (Chromium printing a dossier) is stopped at
/// its timeout together with the processes it started, and the command says so.
@Suite("Subprocess: exit codes, output and the timeout")
struct SubprocessTests {
    @Test("a program's exit code and output come back")
    func outcome() throws {
        let done = try Subprocess.run("/bin/sh", ["-c", "echo hello; echo oops >&2; exit 3"])
        #expect(done.status == 3)
        #expect(done.output == "hello\noops\n")
    }

    @Test("a program that outlives its timeout is killed with its children, and the error says which and how long")
    func timeout() throws {
        let marker = NSTemporaryDirectory() + "verity-subprocess-\(UUID().uuidString)"
        // The child writes its pid, then both it and the shell wait far longer than the timeout.
        let started = Date()
        #expect {
            try Subprocess.run("/bin/sh", ["-c", "sleep 300 & echo $! > \(marker); wait"], timeout: 1)
        } throws: { error in
            (error as? VerityError)?.category == .unavailable
                && ((error as? VerityError)?.message.contains("did not finish within 1 s") ?? false)
        }
        #expect(Date().timeIntervalSince(started) < 30)
        let child = try #require(Int32(String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { try? FileManager.default.removeItem(atPath: marker) }
        // Killed with its group: give the kernel a moment to reap it (its parent is gone too).
        var alive = true
        for _ in 0..<100 where alive {
            alive = kill(child, 0) == 0 && !Self.isZombie(child)
            if alive { usleep(20_000) }
        }
        #expect(!alive, "the shell's child \(child) survived the timeout")
    }

    private static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        return stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? false
    }
}
