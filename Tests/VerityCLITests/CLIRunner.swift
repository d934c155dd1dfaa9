import Foundation
import VerityCLI
import VerityCore

/// What a user would see after running `verity ARGS...`.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String

    /// stdout parsed as JSON (fails the caller's #require when it is not).
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed])
    }
}

/// Runs the CLI in-process with its own output and environment, so tests can
/// run in parallel.
func verity(_ arguments: [String], environment: [String: String] = [:]) -> CLIResult {
    let out = OutputBuffer()
    let err = OutputBuffer()
    let console = Console(writeOut: { out.append($0) }, writeErr: { err.append($0) }, isTerminal: false)
    var env = ProcessInfo.processInfo.environment
    for key in ["VERITY_DATABASE_URL", "DATABASE_URL", "VERITY_REVIEWER", "VERITY_HOME"] { env[key] = nil }
    env.merge(environment) { $1 }
    let status = Console.$current.withValue(console) {
        ProcessEnvironment.$current.withValue(Environment(env)) { VerityCommand.run(arguments) }
    }
    return CLIResult(status: status, stdout: out.text, stderr: err.text)
}

final class OutputBuffer: @unchecked Sendable {
    private var storage = ""
    private let lock = NSLock()
    func append(_ text: String) { lock.withLock { storage += text } }
    var text: String { lock.withLock { storage } }
}
