import ArgumentParser
import PostgresClient
import VerityCore

struct DBStart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Create (on first use), start and migrate the embedded PostgreSQL cluster.")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        guard case .embedded(let home) = connection.location else {
            throw VerityError.usage(
                "Verity is configured to use \(connection.location.summary); there is no embedded server to start",
                hint: "unset --database-url, VERITY_DATABASE_URL and DATABASE_URL to use the embedded cluster")
        }
        let cluster = try EmbeddedCluster.forHome(home)
        let connection = try Database.open(.embedded(home: home))
        Console.current.print("Embedded PostgreSQL \(connection.serverVersion) is running.")
        Console.current.print("  data:   \(cluster.dataDirectory)")
        Console.current.print("  socket: \(cluster.socketPath) (no TCP port)")
        Console.current.print("  url:    \(cluster.connectionString())")
    }
}

struct DBStop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop the embedded PostgreSQL cluster (its data stays).")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        guard case .embedded(let home) = connection.location else {
            throw VerityError.usage(
                "Verity is configured to use \(connection.location.summary); it only stops its own embedded server")
        }
        let cluster = try EmbeddedCluster.forHome(home)
        guard cluster.isInitialized else {
            Console.current.print("No embedded cluster exists in \(home) yet; nothing to stop.")
            return
        }
        let wasRunning = cluster.isRunning
        try cluster.stop()
        Console.current.print(wasRunning ? "Embedded PostgreSQL stopped." : "Embedded PostgreSQL was not running.")
    }
}

struct DBURL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "url",
        abstract: "Print the connection URL in use (passwords hidden), e.g. for psql.",
        discussion: "Example: psql \"$(verity db url)\"")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        switch connection.location {
        case .embedded(let home): Console.current.print(try EmbeddedCluster.forHome(home).connectionString())
        case .url(let url, _): Console.current.print(ConnectionString.redact(url))
        }
    }
}

struct DBMigrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the pending migrations and changed definitions from sql/ (under an advisory lock).",
        discussion: Help.paragraphs("""
            Versioned migrations (sql/migrations/: tables, constraints, data) run once each, in order, each in its \
            own transaction. Definition files (sql/definitions/: functions, triggers, views, policies) are \
            re-applied whenever their text differs from the one recorded, in the transaction of the last \
            migration. A database migrated by a release with sql/001..016 is recognised and upgraded in place.
            """))

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let db = try Database.open(connection.location, migrate: false)
        let migrator = Migrator(connection: db)
        let applied = try migrator.migrate()
        let recorded = try migrator.applied()
        let summary = "\(recorded.filter { $0.kind == .versioned }.count) migrations and "
            + "\(recorded.filter { $0.kind == .definition }.count) definition files"
        if applied.isEmpty {
            Console.current.print("Nothing to apply: all \(summary) are applied.")
        } else {
            for name in applied { Console.current.print("applied \(name)") }
            Console.current.print("\(applied.count) file(s) applied; \(summary) in all.")
        }
    }
}
