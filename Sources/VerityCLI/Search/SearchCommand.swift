import ArgumentParser
import Foundation
import VerityCore

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Full-text search over claims, claimants, source titles and evidence notes, best matches first.",
        discussion: """
            Web-search syntax: words match their English stems ("graves" finds "grave"), "quoted phrases"
            match in order, -word excludes, `or` offers alternatives.
            Example: verity search '"mass grave" izium -bucha'
            """)

    @Argument(help: "What to look for.") var text: String
    @Option(help: "At most this many hits.") var limit: Int = 20
    @OptionGroup var options: DeskOptions

    func run() throws {
        let hits = try options.openDesk().search(text, limit: limit)
        ModelViews.printList(
            hits, format: options.format, header: ["kind", "id", "case", "rank", "title", "match"],
            row: { [$0.kind, String($0.id), $0.caseID.map(String.init) ?? "", String(format: "%.3f", $0.rank), $0.title, $0.snippet] },
            empty: "No matches.")
    }
}
