import Foundation
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
        if let shared = SharedConnection.current { return shared.connection }
        // The migration record is read in the connection's own first round trip.
        let asking: [Query] = migrate ? [Migrator.appliedQuery] : []
        switch location {
        case .url(let url, _):
            let connection = try connect(url, alsoAsking: asking)
            if migrate {
                let applied = try Migrator.applied(from: connection.takeSetUpAnswers()[0])
                try Migrator(connection: connection).requireCurrent(given: applied)
            }
            return connection
        case .embedded(let home):
            let cluster = try EmbeddedCluster.forHome(home)
            let connection: Connection
            if let ready = try? Connection(cluster.connectionString(), alsoAsking: asking) {
                connection = ready
            } else {
                try cluster.ensureRunning()
                connection = try connect(cluster.connectionString(), alsoAsking: asking)
            }
            if migrate {
                let migrator = Migrator(connection: connection)
                let applied = try Migrator.applied(from: connection.takeSetUpAnswers()[0])
                if try !migrator.pending(given: applied).isEmpty { try migrator.migrate() }
            }
            return connection
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
