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
        discussion: Help.paragraphs("""
            Reviewers, cases, sources with their links, assignments, evidence notes, then every transition \
            and assessment in history order, each with its by, at and reason. Importing the output into an \
            empty database and exporting again gives the same bytes.
            Example: verity export --output desk.jsonl
            """))

    @Option(help: "Output format (jsonl, the import format).") var format: DatabaseExportFormat = .jsonl
    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file")) var output: String?
    @OptionGroup var actor: ActorOptions
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let db = try Database.open(connection.location)
        try OutputAccounting.check(Desk(connection: db), reviewer: actor.actor)
        var digest = OutputDigest()
        var caseCount = 0
        var restrictedCases = 0
        try withOutput(output) { sink in
            // Hashes exactly what reaches the sink, and counts the case records it carries.
            let hashing = ChunkedOutput { text in
                digest.update(text)
                caseCount += text.components(separatedBy: "{\"type\":\"case\",").count - 1
                try sink.append(text)
            }
            restrictedCases = try Exporter(connection: db).run(to: hashing).restrictedCases
            try hashing.flush()
            try sink.flush()
        }
        if restrictedCases > 0 {
            Console.current.error(
                "warning: the export holds \(restrictedCases) restricted case(s), marked \"restricted\": "
                    + "keep the file as confidential as those cases")
        }
        try OutputAccounting.record(
            Desk(connection: db), reviewer: actor.actor, command: "export database", filters: [:], caseCount: caseCount,
            digest: digest, path: output, format: format.rawValue)
    }
}
