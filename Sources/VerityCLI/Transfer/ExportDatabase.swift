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
        abstract: "The whole desk as JSON Lines in the import format, history included (the default).",
        discussion: Help.paragraphs("""
            First the archive: an "archive" record for every row of every desk table as it is (reviewers, \
            cases, sources, links, assignments, evidence, four-eyes proposals, case links, settings, every \
            history row with its hash, custody events), each with its by and at. Then the records people \
            and scripts read: reviewers, cases, sources with their links, assignments, evidence notes, then \
            every transition and assessment in history order, each with its by, at and reason. Importing \
            the output into an empty desk (as its owner) restores it as it was: the same history and \
            hashes (a head anchored before the move verifies the new desk), and exporting again gives the \
            same bytes. Not in it: logins' passwords; the output log only with --with-output-log. \
            docs/import-export.md says more.
            Example: verity export --output desk.jsonl
            """))

    @Option(help: "Output format (jsonl, the import format).") var format: DatabaseExportFormat = .jsonl
    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file")) var output: String?
    @Flag(name: .customLong("with-output-log"), help: "Also archive the output log (every report and export given out).")
    var withOutputLog = false
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
            var exporter = Exporter(connection: db)
            exporter.withOutputLog = withOutputLog
            restrictedCases = try exporter.run(to: hashing).restrictedCases
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
