import ArgumentParser
import VerityCore

/// `verity case sign-off`: the second pair of eyes of four-eyes assessment.
struct CaseSignOff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign-off", abstract: "Sign off (or send back) the verdict proposed for a case under four-eyes.",
        discussion: Help.paragraphs("""
            With four-eyes on (`verity config set four-eyes on`), `verity case assess` only proposes a verdict. \
            A different reviewer, assigned to the case or an editor, who wrote none of the case's evidence notes \
            (retracted ones count), signs it off: the case moves to assessed with the proposed verdict. The \
            proposer cannot sign off their own verdict. --reject --reason R sends it back instead; the case \
            stays evidence-pending and a new verdict can be proposed.

            Example: verity case assess IZY-001 --verdict mostly-true --confidence 3 --rationale "..." --as analyst
                     verity case sign-off IZY-001 --as editor
                     verity case sign-off IZY-001 --reject --reason "the AFP photo is not dated" --as editor
            """))

    @Argument(help: "Case id or reference.") var id: String
    @Flag(help: "Send the proposed verdict back instead of signing it off (needs --reason).") var reject = false
    @Option(help: "Why the verdict is sent back (required with --reject).") var reason: String?
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func validate() throws {
        if reject, reason?.trimmed.isEmpty ?? true {
            throw ValidationError("--reject needs --reason: say why the verdict goes back")
        }
        if !reject, reason != nil {
            throw ValidationError("--reason goes with --reject; a sign-off needs no reason")
        }
    }

    func run() throws {
        let desk = try options.openDesk()
        if reject {
            let proposal = try desk.rejectProposal(CaseKey(id), reason: reason ?? "", as: actor.actor)
            switch options.format {
            case .json: Console.current.print(JSONOutput.encode(proposal))
            default:
                Console.current.print(
                    "Sent back the verdict proposed for case \(id) (\(proposal.verdict.rawValue), by \(proposal.proposedBy)); "
                        + "the case stays evidence-pending.")
            }
            return
        }
        let assessed = try desk.signOff(CaseKey(id), as: actor.actor)
        ModelViews.printCase(
            assessed, format: options.format,
            sentence: "Signed off: case \(assessed.label) is assessed: \(assessed.verdict?.rawValue ?? "?").")
    }
}
