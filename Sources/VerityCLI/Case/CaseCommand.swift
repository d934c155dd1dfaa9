import ArgumentParser
import PostgresClient
import VerityCore

/// `verity case ...`: allegations and their workflow.
struct CaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case",
        abstract: "Open, list, show, update and work cases through claimed → disputed → evidence-pending → assessed.",
        discussion: Help.paragraphs("""
            Allowed moves: claimed → disputed (needs --reason), claimed → evidence-pending,
            disputed → evidence-pending, evidence-pending → disputed (needs --reason),
            evidence-pending → assessed (`case assess`: verdict, confidence, rationale, at least one
            evidence note, by an assigned reviewer or an editor), assessed → evidence-pending
            (`case reopen`, needs --reason). Cases are named by id (12) or reference (IZY-001).
            """),
        subcommands: [
            CaseOpen.self, CaseList.self, CaseShow.self, CaseUpdate.self, CaseDispute.self, CaseMove.self,
            CaseAssess.self, CaseReopen.self, CaseAssign.self, CaseUnassign.self, CaseHistory.self,
            CaseSignOff.self, CaseLinkCommand.self, CaseUnlinkCommand.self,
        ])
}

struct CaseOpen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open", abstract: "Open a case for an allegation.",
        discussion: Help.paragraphs("""
            Example: verity case open "As of today, there are 450 dead people" --claimant "Volodymyr Zelensky" \\
                       --claimed-at 2022-09-16 --location "Izium, Kharkiv region" --tag izium --ref IZY-001 --as editor
            """))

    @Argument(help: "The claim, as stated.") var claim: String
    @Option(help: "Who made the claim.") var claimant: String
    @Option(
        name: .customLong("claimant-type"),
        help: "Person or Organization: the claimant's type in ClaimReview (without it, the export guesses from the name).")
    var claimantType: ClaimantType?
    @Option(name: .customLong("claimed-at"), help: "When the claim was made (YYYY-MM-DD).") var claimedAt: CalendarDate?
    @Option(help: "Where the claim is about.") var location: String?
    @Option(name: .customLong("tag"), help: "A tag; repeat for several.") var tags: [String] = []
    @Option(help: "low, normal, high or urgent.") var priority: Priority = .normal
    @Option(help: "Due date (YYYY-MM-DD).") var due: CalendarDate?
    @Option(help: "External reference, unique, e.g. IZY-001.") var ref: String?
    @Flag(help: """
        Graphic or personal material: only assigned reviewers, editors and admins see the case, \
        when they connect with their own login. A connection as the desk owner (the embedded \
        default) sees every case whatever --as says: set up logins with `verity db roles` and \
        `verity reviewer add --login`.
        """)
    var restricted = false
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func run() throws {
        var draft = CaseDraft(
            claim: claim, claimant: claimant, claimedAt: claimedAt, location: location, tags: tags, priority: priority,
            due: due, ref: ref)
        draft.restricted = restricted
        draft.claimantType = claimantType
        let desk = try options.openDesk()
        let opened = try desk.openCase(draft, as: actor.actor)
        ModelViews.printCase(opened, format: options.format, sentence: "Opened case \(opened.label).")
        if restricted { try RestrictionWarning.warnIfOwner(desk) }
    }
}

/// What `case list --state` takes: a state, or `open` for every state but assessed.
enum CaseStateFilter: ExpressibleByArgument, Sendable {
    case state(CaseState)
    case open

    init?(argument: String) {
        if argument == "open" {
            self = .open
        } else if let state = CaseState(rawValue: argument) {
            self = .state(state)
        } else {
            return nil
        }
    }

    static var allValueStrings: [String] { CaseState.allCases.map(\.rawValue) + ["open"] }
}

struct CaseList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List cases, oldest first.",
        discussion: Help.paragraphs("""
            An editor's queue: `verity case list --awaiting-sign-off` lists the verdicts waiting for a second \
            reviewer; `--mine` the cases assigned to you (--as or $VERITY_REVIEWER, or your login's reviewer); \
            `--state open` every case not yet assessed; `--overdue` those past their due date. Filters combine.
            """))

    @Option(help: "Only cases in this state; open means every state but assessed.") var state: CaseStateFilter?
    @Option(help: "Only cases assigned to this reviewer.") var reviewer: String?
    @Option(help: "Only cases with this tag.") var tag: String?
    @Flag(help: "Only cases past their due date and not assessed.") var overdue = false
    @Flag(help: "Only cases with no reviewer.") var unassigned = false
    @Flag(help: "Only cases whose verdict proposal awaits a second reviewer's sign-off (four-eyes).") var awaitingSignOff = false
    @Flag(help: "Only cases assigned to the acting reviewer (--as, $VERITY_REVIEWER, or your login's reviewer).") var mine = false
    @OptionGroup var actor: ActorOptions
    @Option(help: "At most this many cases.") var limit: Int?
    @OptionGroup var options: DeskOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        var filter = CaseFilter()
        switch state {
        case .state(let one): filter.state = one
        case .open: filter.openOnly = true
        case nil: break
        }
        filter.awaitingSignOffOnly = awaitingSignOff
        filter.mineOnly = mine
        filter.mineHandle = actor.actor
        filter.reviewer = reviewer
        filter.tag = tag
        filter.overdueOnly = overdue
        filter.unassignedOnly = unassigned
        filter.limit = limit
        try Self.list(filter, format: options.format, location: options.connection.location)
    }

    /// The command's work, for `run` and for FastPath.
    static func list(_ filter: CaseFilter, format: OutputFormat, location: DatabaseLocation) throws {
        // The read goes in the connection's first round trip, with the migration check.
        guard let query = Desk.casesQuery(filter) else {
            return ModelViews.printCases(try Desk(connection: Database.open(location)).cases(filter), format: format)
        }
        let (connection, answers) = try Database.open(location, asking: [query])
        ModelViews.printCases(try Desk(connection: connection).cases(filter, answer: answers?.first), format: format)
    }
}

struct CaseShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a case with its sources, evidence, reviewers and latest history.")

    @Argument(help: "Case id or reference.") var id: String
    @OptionGroup var options: DeskOptions

    func run() throws {
        try Self.show(id, format: options.format, location: options.connection.location)
    }

    /// The command's work, for `run` and for FastPath.
    static func show(_ id: String, format: OutputFormat, location: DatabaseLocation) throws {
        // A case named by number is read in the connection's first round trip, with the migration check.
        let key = CaseKey(id)
        let (connection, answers) = try Database.open(location, asking: Desk.showQueries(key) ?? [])
        let detail = try Desk(connection: connection).showCase(key, answers: answers)
        let console = Console.current
        switch format {
        case .json: console.print(JSONOutput.encode(detail))
        case .csv: console.print(CSVOutput.render(header: ModelViews.caseCSVHeader, rows: [ModelViews.caseCSVRow(detail.summary)]))
        case .table:
            ModelViews.printCaseFields(detail.summary)
            let next = detail.allowedNextStates.map(\.rawValue).joined(separator: ", ")
            // A duplicate moves from its own state, not from the canonical state shown above.
            let from = detail.summary.ownState.map { "from its own state, \($0.rawValue): " } ?? ""
            console.print("next       " + from + (next.isEmpty ? "none" : next))
            CaseLinkViews.printExtras(detail)
            console.print("\nSources (\(detail.sources.count))")
            if !detail.sources.isEmpty {
                console.print(TableOutput.render(
                    header: ModelViews.sourceHeader + ["role"],
                    rows: detail.sources.map { ModelViews.sourceRow($0) + [ModelViews.role($0)] }))
            }
            console.print("\nEvidence (\(detail.evidence.count))")
            if !detail.evidence.isEmpty {
                console.print(TableOutput.render(header: ModelViews.evidenceHeader, rows: detail.evidence.map(ModelViews.evidenceRow)))
            }
            let latest = detail.history.suffix(10)
            console.print("\nHistory (latest \(latest.count) of \(detail.history.count); all with `verity case history \(detail.summary.id)`)")
            console.print(TableOutput.render(header: ModelViews.historyHeader, rows: latest.map(ModelViews.historyRow)))
        }
    }
}

struct CaseUpdate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Change a case's claim, claimant, priority, due date, tags or restriction.",
        discussion: Help.paragraphs("""
            --restrict hides the case (graphic or personal material) from everyone but
            its assigned reviewers, editors and admins; --unrestrict lifts that. Both
            need --reason and are recorded in the history. So does a change of what was
            claimed (--claim, --claimant, --claimed-at): the verdict is about it.
            Example: verity case update IZY-001 --restrict --reason "identifiable victims"
            Example: verity case update IZY-001 --claim "As of today, 440 bodies" --reason "mistranscribed"

            Bulk: select cases with --where-state, --where-tag or --where-reviewer instead
            of an id; --dry-run lists what would change.
            Example: verity case update --where-tag izium --priority high --tag mass-graves --dry-run
            """))

    @Argument(help: "Case id or reference (or select cases with --where-*).") var id: String?
    @OptionGroup var selection: BulkOptions
    @Option(help: "New wording of the claim.") var claim: String?
    @Option(help: "New claimant.") var claimant: String?
    @Option(name: .customLong("claimant-type"), help: "Person or Organization (ClaimReview's type of the claimant).")
    var claimantType: ClaimantType?
    @Option(name: .customLong("claimed-at"), help: "New date of the claim (YYYY-MM-DD).") var claimedAt: CalendarDate?
    @Option(help: "New location.") var location: String?
    @Option(help: "New priority.") var priority: Priority?
    @Option(help: "New due date (YYYY-MM-DD).") var due: CalendarDate?
    @Option(name: .customLong("tag"), help: "Add a tag; repeat for several.") var tags: [String] = []
    @Option(name: .customLong("untag"), help: "Remove a tag; repeat for several.") var untags: [String] = []
    @Flag(help: "Restrict the case to its assigned reviewers, editors and admins (connected with their own logins; see case open --help).")
    var restrict = false
    @Flag(help: "Lift the case's restriction.") var unrestrict = false
    @Option(help: "Why the claim or the restriction changes (required with --claim, --claimant, --claimed-at, --restrict or --unrestrict).") var reason: String?
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func run() throws {
        guard let id = try selection.single(id, command: "update") else { return try runBulk() }
        var changes = CaseChanges()
        changes.claim = claim
        changes.claimant = claimant
        changes.claimantType = claimantType
        changes.claimedAt = claimedAt
        changes.location = location
        changes.priority = priority
        changes.due = due
        changes.addTags = tags
        changes.removeTags = untags
        if restrict && unrestrict { throw ValidationError("give --restrict or --unrestrict, not both") }
        if restrict || unrestrict { changes.restricted = restrict }
        let desk = try options.openDesk()
        let updated = try desk.updateCase(CaseKey(id), changes, reason: reason, as: actor.actor)
        ModelViews.printCase(updated, format: options.format, sentence: "Updated case \(updated.label).")
        if restrict { try RestrictionWarning.warnIfOwner(desk) }
    }
}

struct CaseDispute: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispute", abstract: "Mark a case disputed: the claim is contested.",
        discussion: "Example: verity case dispute IZY-001 --reason \"Kremlin spokesman: 'It's a lie'\" --source 1")

    @Argument(help: "Case id or reference.") var id: String
    @Option(help: "Why the claim is contested (required).") var reason: String
    @Option(help: "The source of the counter-claim, by id or reference; linked to the case.") var source: String?
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func run() throws {
        let desk = try options.openDesk()
        let current = try desk.findCase(CaseKey(id))
        let moved = try desk.move(
            current, to: .disputed, reason: reason, citing: try source.map(desk.sourceID(named:)), as: actor.actor)
        ModelViews.printCase(
            moved, format: options.format, sentence: "Case \(moved.label) is now disputed." + withdrawnSentence(desk, of: moved))
    }
}

struct CaseMove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move", abstract: "Move a case to another state.",
        discussion: Help.paragraphs("""
            Example: verity case move IZY-001 --to evidence-pending
            Bulk (all or nothing): verity case move --where-state claimed --where-tag izium --to evidence-pending --dry-run
            """))

    @Argument(help: "Case id or reference (or select cases with --where-*).") var id: String?
    @OptionGroup var selection: BulkOptions
    @Option(help: "The new state.") var to: CaseState
    @Option(help: "Why (required to dispute or reopen).") var reason: String?
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func run() throws {
        guard let id = try selection.single(id, command: "move") else { return try runBulk() }
        try Self.moveOne(id, to: to, reason: reason, as: actor.actor, format: options.format, location: options.connection.location)
    }

    /// One case's move, for `run` and for FastPath.
    static func moveOne(
        _ id: String, to: CaseState, reason: String?, as actor: String?, format: OutputFormat, location: DatabaseLocation
    ) throws {
        if to == .assessed {
            throw VerityError.usage(
                "moving to assessed needs a verdict", hint: "use `verity case assess \(id) --verdict V --confidence N --rationale TEXT`")
        }
        // The case is read in the connection's first round trip, with the migration check.
        let key = CaseKey(id)
        let (connection, answers) = try Database.open(location, asking: [Desk.findQuery(key)])
        let desk = Desk(connection: connection)
        let current = try desk.findCase(key, answer: answers?.first)
        let moved = try desk.move(current, to: to, reason: reason, as: actor)
        ModelViews.printCase(
            moved, format: format,
            sentence: "Case \(moved.label) is now \(moved.state.rawValue)." + withdrawnSentence(desk, of: moved))
    }
}

struct CaseAssess: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assess", abstract: "Conclude a case with a verdict (from evidence-pending).",
        discussion: Help.paragraphs("""
            Needs at least one evidence note, and an assessor who is assigned to the case or is an editor.
            Confidence: 1 confirmed ... 6 cannot be judged (Admiralty scale).
            With four-eyes on (`verity config show`), this proposes the verdict instead: the case stays
            evidence-pending, awaiting sign-off by another reviewer (`verity case sign-off`).
            """))

    @Argument(help: "Case id or reference.") var id: String
    @Option(help: "The verdict.") var verdict: Verdict
    @Option(help: "Confidence, 1 (confirmed) to 6 (cannot be judged).") var confidence: Int
    @Option(help: "Why: what the assessment rests on.") var rationale: String
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func run() throws {
        let desk = try options.openDesk()
        let current = try desk.findCase(CaseKey(id))
        let outcome = try desk.assess(
            current, Assessment(verdict: verdict, confidence: confidence, rationale: rationale), as: actor.actor)
        switch outcome {
        case .assessed(let assessed):
            ModelViews.printCase(
                assessed, format: options.format,
                sentence: "Case \(assessed.label) is assessed: \(verdict.rawValue)." + withdrawnSentence(desk, of: assessed))
        case .proposed(_, let pending):
            ModelViews.printCase(
                pending, format: options.format,
                sentence: "Proposed \(verdict.rawValue) for case \(pending.label), awaiting sign-off by another reviewer "
                    + "(four-eyes): `verity case sign-off \(pending.id)`.")
        }
    }
}

struct CaseReopen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen", abstract: "Reopen an assessed case (back to evidence-pending).")

    @Argument(help: "Case id or reference.") var id: String
    @Option(help: "Why the assessment is reopened (required).") var reason: String
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func run() throws {
        let desk = try options.openDesk()
        let key = CaseKey(id)
        let current = try desk.findCase(key)
        guard current.state == .assessed else {
            throw VerityError.ruleViolated(
                "case \(current.label) is \(current.state.rawValue), not assessed; only assessed cases are reopened")
        }
        let reopened = try desk.move(current, to: .evidencePending, reason: reason, as: actor.actor)
        ModelViews.printCase(reopened, format: options.format, sentence: "Case \(reopened.label) is reopened.")
    }
}

struct CaseAssign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign", abstract: "Assign a reviewer to a case.",
        discussion: "Bulk: verity case assign --where-tag izium --where-state claimed --to analyst --dry-run")

    @Argument(help: "Case id or reference (or select cases with --where-*).") var id: String?
    @OptionGroup var selection: BulkOptions
    @Option(help: "The reviewer's handle.") var to: String
    @Flag(help: "Make them the case's lead (replacing any other lead).") var lead = false
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func run() throws {
        guard let id = try selection.single(id, command: "assign") else { return try runBulk() }
        let updated = try options.openDesk().assign(CaseKey(id), reviewer: to, lead: lead, as: actor.actor)
        ModelViews.printCase(
            updated, format: options.format, sentence: "Assigned \(to)\(lead ? " as lead" : "") to case \(updated.label).")
    }
}

struct CaseUnassign: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unassign", abstract: "Remove a reviewer from a case.")

    @Argument(help: "Case id or reference.") var id: String
    @Option(help: "The reviewer's handle.") var from: String
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func run() throws {
        let updated = try options.openDesk().unassign(CaseKey(id), reviewer: from, as: actor.actor)
        ModelViews.printCase(updated, format: options.format, sentence: "Removed \(from) from case \(updated.label).")
    }
}

struct CaseHistory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "The append-only history of a case: who did what, when and why.")

    @Argument(help: "Case id or reference.") var id: String
    @OptionGroup var options: DeskOptions

    func run() throws {
        ModelViews.printHistory(try options.openDesk().history(CaseKey(id)), format: options.format)
    }
}

/// What `case open --restricted` and `case update --restrict` say on a connection as
/// the desk owner: there, restriction hides nothing from whoever runs commands, whatever
/// `--as` or `VERITY_REVIEWER` names, so the user must not believe the case is hidden.
enum RestrictionWarning {
    static let setUp = "`verity db roles`, then `verity reviewer add HANDLE --name NAME --login --password-file FILE`"

    static func warnIfOwner(_ desk: Desk) throws {
        guard case .owner(let logins) = try desk.restrictionReach() else { return }
        Console.current.error(
            logins
                ? "warning: connected as the desk owner, who sees every case whatever --as or VERITY_REVIEWER says: "
                    + "the restriction hides this case only from reviewers who connect with their own login (\(setUp))"
                : "warning: the restriction hides nothing until reviewers have logins: every command connects as the "
                    + "desk owner, who sees every case whatever --as or VERITY_REVIEWER says; set up logins with \(setUp)")
    }
}
