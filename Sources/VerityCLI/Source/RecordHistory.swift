import ArgumentParser
import VerityCore

/// `verity source history SOURCE`: every change of a source's record, from its chain.
struct SourceHistory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Who changed a source's record (title, URL, reliability, ...), when, and what changed.",
        discussion: Help.paragraphs("""
            Every insert and update of a source is a row of its hash chain (record_history), written by
            the database whoever makes the change, psql included; `verity audit verify` checks the
            chain and that the source still equals its last row. The collected file itself changes only
            through a custody event: see `verity source custody`.
            Example: verity source history SRC-HRW-KRM --format json
            """))

    @Argument(help: "Source id or reference.") var source: String
    @OptionGroup var options: DeskOptions

    func run() throws {
        let desk = try options.openDesk()
        ModelViews.printRecord(try desk.sourceRecord(desk.sourceID(named: source)), format: options.format)
    }
}

/// `verity reviewer history HANDLE`: every change of a reviewer's identity, from its chain.
struct ReviewerHistory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Who changed a reviewer's handle, name, role, login or active flag, when, and what changed.",
        discussion: Help.paragraphs("""
            Every insert and update of a reviewer is a row of its hash chain (record_history), written by
            the database whoever makes the change; `verity audit verify` checks it. Password changes are
            recorded apart, without the secret.
            Example: verity reviewer history analyst
            """))

    @Argument(help: "The reviewer's handle.") var handle: String
    @OptionGroup var options: DeskOptions

    func run() throws {
        ModelViews.printRecord(try options.openDesk().reviewerRecord(handle), format: options.format)
    }
}
