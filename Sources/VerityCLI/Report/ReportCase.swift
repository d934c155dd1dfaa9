import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VerityCore

/// `verity report case ID|REF`: the dossier of one case.
struct ReportCase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case",
        abstract: "A case dossier: claim, timeline, sources with hashes, graded evidence, reviewers and verdict.",
        discussion: Help.paragraphs("""
            --format pdf prints the HTML dossier with headless Chromium (chromium on the PATH, or \
            VERITY_CHROMIUM): A4 pages with the case and page numbers on each, a footer with the SHA-256 of \
            the HTML dossier and the head of the case's history chain, and a signature block \
            (docs/reports.md). Example: verity report case IZY-001 --format html --output IZY-001.html
            """))

    @Argument(help: "Case id or reference.") var id: String
    @Option(help: "markdown (default), html, json or pdf.") var format: DossierFormat = .markdown
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
        case .pdf:
            try output.requirePath(for: "a PDF dossier")
            let chromium = try DossierPDF.locateChromium()
            let page = dossier.html()
            let printing = DossierPrint(
                dossierSHA256: SHA256Digest.hex(of: page), chainHead: try desk.caseChainHead(caseID: dossier.case.id))
            let pdf = try DossierPDF.render(html: dossier.html(printing: printing), chromium: chromium)
            digest = try output.deliver(bytes: pdf)
        }
        try OutputAccounting.record(
            desk, reviewer: actor.actor, command: "report case", filters: .filters([("case", id)]), caseCount: 1,
            digest: digest, path: output.path, format: format.rawValue)
    }
}
