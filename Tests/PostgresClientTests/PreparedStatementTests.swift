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
