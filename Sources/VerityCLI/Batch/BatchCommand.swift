import ArgumentParser
import PostgresClient
import VerityCore

/// `verity batch`: many commands, one per line, over one database connection.
///
/// Each `verity` process pays for its start, a connection (a new server
/// backend with cold caches) and the migration check before its first real
/// query; a desk scripting hundreds of moves pays that hundreds of times. A
/// batch pays it once and then runs each line as the command it names, with
/// the same checks, output, transaction and history as on its own.
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Run many verity commands, one per line, over one database connection.",
        discussion: Help.paragraphs("""
            Reads commands from --file or standard input, one per line, each written as you would \
            type it after `verity` in a shell: words, '...', "..." and backslash escapes (no $VAR, \
            globs or ~). Blank lines and lines whose first character is # are skipped.

            Every line runs exactly as the same command would on its own (same checks, same \
            output, one transaction per line, same history), but all lines share one connection, \
            opened and checked once: a batch of moves runs many times faster than one process per \
            move. Lines run as they arrive, and each line's output is written before the next line \
            is read, so a program can keep a batch open on a pipe and feed it.

            A failing line prints `batch: LINE N: error: ...` on stderr and the batch goes on \
            (--stop-on-error stops it there). The exit code is 0 when every line succeeded, else \
            the exit code of the first line that failed (64 usage, 65 rule violated, 66 not found, \
            ...); a lost connection stops the batch with 69.

            Not inside a batch: `batch`, `db start`, `db stop`, `import -` (standard input holds \
            the batch), and --database-url on a line (give it to `verity batch`).

            Example, a reviewer's night of moves:
              $ cat moves.txt
              # the analyst's night: new footage on case 12
              case move 12 --to disputed --reason "new footage" --as analyst
              case move IZY-001 --to evidence-pending --as analyst
              case show 12 --format json
              $ verity batch --file moves.txt --stop-on-error
            Or from a program: some-producer | verity batch
            """))

    @Option(
        help: ArgumentHelp("Read the commands from this file (- or none: standard input).", valueName: "file"))
    var file: String?
    @Flag(name: .customLong("stop-on-error"), help: "Stop at the first line that fails instead of going on.")
    var stopOnError = false
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let reader = try LineReader(path: file ?? "-", chunkSize: 64 * 1024)
        let session = SharedConnection(try Database.open(connection.location))
        // Every line runs the same few statements: let the server keep their plans.
        session.connection.preparesRepeatedStatements = true
        var firstFailure: Int32?
        while let bytes = try reader.nextLine() {
            let line = String(decoding: bytes, as: UTF8.self)
            guard !CommandLineWords.isSkipped(line) else { continue }
            let status = run(line, number: reader.lineNumber, on: session)
            guard status != ExitStatus.success.rawValue else { continue }
            firstFailure = firstFailure ?? status
            if !session.connection.isConnected {
                // Every later line would fail the same way; the line already said why.
                throw VerityCLIExit(status: .unavailable)
            }
            if stopOnError { break }
        }
        if let firstFailure { throw ExitCode(firstFailure) }
    }

    /// Runs one line as its own command on the batch's connection and returns its exit code.
    private func run(_ line: String, number: Int, on session: SharedConnection) -> Int32 {
        let console = Console.current.prefixingErrors(with: "batch: LINE \(number): ")
        return Console.$current.withValue(console) {
            let words: [String]
            do {
                words = try CommandLineWords.split(line)
            } catch {
                console.error("error: \(error)")
                console.error("hint: quote as in a POSIX shell: '...' keeps everything, \"...\" allows \\\" and \\\\")
                return ExitStatus.usage.rawValue
            }
            if let refusal = BatchRefusal.reason(words: words) {
                console.error("error: \(refusal)")
                return ExitStatus.usage.rawValue
            }
            func ran(_ status: Int32) -> Int32 {
                // Each line is its own transaction; never let one line's leftovers reach the next.
                if session.connection.isConnected, session.connection.isInTransaction {
                    try? session.connection.execute(unsafeSQL: "ROLLBACK")
                }
                return status
            }
            // The plain `case show/list/move` lines skip argument-parser here too (FastPath).
            if let fast = FastPath.match(words) {
                return ran(SharedConnection.$current.withValue(session) { VerityCommand.execute { try FastPath.run(fast) } })
            }
            switch VerityCommand.parse(words) {
            case .finished(let status):
                return status
            case .command(var command):
                if let refusal = BatchRefusal.reason(for: command) {
                    console.error("error: \(refusal)")
                    return ExitStatus.usage.rawValue
                }
                let wide = words.prefix { $0 != "--" }.contains("--wide")
                return ran(SharedConnection.$current.withValue(session) {
                    TerminalWidth.$wideRequested.withValue(wide) { VerityCommand.execute(&command) }
                })
            }
        }
    }
}
