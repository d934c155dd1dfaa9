import ArgumentParser
import VerityCore

/// Options every command that reaches the database shares.
public struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "PostgreSQL URL or conninfo. Default: $VERITY_DATABASE_URL, then $DATABASE_URL, then the embedded cluster in $VERITY_HOME.",
            valueName: "url"))
    public var databaseURL: String?

    public init() {}

    public var location: DatabaseLocation { DatabaseLocation.resolve(flag: databaseURL) }
}
