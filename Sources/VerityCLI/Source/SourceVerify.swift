import ArgumentParser
import VerityCore

/// `verity source verify ID --file PATH`: is this the file that was collected?
struct SourceVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Rehash a file and say whether it is the source's collected file; the check joins its chain of custody.",
        discussion: Help.paragraphs("""
            The file is streamed through SHA-256 and compared with the hash taken at collection.
            Either way a `verified` event with the outcome is appended to the chain of custody.
            Exit 0 on a match; 65 on a mismatch, with both hashes.
            Example: verity source verify 3 --file /evidence/izium/rt-article.html --as analyst
            """))

    @Argument(help: "Source id or reference.") var source: String
    @Option(help: ArgumentHelp("The file to check.", valueName: "path")) var file: String
    @Option(help: "Why it was checked, e.g. \"before hand-over to ICC\".") var note: String?
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func run() throws {
        let desk = try options.openDesk()
        let sourceID = try desk.sourceID(named: source)
        let result = try desk.verifySource(sourceID, filePath: file, note: note, as: actor.actor)
        let console = Console.current
        switch options.format {
        case .json: console.print(JSONOutput.encode(result))
        case .csv:
            console.print(CSVOutput.render(
                header: ["source_id", "file", "outcome", "sha256", "expected_sha256", "size", "event_id"],
                rows: [[String(result.sourceID), result.file, result.outcome, result.sha256, result.expectedSha256,
                        String(result.size), String(result.eventID)]]))
        case .table:
            console.print(
                result.matches
                    ? "match: \(file) is source \(sourceID)'s collected file (sha256 \(result.sha256), \(result.size) bytes)."
                    : "MISMATCH: \(file) is not source \(sourceID)'s collected file.")
            console.print("Recorded as custody event \(result.eventID).")
        }
        guard result.matches else {
            throw VerityError.ruleViolated(
                "\(file) does not match source \(sourceID): its SHA-256 is \(result.sha256), the collected file's is \(result.expectedSha256)",
                hint: "the file was changed or is another file; compare with the evidentiary copy (`verity source custody \(sourceID)`)")
        }
    }
}
