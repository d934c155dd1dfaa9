import ArgumentParser
import VerityCore

/// Who is acting: `--as HANDLE`, or `VERITY_REVIEWER`.
struct ActorOptions: ParsableArguments {
    @Option(
        name: .customLong("as"),
        help: ArgumentHelp("The acting reviewer's handle. Default: $VERITY_REVIEWER.", valueName: "handle"))
    var handle: String?

    var actor: String? { Self.acting(handle) }

    /// The acting reviewer: `--as`, else $VERITY_REVIEWER (for FastPath too).
    static func acting(_ handle: String?) -> String? {
        handle ?? ProcessEnvironment.current["VERITY_REVIEWER"].flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// `--format table|json|csv`.
struct FormatOptions: ParsableArguments {
    @Option(help: "Output format: table for people, json or csv for programs.")
    var format: OutputFormat = .table
    @Flag(help: "Tables: show every cell whole, however wide (by default they fit COLUMNS or the terminal).")
    var wide = false
}

/// Options of every command that works on the desk.
struct DeskOptions: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: FormatOptions

    var format: OutputFormat { output.format }

    func openDesk() throws -> Desk {
        Desk(connection: try Database.open(connection.location))
    }
}
