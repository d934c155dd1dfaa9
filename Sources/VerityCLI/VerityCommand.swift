import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient
import VerityCore

/// The root `verity` command.
public struct VerityCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "verity",
        abstract: "Track allegations from claimed to assessed, with sources, evidence and an append-only history.",
        discussion: Help.paragraphs("""
            With no database configured, Verity runs its own PostgreSQL under $VERITY_HOME
            (default ~/.local/share/verity), created and started on first use.

            Exit codes: 0 success, 1 unexpected failure, 64 usage error, 65 rule violated,
            66 not found, 69 database unavailable, 75 concurrent change (run it again).
            """),
        version: "0.1.0",
        subcommands: [
            CaseCommand.self, ReviewerCommand.self, SourceCommand.self, EvidenceCommand.self, SearchCommand.self,
            ReportCommand.self, ImportCommand.self, ExportCommand.self, GenerateCommand.self, DBCommand.self,
            AuditCommand.self, ConfigCommand.self, BatchCommand.self, VerifyCommand.self,
        ]
    )

    public init() {}

    /// Parses and runs `arguments` (without the program name), writing to
    /// `Console.current`, and returns the process exit code.
    public static func run(_ arguments: [String]) -> Int32 {
        if let warning = PasswordOnCommandLine.warning(arguments) { Console.current.error(warning) }
        // `case show` and `case list` in their plain forms skip argument-parser (FastPath).
        if let fast = FastPath.match(arguments) { return execute { try FastPath.run(fast) } }
        switch parse(arguments) {
        case .finished(let status): return status
        case .command(var command):
            // --wide (FormatOptions) reaches the one table renderer through the task, not through every command.
            let wide = arguments.prefix { $0 != "--" }.contains("--wide")
            return TerminalWidth.$wideRequested.withValue(wide) { execute(&command) }
        }
    }

    /// What parsing one command line gave: a command to run, or an outcome
    /// already printed (help, version or a usage error) with its exit code.
    enum Parsed {
        case command(ParsableCommand)
        case finished(Int32)
    }

    /// Parses `arguments` with the whole command tree (options are validated here).
    /// `verity batch` parses each of its lines through this too.
    static func parse(_ arguments: [String]) -> Parsed {
        let console = Console.current
        if let command = CommandLookup.parseFromLeaf(arguments) { return .command(command) }
        do {
            return .command(try parseAsRoot(arguments))
        } catch {
            // argument-parser's own outcomes: help and version (0) or a usage error.
            let code = exitCode(for: error)
            if code == .success {
                console.print(fullMessage(for: error))
                return .finished(0)
            }
            console.error(fullMessage(for: error))
            return .finished(ExitStatus.usage.rawValue)
        }
    }

    /// Runs a parsed command and maps what it throws to an exit code, printing the error.
    static func execute(_ command: inout ParsableCommand) -> Int32 {
        execute { [command] in
            var command = command
            try command.run()
        }
    }

    /// Runs `body` (a command's work) and maps what it throws to an exit code, printing the error.
    static func execute(_ body: () throws -> Void) -> Int32 {
        let console = Console.current
        do {
            try body()
            return ExitStatus.success.rawValue
        } catch let exit as VerityCLIExit {
            return exit.status.rawValue
        } catch let error where error is VerityError || error is PostgresError {
            return ExitStatus.report(error, console: console).rawValue
        } catch {
            // argument-parser's errors thrown while running: help for a command
            // group without a subcommand, ValidationError, ExitCode.
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                console.print(message)
                return 0
            }
            if !message.isEmpty { console.error(message.hasPrefix("Error:") ? message : "error: \(message)") }
            return code == .validationFailure ? ExitStatus.usage.rawValue : code.rawValue
        }
    }
}

/// Thrown by a command that already told the user what happened and only needs
/// to exit with a given status.
struct VerityCLIExit: Error {
    let status: ExitStatus
}
