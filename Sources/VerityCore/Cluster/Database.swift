#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// Opens the connection every command works through.
public enum Database {
    /// Connects to `location`. The embedded cluster is created, started and
    /// migrated on demand; an external server must already be migrated
    /// (`verity db migrate`), because changing a shared schema is a decision.
    ///
    /// Inside `SharedConnection.$current.withValue(...)` (a batch) it returns that
    /// connection instead: it was opened and checked once for the whole batch.
    public static func open(_ location: DatabaseLocation, migrate: Bool = true) throws -> Connection {
        try open(location, migrate: migrate, asking: []).connection
    }

    /// The same, sending `extra` (read-only statements) in the connection's first round trip,
    /// after the migration check: their answers, or nil when there was no new connection
    /// (a batch's shared one), and the caller runs them itself. The answers are only given
    /// once the schema is known to be current.
    public static func open(
        _ location: DatabaseLocation, migrate: Bool = true, asking extra: [Query]
    ) throws -> (connection: Connection, answers: [Result<ResultSet, PostgresError>]?) {
        if let shared = SharedConnection.current { return (shared.connection, nil) }
        // The migration record is read in the connection's own first round trip.
        let asking: [Query] = (migrate ? [Migrator.appliedQuery] : []) + extra
        switch location {
        case .url(let url, _):
            let connection = try connect(url, alsoAsking: asking)
            var answers = connection.takeSetUpAnswers()
            if migrate {
                let applied = try Migrator.applied(from: answers.removeFirst())
                try Migrator(connection: connection).requireCurrent(given: applied)
            }
            return (connection, answers)
        case .embedded(let home):
            let cluster = try EmbeddedCluster.forHome(home)
            let connection: Connection
            if let ready = try? Connection(cluster.connectionString(), alsoAsking: asking) {
                connection = ready
            } else {
                try cluster.ensureRunning()
                connection = try connect(cluster.connectionString(), alsoAsking: asking)
            }
            var answers = connection.takeSetUpAnswers()
            if migrate {
                let migrator = Migrator(connection: connection)
                let applied = try Migrator.applied(from: answers.removeFirst())
                if try !migrator.pending(given: applied).isEmpty {
                    try migrator.migrate()
                    // (asked before the migration: the caller asks again)
                    return (connection, nil)
                }
            }
            return (connection, answers)
        }
    }

    /// Connects, turning libpq's failure into an "unavailable" error for users.
    public static func connect(_ connectionString: String, alsoAsking extra: [Query] = []) throws -> Connection {
        do {
            return try Connection(connectionString, alsoAsking: extra)
        } catch let error as PostgresError {
            throw VerityError.unavailable(error.message, hint: error.hint)
        }
    }
}
