import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient
import VerityCore

extension ImportFormat: ExpressibleByArgument {}

/// `verity import FILE|-`: bulk import of JSON Lines or CSV (all or nothing).
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import reviewers, cases, sources, evidence and history from JSON Lines, CSV or ClaimReview feeds (all or nothing).",
        discussion: Help.paragraphs("""
            JSON Lines: one record per line with "type" reviewer, case, source, evidence, assignment, \
            transition or assessment; records name each other by reference (cases, sources) and handle \
            (reviewers). CSV: cases with the header ref,claim,claimant,claimed_at,location,tags,priority,due,state \
            (tags separated by ;). Other tools' exports: --format atlos-csv (Atlos's bulk CSV export: one case \
            per incident, its sources linked, its status as a state, sensitive incidents restricted) and \
            --format check-csv (Meedan Check's media export: one case per item); what they have no field \
            for is kept in an evidence note. --format claimreview: other desks' published reviews (schema.org \
            ClaimReview JSON-LD, a DataFeed of them, or a Fact Check Tools claims:search response): each review \
            a case, its page a source linked as evidence, its rating a context note, or with --as-assessed a \
            verdict mapped by the rating map (--rating-map FILE overrides entries). Re-importing the same file \
            changes nothing. A file of `verity export` \
            begins with "archive" records, every row of the desk as it was: into an empty desk they are \
            restored as they are (same ids, history, hashes, links, proposals, settings, custody; needs \
            the desk owner), and the records after them must describe the same desk; into a desk in use \
            the records are merged and the archive rows only compared. Any invalid record aborts the \
            import and nothing is written: errors read FILE:LINE: field: problem. Exit 64 for invalid input, \
            65 when a workflow rule refused a record. The format is described in docs/import-export.md.
            Example: verity import seeds/izium-2022.jsonl --as editor
            Example: verity import factchecks.json --format claimreview --as-assessed --rating-map ratings.json --as editor
            """))

    @Argument(help: ArgumentHelp("The file to import, or - for standard input.", valueName: "file")) var file: String
    @Option(help: """
        jsonl, csv, atlos-csv, check-csv or claimreview. Default: from the file name (.csv is CSV, .json and .jsonld \
        ClaimReview), else jsonl.
        """)
    var format: ImportFormat?
    @Flag(name: .customLong("as-assessed"), help: "claimreview: assess each case with the verdict mapped from the review's rating.")
    var asAssessed = false
    @Option(
        name: .customLong("rating-map"),
        help: ArgumentHelp(
            "claimreview: a JSON object of rating → verdict over the default table, e.g. {\"Pinocchio\": \"false\"}.",
            valueName: "file"))
    var ratingMap: String?
    @Flag(name: .customLong("dry-run"), help: "Check everything and report what would change, then write nothing.")
    var dryRun = false
    @OptionGroup var actor: ActorOptions
    @OptionGroup var connection: ConnectionOptions

    /// The format: --format, else from the file name.
    var chosenFormat: ImportFormat {
        let name = file.lowercased()
        if let format { return format }
        if name.hasSuffix(".csv") { return .csv }
        return name.hasSuffix(".json") || name.hasSuffix(".jsonld") ? .claimreview : .jsonl
    }

    func validate() throws {
        if chosenFormat != .claimreview && (asAssessed || ratingMap != nil) {
            throw ValidationError("--as-assessed and --rating-map are for --format claimreview (ClaimReview feeds)")
        }
    }

    func run() throws {
        let console = Console.current
        let chosen = chosenFormat
        var claimReview = ClaimReviewFeed.Options()
        claimReview.asAssessed = asAssessed
        if let ratingMap {
            claimReview.ratingMap = try RatingMap.load(path: ratingMap)
            claimReview.ratingMapName = "the rating map \(URL(fileURLWithPath: ratingMap).lastPathComponent) over Verity's default"
        }
        let reader = try LineReader(path: file)
        let db = try Database.open(connection.location)
        let label = file == "-" ? "stdin" : file
        let showProgress = console.isTerminal
        var shown = false
        let summary: ImportSummary
        do {
            var importer = Importer(connection: db)
            importer.claimReview = claimReview
            summary = try importer.run(
                reader, format: chosen, actor: actor.actor, dryRun: dryRun,
                progress: showProgress ? { progress in
                    shown = true
                    console.writeErr("\r\u{1B}[K" + Self.describe(progress))
                } : nil)
            if shown { console.writeErr("\n") }
        } catch let failure as ImportFailure {
            if shown { console.writeErr("\n") }
            for issue in failure.issues { console.error(ControlCharacters.visible("\(label):\(issue)")) }
            if failure.truncated { console.error("\(label): stopped after \(failure.issues.count) problems") }
            console.error("error: the import was refused; nothing was written")
            throw VerityCLIExit(status: failure.isRuleViolation ? .ruleViolated : .usage)
        }
        // Per record type, then the archive's rows per table (restored, or compared with a desk in use).
        var rows = ImportSummary.kindOrder.map { kind -> [String] in
            let counts = summary.counts(kind)
            return [kind, String(counts.created), String(counts.updated), String(counts.unchanged)]
        }
        for counts in summary.counts where !ImportSummary.kindOrder.contains(counts.kind) {
            rows.append(["archive " + counts.kind, String(counts.created), String(counts.updated), String(counts.unchanged)])
        }
        console.print(TableOutput.render(header: ["type", "created", "updated", "unchanged"], rows: rows))
        if !summary.restoredLogins.isEmpty {
            console.error(
                "note: the restored reviewers keep their database logins (\(summary.restoredLogins.joined(separator: ", "))): "
                    + "a role of that name on this server acts as that reviewer; create the missing ones, and check who holds "
                    + "the existing ones, before anyone connects (docs/access.md)")
        }
        if summary.archiveRowsNotRestored > 0 {
            console.error(
                "note: \(summary.archiveRowsNotRestored) archive row(s) differ from this desk or are not in it and were not "
                    + "written: an archive is restored only into an empty desk (the file's other records were merged)")
        }
        let verb = summary.dryRun ? "Dry run: checked" : (summary.restoredArchive ? "Restored the archive of" : "Imported")
        let tail = summary.dryRun ? "; nothing was written" : (summary.changedNothing ? "; nothing changed" : "")
        console.print("\(verb) \(summary.records) \(summary.records == 1 ? "record" : "records") from \(label)\(tail).")
    }

    static func describe(_ progress: ImportProgress) -> String {
        let rate = progress.elapsed > 0 ? Int(Double(progress.records) / progress.elapsed) : 0
        var text = "\(progress.phase): \(progress.records) records, \(rate) records/s"
        if let total = progress.totalBytes, total > 0 {
            text += ", \(min(100, progress.bytesRead * 100 / total))%"
        }
        return text
    }
}

/// `verity generate`: a deterministic synthetic dataset in the import format.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a deterministic synthetic dataset in the import format, for tests and benchmarks.",
        discussion: Help.paragraphs("""
            Reviewers, cases in every state with histories over the year before 2025-06-30, sources, \
            evidence notes, assignments, and some overdue cases. The same --cases and --seed always give \
            the same bytes. Example: verity generate --cases 100000 --seed 7 --output cases.jsonl
            """))

    @Option(help: "How many cases.") var cases: Int
    @Option(help: "Seed of the pseudo-random sequence.") var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file")) var output: String?

    func validate() throws {
        if cases < 1 { throw ValidationError("--cases must be at least 1") }
    }

    func run() throws {
        let generator = DatasetGenerator(cases: cases, seed: seed)
        try withOutput(output) { try generator.write(to: $0) }
    }
}

/// Runs `body` with an output that goes to `path` (created or truncated) or to the console.
func withOutput(_ path: String?, _ body: (ChunkedOutput) throws -> Void) throws {
    guard let path else {
        let console = Console.current
        try body(ChunkedOutput { console.writeOut($0) })
        return
    }
    let file: POSIXFile
    do {
        file = try POSIXFile.open(writing: path)
    } catch {
        throw VerityError.usage("cannot write \(path): \(error.reason)", hint: "check that its directory exists and is writable")
    }
    defer { file.close() }
    try body(ChunkedOutput { try file.write($0) })
}
