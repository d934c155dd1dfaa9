import ArgumentParser
import VerityCore

/// `verity report case ID|REF`: the dossier of one case.
struct ReportCase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case",
        abstract: "A case dossier: claim, timeline, sources with hashes, graded evidence, reviewers and verdict.",
        discussion: "Example: verity report case IZY-001 --format html --output IZY-001.html")

    @Argument(help: "Case id or reference.") var id: String
    @Option(help: "markdown (default), html or json.") var format: DossierFormat = .markdown
    @OptionGroup var output: ReportOutputOptions
    @OptionGroup var actor: ActorOptions
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let desk = Desk(connection: try Database.open(connection.location))
        try OutputAccounting.check(desk, reviewer: actor.actor)
        let dossier = try desk.caseDossier(CaseKey(id))
        let digest: OutputDigest
        switch format {
        case .markdown: digest = try output.deliver(dossier.markdown())
        case .html: digest = try output.deliver(dossier.html())
        case .json: digest = try output.deliver(JSONOutput.encode(dossier))
        }
        try OutputAccounting.record(
            desk, reviewer: actor.actor, command: "report case", filters: .filters([("case", id)]), caseCount: 1,
            digest: digest, path: output.path, format: format.rawValue)
    }
}
