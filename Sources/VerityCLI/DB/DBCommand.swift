import ArgumentParser

/// `verity db ...`: the database Verity works in.
struct DBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Start, stop, inspect and migrate the database.",
        discussion: Help.paragraphs("""
            Verity uses, in order: --database-url, $VERITY_DATABASE_URL, $DATABASE_URL, and
            otherwise its embedded PostgreSQL cluster in $VERITY_HOME/cluster (Unix socket only,
            no TCP port, directory mode 0700), created and started on first use.
            """),
        subcommands: [DBStart.self, DBStop.self, DBStatus.self, DBURL.self, DBMigrate.self, DBRoles.self]
    )
}
