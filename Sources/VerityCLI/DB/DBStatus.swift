import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient
import VerityCore

struct DBStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Say which database is in use, whether it is reachable, its version and migrations.",
        discussion: "Exits with 69 when the database cannot be reached. Does not start the embedded cluster.")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Output format.") var format: OutputFormat = .table

    struct Report: Encodable {
        var database: String
        var source: String
        var reachable: Bool
        var error: String?
        var serverVersion: String?
        /// Versioned migrations (sql/migrations/) recorded as applied.
        var migrations: [AppliedRecord] = []
        /// Definition files (sql/definitions/) as last applied.
        var definitions: [AppliedRecord] = []
        /// Files to apply: new migrations, and definition files that are new or changed.
        var pending: [String] = []

        struct AppliedRecord: Encodable {
            var name: String
            var checksum: String
            var appliedAt: String
        }
    }

    func run() throws {
        let location = connection.location
        var report = Report(database: location.summary, source: "", reachable: false)
        switch location {
        case .embedded: report.source = "embedded"
        case .url(_, let origin): report.source = origin.rawValue
        }
        do {
            let db: Connection
            if case .embedded(let home) = location {
                let cluster = try EmbeddedCluster.forHome(home)
                guard cluster.isInitialized else {
                    throw VerityError.unavailable("the embedded cluster has not been created yet; run `verity db start`")
                }
                db = try Database.connect(cluster.connectionString())
            } else {
                db = try Database.open(location, migrate: false)
            }
            report.reachable = true
            report.serverVersion = db.serverVersion
            let migrator = Migrator(connection: db)
            let applied = try migrator.applied()
            let record = { (file: Migrator.AppliedMigration) in
                Report.AppliedRecord(name: file.name, checksum: file.checksum, appliedAt: TimestampText.format(file.appliedAt))
            }
            report.migrations = applied.filter { $0.kind == .versioned }.map(record)
            report.definitions = applied.filter { $0.kind == .definition }.map(record)
            report.pending = try migrator.pending().map(\.name)
        } catch {
            report.error = VerityErrorTranslation.translate(error).message
        }
        render(report)
        if !report.reachable { throw VerityCLIExit(status: .unavailable) }
    }

    private func render(_ report: Report) {
        let console = Console.current
        switch format {
        case .json:
            console.print(JSONOutput.encode(report))
        case .csv:
            console.print(CSVOutput.render(
                header: ["database", "source", "reachable", "server_version", "applied", "pending"],
                rows: [[report.database, report.source, String(report.reachable), report.serverVersion ?? "",
                        String(report.migrations.count), report.pending.joined(separator: " ")]]))
        case .table:
            console.print("database:   \(report.database)")
            console.print("reachable:  \(report.reachable ? "yes" : "no")\(report.error.map { " (\($0))" } ?? "")")
            if let version = report.serverVersion { console.print("server:     PostgreSQL \(version)") }
            guard report.reachable else { return }
            console.print(
                "migrations: \(report.migrations.count) applied, \(report.definitions.count) definition files applied, "
                    + "\(report.pending.count) pending")
            let pending = Set(report.pending)
            let rows = (report.migrations + report.definitions).map {
                [$0.name, String($0.checksum.prefix(16)), $0.appliedAt, pending.contains($0.name) ? "changed" : "applied"]
            } + report.pending.filter { name in !report.definitions.contains { $0.name == name } }.map { [$0, "", "", "pending"] }
            if !rows.isEmpty {
                console.print(TableOutput.render(header: ["sql file", "checksum", "applied at", "status"], rows: rows))
            }
        }
    }
}
