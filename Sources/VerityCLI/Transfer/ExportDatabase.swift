import ArgumentParser
import VerityCore

/// The export formats of `verity export database`.
enum DatabaseExportFormat: String, ExpressibleByArgument, CaseIterable {
    case jsonl
}

/// `verity export [database]`: the whole database in the import format, history included.
struct ExportDatabase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "database",
        abstract: "The whole database as JSON Lines in the import format, history included (the default).",
        discussion: """
            Reviewers, cases, sources with their links, assignments, evidence notes, then every transition \
            and assessment in history order, each with its by, at and reason. Importing the output into an \
            empty database and exporting again gives the same bytes.
            Example: verity export --output desk.jsonl
            """)

    @Option(help: "Output format (jsonl, the import format).") var format: DatabaseExportFormat = .jsonl
    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file")) var output: String?
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let db = try Database.open(connection.location)
        try withOutput(output) { try Exporter(connection: db).run(to: $0) }
    }
}
