import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VerityCore

/// `verity report status`: the desk at a glance, now or at a past instant.
struct ReportStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Cases by state, workload, verdicts, aging, overdue cases, weekly flow and recent activity.",
        discussion: Help.paragraphs("""
            Every figure is computed by the database. With --as-of, the desk is rebuilt from the
            append-only history as it stood at that instant (states, assignments, verdicts, due dates
            and tags), and "now" for aging and overdue becomes that instant.
            Examples:
              verity report status
              verity report status --format html --output status.html
              verity report status --as-of 2022-09-20T12:00:00+03:00 --format json
            """))

    @Option(help: "markdown (default), html, json or csv.") var format: ReportFormat = .markdown
    @OptionGroup var output: ReportOutputOptions
    @Option(
        name: .customLong("as-of"),
        help: ArgumentHelp("The desk as it stood at this instant: 2022-09-20, 2022-09-20T12:00:00+03:00 (UTC when no offset).", valueName: "timestamp"))
    var asOf: String?
    @Option(help: "Only cases assigned to this reviewer.") var reviewer: String?
    @Option(help: "Only cases with this tag.") var tag: String?
    @Option(help: ArgumentHelp("Start of the weekly flow and recent activity (default: the last 12 weeks).", valueName: "date"))
    var since: String?
    @OptionGroup var actor: ActorOptions
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        var request = StatusReportRequest(reviewer: reviewer, tag: tag)
        request.asOf = try asOf.map { try ReportInstant.parse($0, option: "--as-of") }
        request.since = try since.map { try ReportInstant.parse($0, option: "--since") }
        let desk = Desk(connection: try Database.open(connection.location))
        if let reviewer, try desk.reviewer(reviewer) == nil {
            throw VerityError.notFound(
                "no reviewer \"\(reviewer)\" (--reviewer)", hint: "list reviewers with `verity reviewer list`")
        }
        if let tag, try !desk.tagIsKnown(tag) {
            throw VerityError.notFound(
                "no case has or had the tag \"\(tag)\" (--tag)", hint: "tags are exact; see them with `verity case list`")
        }
        try OutputAccounting.check(desk, reviewer: actor.actor)
        let report = try desk.statusReport(request)
        let digest: OutputDigest
        switch format {
        case .markdown: digest = try output.deliver(report.markdown())
        case .html: digest = try output.deliver(report.html())
        case .json: digest = try output.deliver(JSONOutput.encode(report))
        case .csv: digest = try output.deliver(CSVOutput.render(header: StatusReport.csvHeader, rows: report.csvRows()))
        }
        try OutputAccounting.record(
            desk, reviewer: actor.actor, command: "report status",
            filters: .filters([("reviewer", reviewer), ("tag", tag), ("as_of", asOf), ("since", since)]),
            caseCount: report.total, digest: digest, path: output.path, format: format.rawValue)
    }
}
