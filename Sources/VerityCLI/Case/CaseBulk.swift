import ArgumentParser
import VerityCore

/// `--where-state/--where-tag/--where-reviewer` and `--dry-run`: `case assign`, `move` and
/// `update` work on every matching case instead of one id, in one transaction.
struct BulkOptions: ParsableArguments {
    @Option(name: .customLong("where-state"), help: "Bulk: every case in this state.") var state: CaseState?
    @Option(name: .customLong("where-tag"), help: ArgumentHelp("Bulk: every case with this tag.", valueName: "tag")) var tag: String?
    @Option(name: .customLong("where-reviewer"), help: ArgumentHelp("Bulk: every case assigned to this reviewer.", valueName: "handle"))
    var reviewer: String?
    @Flag(name: .customLong("dry-run"), help: "Bulk: list what would change and change nothing.") var dryRun = false

    var selection: BulkSelection { BulkSelection(state: state, tag: tag, reviewer: reviewer) }

    /// The one case named, or nil for a bulk change. Exactly one of an id or
    /// at least one filter must be given.
    func single(_ id: String?, command: String) throws -> String? {
        switch (id, selection.isEmpty) {
        case (let id?, true):
            if dryRun {
                throw VerityError.usage(
                    "--dry-run previews a bulk change; it needs --where-state, --where-tag or --where-reviewer instead of a case id")
            }
            return id
        case (let id?, false):
            throw VerityError.usage(
                "give a case id or --where-* filters, not both (got \(id) and \(selection.description))",
                hint: "`verity case \(command) \(id) ...` changes one case; `verity case \(command) \(selection.description) ...` changes every match")
        case (nil, true):
            throw VerityError.usage(
                "which case? give a case id or reference, or select cases with --where-state, --where-tag or --where-reviewer",
                hint: "e.g. `verity case \(command) IZY-001 ...` or `verity case \(command) --where-tag izium --dry-run ...`")
        case (nil, false):
            return nil
        }
    }
}

/// How a bulk change prints: the count, then one line per matching case.
enum BulkView {
    static func print(_ outcome: BulkOutcome, format: OutputFormat) {
        let console = Console.current
        let header = ["id", "ref", "before", "after", "change"]
        let rows = outcome.cases.map { c in
            [String(c.id), c.ref ?? "", c.before, c.after, c.changes ? (outcome.dryRun ? "would change" : "changed") : "unchanged"]
        }
        switch format {
        case .json: console.print(JSONOutput.encode(outcome))
        case .csv: console.print(CSVOutput.render(header: header, rows: rows))
        case .table:
            let matches = "\(outcome.matched) case\(outcome.matched == 1 ? "" : "s") match \(outcome.selection.description)"
            if outcome.dryRun {
                console.print("\(matches); dry run, nothing was changed. \(outcome.changed) would change:")
            } else {
                console.print("\(matches); \(outcome.action): \(outcome.changed) changed, \(outcome.matched - outcome.changed) already so.")
            }
            console.print(TableOutput.render(header: header, rows: rows))
        }
    }
}

extension CaseMove {
    func runBulk() throws {
        if to == .assessed {
            throw VerityError.usage(
                "cases are assessed one at a time, each with its own verdict and rationale",
                hint: "use `verity case assess ID --verdict V --confidence N --rationale TEXT`")
        }
        let outcome = try options.openDesk().bulkMove(
            selection.selection, to: to, reason: reason, dryRun: selection.dryRun, as: actor.actor)
        BulkView.print(outcome, format: options.format)
    }
}

extension CaseAssign {
    func runBulk() throws {
        let outcome = try options.openDesk().bulkAssign(
            selection.selection, reviewer: to, lead: lead, dryRun: selection.dryRun, as: actor.actor)
        BulkView.print(outcome, format: options.format)
    }
}

extension CaseUpdate {
    func runBulk() throws {
        let oneCaseOnly: [(Bool, String)] = [
            (claim != nil, "--claim"), (claimant != nil, "--claimant"), (claimantType != nil, "--claimant-type"), (claimedAt != nil, "--claimed-at"),
            (location != nil, "--location"), (due != nil, "--due"), (restrict, "--restrict"), (unrestrict, "--unrestrict"),
        ]
        if let (_, option) = oneCaseOnly.first(where: { $0.0 }) {
            throw VerityError.usage(
                "\(option) changes one case at a time; a bulk update (--where-*) changes only --priority, --tag and --untag")
        }
        let outcome = try options.openDesk().bulkUpdate(
            selection.selection, priority: priority, addTags: tags, removeTags: untags, dryRun: selection.dryRun,
            as: actor.actor)
        BulkView.print(outcome, format: options.format)
    }
}
