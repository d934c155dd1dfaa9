import ArgumentParser
import VerityCore

/// `verity evidence ...`: what sources show about a claim.
struct EvidenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "Add, list and retract evidence notes. Notes are never edited; a retracted note stays in the record.",
        subcommands: [EvidenceAdd.self, EvidenceList.self, EvidenceRetract.self])
}

struct EvidenceAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add an evidence note to a case.",
        discussion: Help.paragraphs("""
            Credibility (Admiralty): 1 confirmed by other sources, 2 probably true, 3 possibly true,
            4 doubtful, 5 improbable, 6 cannot be judged.
            Example: verity evidence add IZY-001 --stance supports --credibility 2 --source 1 \\
                       --note "AFP photograph (18 Sep 2022) shows forensic technicians at a mass grave near Izyum"
            """))

    @Argument(help: "Case id or reference.") var caseID: String
    @Option(help: "Whether the note supports or refutes the claim, or gives context.") var stance: Stance
    @Option(help: "Credibility 1-6.") var credibility: Int
    @Option(help: "What the source shows.") var note: String
    @Option(help: "The source the note cites, by id or reference (linked to the case if it is not yet).") var source: String?
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func run() throws {
        let desk = try options.openDesk()
        let added = try desk.addEvidence(
            to: CaseKey(caseID), stance: stance, credibility: credibility, note: note,
            source: try source.map(desk.sourceID(named:)), as: actor.actor)
        if options.format == .table {
            Console.current.print("Added evidence note \(added.id) to case \(caseID) (\(added.stance.rawValue), \(added.grade)).")
        } else {
            ModelViews.printEvidence([added], format: options.format)
        }
    }
}

struct EvidenceList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a case's evidence notes, retracted ones too.")
    @Argument(help: "Case id or reference.") var caseID: String
    @OptionGroup var options: DeskOptions

    func run() throws {
        ModelViews.printEvidence(try options.openDesk().evidence(CaseKey(caseID)), format: options.format)
    }
}

struct EvidenceRetract: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retract", abstract: "Retract an evidence note with a reason; it stays in the record, marked retracted.")

    @Argument(help: "Evidence note id.") var noteID: Int
    @Option(help: "Why the note no longer holds (required).") var reason: String
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func run() throws {
        let note = try options.openDesk().retractEvidence(noteID, reason: reason, as: actor.actor)
        if options.format == .table {
            Console.current.print("Retracted evidence note \(note.id) on case \(note.caseID).")
        } else {
            ModelViews.printEvidence([note], format: options.format)
        }
    }
}
