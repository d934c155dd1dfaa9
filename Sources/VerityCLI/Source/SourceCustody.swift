import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VerityCore

extension CustodyEventKind: ExpressibleByArgument {}
extension CopyKind: ExpressibleByArgument {}

/// How `source add --file` was collected: the first event of the file's chain of custody.
struct CollectionOptions: ParsableArguments {
    @Option(
        name: .customLong("collected-at"),
        help: ArgumentHelp("When the file was collected: 2022-09-19T14:05:00Z (UTC when no offset). Default: now.", valueName: "timestamp"))
    var collectedAt: String?
    @Option(help: ArgumentHelp("The tool that captured the file, e.g. \"Hunchly 2.3\".", valueName: "name")) var tool: String?
    @Option(help: "Whether --file is the evidentiary copy (kept unaltered) or a working copy.") var copy: CopyKind?

    /// The collection to record; refuses collection options without a file.
    func collection(file: String?) throws -> FileCollection {
        if file == nil, collectedAt != nil || tool != nil || copy != nil {
            throw VerityError.usage(
                "--collected-at, --tool and --copy describe a collected file, but no --file was given",
                hint: "add --file PATH (the file is hashed, not stored)")
        }
        return FileCollection(
            at: try collectedAt.map { try ReportInstant.parse($0, option: "--collected-at") }, tool: tool,
            copy: copy ?? .evidentiary)
    }
}

/// `verity source custody ID`: a source file's chain of custody, or a new event in it.
struct SourceCustody: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "custody",
        abstract: "Show a source file's chain of custody, or append a copied or handed-over event.",
        discussion: Help.paragraphs("""
            The chain starts with `collected` (recorded by `source add --file`), then every copy,
            hand-over and verification, each with who recorded it and when (UTC). Events are
            append-only: a mistake is corrected by a new event with a --note, never by editing.
            Each event is hash-chained to the one before; listing recomputes the chain and exits
            65 if an event was changed or removed behind Verity's back.
            Examples:
              verity source custody 3
              verity source custody 3 --event copied --file /cases/izium/rt-article.working.html --copy working \\
                  --tool rsync --note "working copy for translation"
              verity source custody 3 --event handed-over --to icc-liaison --note "encrypted USB, sealed bag 118"
              verity source custody 3 --event corrected --file /cases/izium/rt-article.html --note "hashed the wrong file"
            After a verification that said MISMATCH, a hand-over is refused unless --despite-mismatch
            says why (the database keeps this rule and the reason).
            A copy given with --file is hashed and must equal the collected file bit for bit. The collected
            file's hash never changes otherwise: a correction (--event corrected, the correct --file and a
            --note saying why) is an event of the chain too.
            """))

    @Argument(help: "Source id or reference.") var source: String
    @Option(help: "Append this event: copied, handed-over or corrected (collected and verified are recorded by `source add` and `source verify`).")
    var event: CustodyEventKind?
    @Option(help: ArgumentHelp("Who receives the material (handed-over): a reviewer handle or an outside holder.", valueName: "holder"))
    var to: String?
    @Option(help: ArgumentHelp("The copy made (copied): hashed and compared with the collected file.", valueName: "path"))
    var file: String?
    @Option(help: "What the copy is (copied).") var copy: CopyKind?
    @Option(help: ArgumentHelp("The tool used, e.g. rsync or FTK Imager.", valueName: "name")) var tool: String?
    @Option(help: "Anything the next holder should know.") var note: String?
    @Option(
        name: .customLong("despite-mismatch"),
        help: ArgumentHelp(
            "Hand over a file whose last verification was a MISMATCH, saying why (kept in the event's note).",
            valueName: "reason"))
    var despiteMismatch: String?
    @Option(help: ArgumentHelp("When it happened, if earlier than now: 2022-09-20T09:00:00Z.", valueName: "timestamp"))
    var at: String?
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func run() throws {
        let desk = try options.openDesk()
        let sourceID = try desk.sourceID(named: source)
        guard let event else {
            if to != nil || file != nil || copy != nil || tool != nil || note != nil || at != nil || despiteMismatch != nil {
                throw VerityError.usage(
                    "--to, --file, --copy, --tool, --note and --at describe a new event, but no --event was given",
                    hint: "add --event copied or --event handed-over, or leave them out to list the chain")
            }
            let events = try desk.custody(ofSource: sourceID)
            SourceCustodyView.print(events, format: options.format)
            // The chain is recomputed on every listing: a changed or missing event is reported, not shown as fine.
            let chain = try desk.checkCustodyChain(ofSource: sourceID)
            guard chain.intact else {
                throw VerityError.ruleViolated(
                    "the chain of custody of source \(sourceID) is broken: \(chain.problem ?? "event \(chain.brokenAt ?? 0)")",
                    hint: "custody events are append-only; someone with direct database access changed this one. Keep the export and report it")
            }
            if options.format == .table, let head = chain.head {
                Console.current.print("chain intact: \(chain.events) event\(chain.events == 1 ? "" : "s"), head \(head)")
            }
            return
        }
        let recorded = try desk.recordCustody(
            source: sourceID, event: event, to: to, filePath: file, copy: copy, tool: tool, note: note,
            at: try at.map { try ReportInstant.parse($0, option: "--at") }, despiteMismatch: despiteMismatch,
            as: actor.actor)
        if let text = recorded.note, text.hasPrefix("handed over despite the mismatch") {
            Console.current.error(
                "warning: source \(sourceID)'s file failed its last verification (MISMATCH): it was handed over anyway, "
                    + "with the reason kept in the chain of custody; the recipient should verify their copy before relying on it")
        }
        switch options.format {
        case .json: Console.current.print(JSONOutput.encode(recorded))
        case .csv, .table: SourceCustodyView.print([recorded], format: options.format)
        }
    }
}

/// How custody events print: one place.
enum SourceCustodyView {
    static let header = ["id", "at (UTC)", "event", "by", "copy", "sha256", "tool", "from", "to", "outcome", "note"]

    static func row(_ e: CustodyEvent) -> [String] {
        [String(e.id), ModelViews.time(e.at), e.event.rawValue, e.actor ?? "", e.copyKind?.rawValue ?? "",
         e.sha256 ?? "", e.tool ?? "", e.fromHolder ?? "", e.toHolder ?? "", e.outcome ?? "", e.note ?? ""]
    }

    static func print(_ events: [CustodyEvent], format: OutputFormat) {
        guard format == .table, !events.isEmpty else {
            ModelViews.printList(
                events, format: format, header: header, row: row,
                empty: "No custody events: the source has no collected file.")
            return
        }
        // Hashes are shown whole (64 characters) when the width allows, and always with --wide: they are there to be compared.
        Console.current.print(TableOutput.render(header: header, rows: events.map(row), maxWidth: 64))
    }
}
