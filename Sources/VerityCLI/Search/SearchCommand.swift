import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VerityCore

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Full-text search over claims, claimants, source titles and evidence notes, best matches first.",
        discussion: Help.paragraphs("""
            Web-search syntax: words match their English stems ("graves" finds "grave"), "quoted phrases"
            match in order, -word excludes, `or` offers alternatives.
            Matched words are marked ⟦like this⟧ in the table; --format json gives the plain snippet and the \
            matches' character offsets.
            Example: verity search '"mass grave" izium -bucha'
            """))

    @Argument(help: "What to look for.") var text: String
    @Option(help: "At most this many hits.") var limit: Int = 20
    @OptionGroup var options: DeskOptions

    func run() throws {
        let hits = try options.openDesk().search(text, limit: limit)
        ModelViews.printList(
            hits, format: options.format, header: ["kind", "ref", "title", "rank", "match"],
            row: { hit in
                // A case or note hit is named by its case's reference, a source hit by the source's; the id where there is none.
                let name = hit.ref ?? (hit.kind == "source" ? "source \(hit.id)" : "case \(hit.caseID ?? hit.id)")
                return [hit.kind, name, hit.title, NumberText.fixed(hit.rank, places: 3), options.format == .table ? hit.highlighted : hit.snippet]
            },
            empty: "No matches.")
    }
}
