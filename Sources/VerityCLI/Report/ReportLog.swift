import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient
import VerityCore

/// `verity report log`: who produced which report or export, when, and the SHA-256 of what they got.
struct ReportLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "List the reports and exports made: who, when, filters, case count and the SHA-256 of the output.",
        discussion: Help.paragraphs("""
            Every `report status`, `report case` and `export` (database and claimreview) appends a row
            after writing its output: the acting reviewer (--as or $VERITY_REVIEWER) or else the
            database user, the filters, how many cases it covered, and the SHA-256 of the exact bytes
            written. To check that a file in hand is the one a report produced:
              sha256sum status.html          # compare with the sha256 column
            Examples:
              verity report log
              verity report log --limit 5 --format json
            """))

    @Option(help: "At most this many entries, newest first.") var limit: Int = 50
    @OptionGroup var options: DeskOptions

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let entries = try options.openDesk().outputLog(limit: limit)
        let header = ["id", "at", "actor", "command", "filters", "cases", "output", "format", "sha256"]
        let row = { (e: OutputLogEntry) -> [String] in
            [String(e.id), ModelViews.time(e.at), e.actor, e.command, e.filters.summary, String(e.caseCount), e.output,
             e.format, e.sha256]
        }
        guard options.format == .table, !entries.isEmpty else {
            ModelViews.printList(entries, format: options.format, header: header, row: row, empty: "No reports or exports logged yet.")
            return
        }
        // Hashes are shown whole (64 characters): they are there to be compared with sha256sum.
        Console.current.print(TableOutput.render(header: header, rows: entries.map(row), maxWidth: 64))
    }
}

/// Records a report or export in the output log after its output is written.
/// Accountability must not make output unavailable: on a read-only server
/// (a hot standby) the output stands and a warning says it was not logged.
enum OutputAccounting {
    /// Refuses an unknown acting reviewer before anything is written, so the log never names someone who does not exist.
    static func check(_ desk: Desk, reviewer: String?) throws {
        // The database decides whom the log names (a login is always itself); ask before writing anything.
        try desk.requireOutputActor(reviewer)
        guard let reviewer else { return }
        guard try desk.reviewer(reviewer) != nil else {
            throw VerityError.notFound(
                "unknown reviewer \"\(reviewer)\" (--as or VERITY_REVIEWER); reports are logged under the acting reviewer",
                hint: "list reviewers with `verity reviewer list`, or leave out --as to log the database user")
        }
    }

    static func record(
        _ desk: Desk, reviewer: String?, command: String, filters: [String: JSONValue], caseCount: Int,
        digest: OutputDigest, path: String?, format: String
    ) throws {
        let record = OutputRecord(
            reviewer: reviewer, command: command, filters: filters, caseCount: caseCount, digest: digest,
            output: path ?? "stdout", format: format)
        do {
            try desk.logOutput(record)
        } catch let error as PostgresError where error.sqlState == .readOnlySQLTransaction {
            Console.current.writeErr(
                "warning: this \(command) was not recorded in the output log: the database is read-only "
                    + "(\(error.message)). Its SHA-256 is \(digest.hex); note it down if the output must be accountable.\n")
        }
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// Filters for the log: only those given.
    static func filters(_ pairs: [(String, String?)]) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for (key, value) in pairs { if let value { result[key] = .string(value) } }
        return result
    }
}
