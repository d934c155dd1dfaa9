import ArgumentParser
import VerityCore

extension CaseLinkKind: ExpressibleByArgument {}

/// The kind of link (`--kind`) and who acts (`--as HANDLE` or $VERITY_REVIEWER), as in every
/// other command. The spelling of earlier releases, `--as KIND --by HANDLE`, is still read, with a
/// deprecation line: a value of `--as` that is a kind of link, with no `--kind`, is the kind.
struct LinkOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The kind of link: duplicate-of, related, contradicts or supersedes.", valueName: "kind"))
    var kind: CaseLinkKind?
    @OptionGroup var actor: ActorOptions
    @Option(name: .customLong("by"), help: .hidden) var deprecatedBy: String?

    /// The kind and the acting reviewer's handle (nil when none is given anywhere).
    func resolve() throws -> (kind: CaseLinkKind, actor: String?) {
        var kind = self.kind
        var handle = actor.handle
        if kind == nil, let given = handle, let old = CaseLinkKind(rawValue: given) {
            Console.current.error(
                "verity: `--as \(given)` naming the kind of link is deprecated; write `--kind \(given)` (--as names the acting reviewer, as everywhere)")
            kind = old
            handle = nil
        }
        if let by = deprecatedBy {
            Console.current.error("verity: `--by \(by)` is deprecated; write `--as \(by)`")
            handle = handle ?? by
        }
        guard let kind else {
            throw ValidationError("Missing expected argument '--kind <kind>' (duplicate-of, related, contradicts or supersedes)")
        }
        let environment = ProcessEnvironment.current["VERITY_REVIEWER"].flatMap { $0.isEmpty ? nil : $0 }
        return (kind, handle ?? environment)
    }
}

struct CaseLinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link", abstract: "Link a case to another: duplicate-of, related, contradicts or supersedes.",
        discussion: Help.paragraphs("""
            Read it as "ID <kind> OTHER". A case marked duplicate-of another follows it: `case show` and `case \
            list` show the other (canonical) case's state and verdict, and reports count the pair once. A case \
            is a duplicate of at most one case; linking a case to itself, or duplicates in a cycle \
            (7 duplicate-of 12 when 12 is already a duplicate of 7), is refused. Both cases' histories record the link.

            Example: verity case link IZY-014 --to IZY-001 --kind duplicate-of --reason "same video, reposted" --as editor
            """))

    @Argument(help: "Case id or reference.") var id: String
    @Option(help: "The other case (id or reference).") var to: String
    @Option(help: "Why the cases are linked (required).") var reason: String
    @OptionGroup var link: LinkOptions
    @OptionGroup var options: DeskOptions

    func run() throws {
        let (kind, actor) = try self.link.resolve()
        let link = try options.openDesk().link(CaseKey(id), to: CaseKey(to), as: kind, reason: reason, by: actor)
        switch options.format {
        case .json: Console.current.print(JSONOutput.encode(link))
        default: Console.current.print("Linked: case \(id) is \(link.sentence).")
        }
    }
}

struct CaseUnlinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlink", abstract: "Remove a link between two cases (the record keeps it, marked unlinked).",
        discussion: Help.paragraphs("""
            Names the link as it was made: ID, --to OTHER and --kind KIND. Both cases' histories record who \
            unlinked it and why; a duplicate shows its own state and verdict again.

            Example: verity case unlink IZY-014 --to IZY-001 --kind duplicate-of --reason "different village" --as editor
            """))

    @Argument(help: "Case id or reference.") var id: String
    @Option(help: "The other case (id or reference).") var to: String
    @Option(help: "Why the link is removed (required).") var reason: String
    @OptionGroup var link: LinkOptions
    @OptionGroup var options: DeskOptions

    func run() throws {
        let (kind, actor) = try self.link.resolve()
        let link = try options.openDesk().unlink(CaseKey(id), from: CaseKey(to), as: kind, reason: reason, by: actor)
        switch options.format {
        case .json: Console.current.print(JSONOutput.encode(link))
        default: Console.current.print("Unlinked: case \(id) is no longer \(link.sentence).")
        }
    }
}

/// The parts of `case show` this feature adds: links, four-eyes and the grade roll-up.
enum CaseLinkViews {
    static func printExtras(_ detail: CaseDetail) {
        let console = Console.current
        let c = detail.summary
        if let canonical = c.canonicalCaseID {
            console.print("duplicate  of case \(canonical), which is \(c.state.rawValue): state and verdict shown are case \(canonical)'s"
                + (c.ownState.map { " (its own state: \($0.rawValue))" } ?? ""))
        }
        if c.awaitingSignOff, let pending = detail.proposals.last(where: { $0.state == .pending }) {
            console.print("sign-off   awaiting: \(pending.verdict.rawValue), confidence \(pending.confidence)/6, proposed by "
                + "\(pending.proposedBy) at \(ModelViews.time(pending.proposedAt)); `verity case sign-off \(c.id)` by another reviewer")
        }
        console.print("grades     " + detail.grades.summary)
        if !detail.links.isEmpty {
            console.print("\nLinks (\(detail.links.count))")
            console.print(TableOutput.render(
                header: ["link", "case", "kind", "reason", "by", "at"],
                rows: detail.links.map {
                    [$0.sentence, String($0.caseID), $0.kind.rawValue, $0.reason, $0.linkedBy ?? "", ModelViews.time($0.linkedAt)]
                }))
        }
    }
}
