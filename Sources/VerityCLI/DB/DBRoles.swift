import ArgumentParser
import VerityCore

struct DBRoles: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roles",
        abstract: "Create the group roles verity_reader, verity_reviewer and verity_admin and grant them their rights.",
        discussion: Help.paragraphs("""
            verity_reader reads cases, sources, evidence and history, and runs search,
            reports and export. verity_reviewer also works cases: opens and updates
            them, links sources, adds and retracts evidence, assigns and unassigns
            reviewers; it never writes the history (the database does), the
            migrations table or the reviewers. verity_admin also adds reviewers and
            sees every restricted case.

            Safe to run again: each run grants exactly these rights on every table
            that exists then, and revokes anything else the three roles held. Grants
            are per table, so run it again after `verity db migrate` applies
            migrations that add tables.

            Run it as the database owner with CREATEROLE, or as a superuser (the
            embedded cluster's own user is one). Then give each reviewer a login:
              verity db roles
              verity reviewer add analyst --name Analyst --login --password-file ~/analyst.pw
            """))

    @OptionGroup var options: DeskOptions

    func run() throws {
        let outcome = try DeskRoles(connection: options.openDesk().db).ensure()
        let console = Console.current
        switch options.format {
        case .json: console.print(JSONOutput.encode(outcome))
        case .csv:
            console.print(CSVOutput.render(
                header: ["role", "table", "privileges"],
                rows: outcome.grants.map { [$0.role, $0.table, $0.privileges] }))
        case .table:
            console.print(
                outcome.createdRoles.isEmpty
                    ? "The group roles verity_reader, verity_reviewer and verity_admin exist."
                    : "Created the group roles \(outcome.createdRoles.joined(separator: ", ")).")
            console.print(
                "Granted in database \(outcome.database): SELECT on all \(outcome.tables) tables and views to verity_reader, and:")
            console.print(TableOutput.render(
                header: ["role", "table", "privileges"],
                rows: outcome.grants.map { [$0.role, $0.table, $0.privileges] }))
            console.print("Run `verity db roles` again after migrations that add tables.")
        }
    }
}
