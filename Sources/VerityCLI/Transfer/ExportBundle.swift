import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VerityCore

/// `verity export bundle CASE... [--where-...] --output DIR`: a directory that proves what
/// the desk holds about some cases, checked later by `verity verify bundle DIR`.
struct ExportBundle: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "A verifiable bundle of cases: records, history chains, dossiers, source files and a manifest of hashes.",
        discussion: Help.paragraphs("""
            Writes a new directory: records.jsonl (the cases' rows and every row of their history chains), \
            dossier/REF.md and dossier/REF.html (as `verity report case`), files/NAME (each source file found \
            in --files DIR, checked against the SHA-256 the desk recorded; a file not found there is listed as \
            missing) and manifest.json (format, who made the bundle and when, the filter, each case's chain \
            head, the SHA-256 of every file, and the manifest's own hash). With --tsa URL, desk-head.txt \
            (every line the desk's head hash covers, in the same snapshot) and desk-head.tsr (that head's \
            RFC 3161 token, also kept in the desk; needs the desk owner) tie the cases to a signed time. \
            `verity verify bundle DIR [--tsa-ca FILE]` checks it all without a database. A bundle holding restricted cases is as confidential as they are.
            Examples:
              verity export bundle IZY-001 IZY-004 --output izium --files /cases/files
              verity export bundle --where-tag izium --output izium --tsa https://tsa.test
            """))

    @Argument(help: ArgumentHelp("Cases by id or reference (and/or --where-* filters).", valueName: "case")) var cases: [String] = []
    @Option(name: .customLong("where-state"), help: "Every case in this state.") var state: CaseState?
    @Option(name: .customLong("where-tag"), help: ArgumentHelp("Every case with this tag.", valueName: "tag")) var tag: String?
    @Option(name: .customLong("where-reviewer"), help: ArgumentHelp("Every case assigned to this reviewer.", valueName: "handle"))
    var reviewer: String?
    @Option(help: ArgumentHelp("The directory to write (new, or empty).", valueName: "dir")) var output: String
    @Option(help: ArgumentHelp("Where the sources' files are, by their recorded names.", valueName: "dir")) var files: String?
    @Option(help: ArgumentHelp("Also stamp the desk's head (RFC 3161) with this time-stamping authority, and carry the token.", valueName: "url"))
    var tsa: String?
    @Option(help: "Output format: table for people, json for programs.") var format: AuditFormat = .table
    @OptionGroup var actor: ActorOptions
    @OptionGroup var connection: ConnectionOptions

    var selection: BulkSelection { BulkSelection(state: state, tag: tag, reviewer: reviewer) }

    func validate() throws {
        if cases.isEmpty, selection.isEmpty {
            throw ValidationError("which cases? name them (id or reference) or select them with --where-state, --where-tag or --where-reviewer")
        }
        if let files {
            var isDirectory = false
            guard FileManager.default.fileExists(atPath: files, isDirectory: &isDirectory), isDirectory else {
                throw ValidationError("--files \(files) is not a directory")
            }
        }
    }

    func run() throws {
        let desk = Desk(connection: try Database.open(connection.location))
        try OutputAccounting.check(desk, reviewer: actor.actor)
        let written = try desk.writeBundle(
            cases: cases.map(CaseKey.init), selection: selection, filesFrom: files, to: output,
            madeBy: try actor.actor ?? desk.connectedReviewer(), tsa: tsa)
        let console = Console.current
        switch format {
        case .json: console.print(JSONOutput.encode(written))
        case .table:
            console.print("Wrote the bundle \(output): \(written.cases.count) case(s), \(written.files.count) source file(s).")
            console.print("manifest sha256 \(written.manifestSHA256)")
        }
        if !written.missingFiles.isEmpty {
            console.error("note: not found in \(files ?? ""), so not in the bundle: \(written.missingFiles.joined(separator: ", "))")
        }
        if written.restrictedCases > 0 {
            console.error(
                "warning: the bundle holds \(written.restrictedCases) restricted case(s): keep it as confidential as those cases")
        }
        var digest = OutputDigest()
        digest.update(written.manifestSHA256)
        var filters: [(String, String)] = cases.map { ("case", $0) }
        if !selection.isEmpty { filters.append(("where", selection.description)) }
        try OutputAccounting.record(
            desk, reviewer: actor.actor, command: "export bundle", filters: .filters(filters), caseCount: written.cases.count,
            digest: digest, path: output, format: "bundle")
    }
}
