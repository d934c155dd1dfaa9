import Foundation

/// The built `verity` program, run as a real process by the fault tests (a
/// crash test must be able to kill it; the chaos test runs many at once).
///
/// `swift test` builds every product into the same folder as the test bundle
/// (`.build/debug/`), so the program is looked for next to the running test
/// binary first, then in the package's own `.build/debug`.
public enum VerityExecutable {
    public static func path(file: String = #filePath) throws -> String {
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["VERITY_TEST_EXECUTABLE"], !explicit.isEmpty {
            candidates.append(explicit)
        }
        let running = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        // Linux: .build/debug/VerityPackageTests.xctest; macOS: …/VerityPackageTests.xctest/Contents/MacOS/…
        var directory = running.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("verity").path)
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("verity").path)
        // Sources/VerityTestSupport/VerityExecutable.swift → the package root.
        let root = URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/verity").path)
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
        }
        throw ChildProcessError(
            "the fault tests run the built verity program, which was not found; looked in:\n  "
                + candidates.joined(separator: "\n  ")
                + "\nrun `swift build` first, or set VERITY_TEST_EXECUTABLE to its path")
    }

    /// The environment a `verity` child gets: this process's, without any
    /// database or reviewer setting, plus `extra`.
    public static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in ["VERITY_DATABASE_URL", "DATABASE_URL", "VERITY_REVIEWER", "VERITY_HOME", "NO_COLOR"] {
            environment[key] = nil
        }
        environment["VERITY_HOME"] = "/nonexistent/verity-fault-tests"
        environment.merge(extra) { $1 }
        return environment
    }

    /// Starts `verity ARGUMENTS…` as a process.
    public static func start(
        _ arguments: [String], environment extra: [String: String] = [:], standardInput: String = "/dev/null"
    ) throws -> ChildProcess {
        try ChildProcess(path(), arguments, environment: environment(extra), standardInput: standardInput)
    }

    /// Runs `verity ARGUMENTS…` to completion (killed after `timeout` seconds).
    public static func run(
        _ arguments: [String], environment extra: [String: String] = [:], standardInput: String = "/dev/null",
        timeout: TimeInterval = 120
    ) throws -> ChildProcess.Outcome {
        try start(arguments, environment: extra, standardInput: standardInput).wait(timeout: timeout)
    }
}
