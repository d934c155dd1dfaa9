import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VerityCore

/// `verity audit ...`: the tamper-evident history.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the history's hash chains and print the head hash to anchor elsewhere.",
        discussion: Help.paragraphs("""
            Every history row carries the SHA-256 of its content and of the previous row's hash
            in the same case, computed by the database for every writer. `verify` recomputes every
            chain (cases, sources and reviewers, chains of custody) and compares every case, note,
            link, assignment and proposal with its history; `head` prints the database's head hash,
            which a desk publishes or stores outside the database so that a later
            `verify --expect-head HASH` detects a rebuilt history or a deleted tail. `stamp --tsa URL` \
            has a time-stamping authority (RFC 3161) sign the head; `verify --tsa-ca FILE` checks the tokens.
            """),
        subcommands: [AuditVerify.self, AuditHead.self, AuditStamp.self])
}

/// `--format table|json` for the audit commands.
enum AuditFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, json
}

struct AuditVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute every case's hash chain and report the first row altered, deleted or inserted out of order.",
        discussion: Help.paragraphs("""
            Exit status 0 when every chain is intact (and its head is the expected one, and with \
            --tsa-ca every stored stamp's token verifies for its head), 65 otherwise.
            Examples:
              verity audit verify
              verity audit verify --expect-head 3f1c...e9 --format json
              verity audit verify --tsa-ca tsa-ca.pem
            """))

    @Option(
        name: .customLong("expect-head"),
        help: ArgumentHelp("The head hash printed earlier by `verity audit head`; a different head fails.", valueName: "hash"))
    var expectHead: String?
    @Option(
        name: .customLong("tsa-ca"),
        help: ArgumentHelp("The time-stamping authority's CA certificate (PEM): every stored stamp's token is verified against it.", valueName: "file"))
    var tsaCA: String?
    @Option(help: "Output format: table for people, json for programs.") var format: AuditFormat = .table
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if let tsaCA, !FileManager.default.isReadableFile(atPath: tsaCA) {
            throw ValidationError("--tsa-ca \(tsaCA) is not a readable file (the CA certificate of the time-stamping authority, PEM)")
        }
        if let expectHead, expectHead.wholeMatch(of: #/[0-9a-fA-F]{64}/#) == nil {
            throw ValidationError("--expect-head must be a SHA-256 in hex (64 characters), as `verity audit head` prints it")
        }
    }

    func run() throws {
        let desk = Desk(connection: try Database.open(connection.location))
        var report = try desk.verifyHistory(expectedHead: expectHead)
        report.stamps = try desk.stamps(verifyingWith: tsaCA)
        let console = Console.current
        switch format {
        case .json:
            console.print(JSONOutput.encode(report))
        case .table:
            var lines = [
                "status        \(report.intact ? "intact" : "NOT INTACT")",
                "rows checked  \(report.rowsChecked)",
                "cases         \(report.cases)",
                "head hash     \(report.headHash)",
            ]
            if let expectHead { lines.append("expected head \(expectHead.lowercased())") }
            if report.notesWithoutDigest > 0 {
                lines.append(
                    "note text     the text of \(report.notesWithoutDigest) evidence note(s) predates the digest the history keeps, "
                        + "so it is not compared (their stance, credibility, source and retraction are)")
            }
            if report.rowsHidden > 0 {
                lines.append(
                    "not checked   \(report.rowsHidden) row(s) this login may not see (links to restricted cases); "
                        + "run `verity audit verify` as an editor, an admin or the owner to check every row")
            }
            for stamp in report.stamps {
                let state = stamp.verified.map { $0 ? "verified" : "NOT VERIFIED: \(stamp.problem ?? "")" }
                    ?? "not checked (give --tsa-ca FILE)"
                lines.append("stamp \(stamp.id)       head \(stamp.head) at \(stamp.stampedAt) by \(stamp.tsaURL): \(state)")
            }
            console.print(lines.joined(separator: "\n"))
            if !report.problems.isEmpty {
                console.print("\nProblems (\(report.problemCount), in case and seq order)")
                console.print(
                    TableOutput.render(
                        header: ["case", "seq", "history id", "problem", "detail"],
                        rows: report.problems.map { problem in
                            [
                                problem.caseID.map { id in problem.caseRef.map { "\(id) (\($0))" } ?? String(id) }
                                    ?? problem.table.map { table in "\(table) \(problem.rowID.map(String.init) ?? "")" } ?? "",
                                problem.seq.map(String.init) ?? "", problem.historyID.map(String.init) ?? "",
                                problem.kind.rawValue, problem.field.map { "\($0): \(problem.detail)" } ?? problem.detail,
                            ]
                        }, maxWidth: 200))
            }
        }
        if let failed = report.stamps.first(where: { $0.verified == false }) {
            console.error("error: stamp \(failed.id) does not verify: \(failed.problem ?? "")")
            throw VerityCLIExit(status: .ruleViolated)
        }
        if let first = report.problems.first {
            console.error("error: the history is not intact: \(first.message)")
            console.error(
                "hint: restore the database from a backup taken before the change, or find who altered it; "
                    + "the table refuses UPDATE and DELETE, so this took a superuser or the table's owner")
            throw VerityCLIExit(status: .ruleViolated)
        }
    }
}

struct AuditHead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head",
        abstract: "Print the database's head hash (over every case's chain head) to publish or store elsewhere.",
        discussion: Help.paragraphs("""
            The head changes with every new history row. Store it with the time you took it; later,
            `verity audit verify --expect-head HASH` on a copy of the database as of then proves that
            no chain was rebuilt.
            """))

    @Option(help: "Output format: table (the bare hash) or json.") var format: AuditFormat = .table
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let desk = Desk(connection: try Database.open(connection.location))
        let head = try desk.historyHead()
        switch format {
        case .table: Console.current.print(head)
        case .json:
            struct Head: Encodable { let headHash: String; let takenAt: Date }
            Console.current.print(JSONOutput.encode(Head(headHash: head, takenAt: Date())))
        }
    }
}
