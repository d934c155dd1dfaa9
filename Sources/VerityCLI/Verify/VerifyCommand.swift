import ArgumentParser
import VerityCore

/// `verity verify ...`: checks made without a database.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check what Verity wrote, without a database (a bundle).",
        subcommands: [VerifyBundle.self])
}

/// `verity verify bundle DIR`: every file's hash, every chain, the manifest's own hash.
struct VerifyBundle: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Check a bundle written by `verity export bundle`, without a database.",
        discussion: Help.paragraphs("""
            Recomputes the SHA-256 of every file the manifest lists (and finds files it does not list), every \
            case's history chain from records.jsonl (the hash `verity audit verify` computes) up to the head \
            the manifest gives, and the manifest's own hash; with --tsa-ca, the stamp of the desk head that \
            holds every case's head (`export bundle --tsa`). Each problem names its file (and line). Exit \
            status 0 when the bundle is intact, 65 otherwise. That its cases are what the desk held, not \
            only what was written, is shown by a stamp: make the bundle with --tsa, check it with --tsa-ca.
            Example: verity verify bundle izium-bundle --format json
            """))

    @Argument(help: ArgumentHelp("The bundle's directory.", valueName: "dir")) var directory: String
    @Option(
        name: .customLong("tsa-ca"),
        help: ArgumentHelp("The time-stamping authority's CA certificate (PEM), to verify the bundle's stamp.", valueName: "file"))
    var tsaCA: String?
    @Option(help: "Output format: table for people, json for programs.") var format: AuditFormat = .table

    func run() throws {
        let result = CaseBundle.verify(directory: directory, tsaCA: tsaCA)
        let console = Console.current
        switch format {
        case .json: console.print(JSONOutput.encode(result))
        case .table:
            console.print(
                [
                    "status      \(result.intact ? "intact" : "NOT INTACT")",
                    "cases       \(result.cases)",
                    "chain rows  \(result.chainRows)",
                    "files       \(result.files)",
                    "manifest    \(result.manifestSHA256 ?? "-")",
                ].joined(separator: "\n"))
            if let deskHead = result.deskHead {
                let state = result.stampVerified.map { $0 ? "verified" : "NOT VERIFIED" } ?? "not checked (give --tsa-ca FILE)"
                console.print("desk head   \(deskHead), stamp \(state)")
            }
            for problem in result.problems { console.print("\(problem)") }
        }
        if let first = result.problems.first {
            console.error("error: the bundle is not intact: \(first)")
            throw VerityCLIExit(status: .ruleViolated)
        }
    }
}
