import ArgumentParser
import VerityCore

/// `verity report case ID|REF`: the dossier of one case.
struct ReportCase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case",
        abstract: "A case dossier: claim, timeline, sources with hashes, graded evidence, reviewers and verdict.",
        discussion: "Example: verity report case IZY-001 --format html --output IZY-001.html")

    @Argument(help: "Case id or reference.") var id: String
    @Option(help: "markdown (default), html or json.") var format: ReportFormat = .markdown
    @OptionGroup var output: ReportOutputOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if format == .csv { throw ValidationError("a dossier is markdown, html or json; csv is for `report status`") }
    }

    func run() throws {
        let desk = Desk(connection: try Database.open(connection.location))
        let dossier = try desk.caseDossier(CaseKey(id))
        switch format {
        case .markdown: try output.deliver(dossier.markdown())
        case .html: try output.deliver(dossier.html())
        case .json, .csv: try output.deliver(JSONOutput.encode(dossier))
        }
    }
}
