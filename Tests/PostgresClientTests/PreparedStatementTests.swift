import PostgresClient
import Testing
import VerityTestSupport

@Suite("Prepared statements on a long-lived connection")
struct PreparedStatementTests {
    /// The text of the session's prepared statements, as the server lists them
    /// (this query too is prepared from its second run on).
    static func prepared(_ db: Connection) throws -> [String] {
        try db.query("SELECT statement FROM pg_prepared_statements ORDER BY name").rows.map { try $0.decode("statement") }
    }

    @Test("a statement is prepared the second time it runs, and answers as before with each run's values")
    func preparedOnSecondRun() throws {
        let db = try TestServer.shared.connect(migrated: false)
        db.preparesRepeatedStatements = true
        #expect(try db.query("SELECT \(1) + 1 AS n")[0].decode("n", as: Int.self) == 2)
        #expect(try Self.prepared(db).isEmpty, "a statement run once is not prepared")
        #expect(try db.query("SELECT \(2) + 1 AS n")[0].decode("n", as: Int.self) == 3)
        #expect(try db.query("SELECT \(41) + 1 AS n")[0].decode("n", as: Int.self) == 42)
        let statements = try Self.prepared(db)
        #expect(statements.filter { $0.contains("+ 1 AS n") } == ["SELECT $1 + 1 AS n"], "prepared once: \(statements)")
    }

    @Test("a batch session's statements sent together (queries, a transaction's opening) are prepared like any other; a one-shot session's go in one round trip")
    func togetherPrepared() throws {
        let db = try TestServer.shared.connect(migrated: false)
        db.preparesRepeatedStatements = true
        for value in 1...3 {
            let answers = try db.queries(["SELECT \(value) * 2 AS twice", "SELECT \(value) * 3 AS thrice"])
            #expect(try answers.map { try $0[0].decode(at: 0, as: Int.self) } == [value * 2, value * 3])
            let seen = try db.transaction(opening: "SELECT set_config('verity.test', \(String(value)), true)") { db in
                try db.query("SELECT current_setting('verity.test') AS v")[0].decode("v", as: String.self)
            }
            #expect(seen == String(value))
        }
        let statements = try Self.prepared(db)
        for text in ["SELECT $1 * 2 AS twice", "SELECT $1 * 3 AS thrice", "SELECT set_config('verity.test', $1, true)"] {
            #expect(statements.contains(text), "\(text) not prepared: \(statements)")
        }
        // Without preparing, the same calls prepare nothing and answer the same.
        let oneShot = try TestServer.shared.connect(migrated: false)
        #expect(try oneShot.queries(["SELECT \(4) * 2 AS twice", "SELECT \(4) * 3 AS thrice"]).map { try $0[0].decode(at: 0, as: Int.self) } == [8, 12])
        let seen = try oneShot.transaction(opening: "SELECT set_config('verity.test', \("4"), true)") { db in
            try db.query("SELECT current_setting('verity.test') AS v")[0].decode("v", as: String.self)
        }
        #expect(seen == "4")
        #expect(try Self.prepared(oneShot).isEmpty)
    }

    @Test("a table that changes shape under a prepared statement fails it once; it then runs again")
    func tableChangesShape() throws {
        let db = try TestServer.shared.connect(migrated: false)
        db.preparesRepeatedStatements = true
        try db.execute(unsafeSQL: "CREATE TABLE shapes (id int, label text); INSERT INTO shapes VALUES (1, 'one')")
        for _ in 0..<3 { _ = try db.query("SELECT * FROM shapes WHERE id = \(1)") }
        try db.execute(unsafeSQL: "ALTER TABLE shapes ADD COLUMN extra int")
        let error = #expect(throws: PostgresError.self) { try db.query("SELECT * FROM shapes WHERE id = \(1)") }
        #expect(error?.sqlState == .featureNotSupported)
        for _ in 0..<3 {
            #expect(try db.query("SELECT * FROM shapes WHERE id = \(1)").columnNames == ["id", "label", "extra"])
        }
    }

    @Test("by default nothing is prepared, however often a statement runs")
    func offByDefault() throws {
        let db = try TestServer.shared.connect(migrated: false)
        for value in 1...5 { _ = try db.query("SELECT \(value) + 1 AS n") }
        #expect(try db.query("SELECT count(*) AS n FROM pg_prepared_statements")[0].decode("n", as: Int.self) == 0)
    }
}
