import Foundation
import PostgresClient
import Testing
import VerityTestSupport

@Suite("Transactions, COPY and pipelines")
struct TransactionCopyPipelineTests {
    struct Boom: Error {}

    @Test("a transaction commits when its body returns")
    func commits() throws {
        let db = try TestServer.shared.connect(migrated: false)
        try db.query("CREATE TABLE t (v int)")
        try db.transaction { db in try db.query("INSERT INTO t VALUES (\(1))") }
        #expect(try db.query("SELECT count(*) AS n FROM t")[0].decode("n", as: Int.self) == 1)
        #expect(!db.isInTransaction)
    }

    @Test("a transaction rolls back everything when its body throws")
    func rollsBack() throws {
        let db = try TestServer.shared.connect(migrated: false)
        try db.query("CREATE TABLE t (v int)")
        #expect(throws: Boom.self) {
            try db.transaction { db in
                try db.query("INSERT INTO t VALUES (\(1))")
                try db.query("INSERT INTO t VALUES (\(2))")
                throw Boom()
            }
        }
        #expect(try db.query("SELECT count(*) AS n FROM t")[0].decode("n", as: Int.self) == 0)
        #expect(!db.isInTransaction)
    }

    @Test("an error swallowed inside the body still prevents the commit")
    func swallowedErrorRefusesCommit() throws {
        let db = try TestServer.shared.connect(migrated: false)
        try db.query("CREATE TABLE t (v int PRIMARY KEY)")
        #expect(throws: PostgresError.self) {
            try db.transaction { db in
                try db.query("INSERT INTO t VALUES (\(1))")
                _ = try? db.query("INSERT INTO t VALUES (\(1))")
            }
        }
        #expect(try db.query("SELECT count(*) AS n FROM t")[0].decode("n", as: Int.self) == 0)
    }

    @Test("retryingConflicts reruns the body after a serialization failure")
    func retries() throws {
        let url = try TestServer.shared.makeDatabase(migrated: false)
        let db = try Connection(url)
        try db.execute(unsafeSQL: "CREATE TABLE counter (n int); INSERT INTO counter VALUES (0)")
        let rival = try Connection(url)
        var attempts = 0
        try db.transaction(.serializable, retryingConflicts: 3) { db in
            attempts += 1
            _ = try db.query("SELECT n FROM counter")
            if attempts == 1 {
                // A rival commits a write to what this transaction read.
                try rival.query("UPDATE counter SET n = n + 10")
            }
            try db.query("UPDATE counter SET n = n + 1")
        }
        #expect(attempts == 2)
        #expect(try db.query("SELECT n FROM counter")[0].decode("n", as: Int.self) == 11)
    }

    @Test("without retries a serialization failure reaches the caller")
    func noRetryByDefault() throws {
        let url = try TestServer.shared.makeDatabase(migrated: false)
        let db = try Connection(url)
        try db.execute(unsafeSQL: "CREATE TABLE counter (n int); INSERT INTO counter VALUES (0)")
        let rival = try Connection(url)
        let error = #expect(throws: PostgresError.self) {
            try db.transaction(.serializable) { db in
                _ = try db.query("SELECT n FROM counter")
                try rival.query("UPDATE counter SET n = n + 10")
                try db.query("UPDATE counter SET n = n + 1")
            }
        }
        #expect(error?.sqlState == .serializationFailure)
    }

    @Test("COPY FROM STDIN streams rows with escapes and NULLs intact")
    func copy() throws {
        let db = try TestServer.shared.connect(migrated: false)
        try db.query("CREATE TABLE copied (n int, t text)")
        let tricky = "tab\there\nnewline \\ backslash \\N not null, comma 🧪"
        let stored = try db.copyIn("COPY copied (n, t) FROM STDIN") { writer in
            for n in 0..<20_000 { try writer.writeRow([String(n), n == 7 ? tricky : (n == 8 ? nil : "row \(n)")]) }
        }
        #expect(stored == 20_000)
        let rows = try db.query("SELECT t FROM copied WHERE n IN (7, 8) ORDER BY n")
        #expect(try rows[0].decode("t", as: String.self) == tricky)
        #expect(try rows[1].decode("t", as: String?.self) == nil)
    }

    @Test("a COPY whose feed throws stores nothing and leaves the connection usable")
    func copyAborted() throws {
        let db = try TestServer.shared.connect(migrated: false)
        try db.query("CREATE TABLE copied (n int)")
        #expect(throws: Boom.self) {
            try db.copyIn("COPY copied (n) FROM STDIN") { writer in
                try writer.writeRow(["1"])
                throw Boom()
            }
        }
        #expect(try db.query("SELECT count(*) AS n FROM copied")[0].decode("n", as: Int.self) == 0)
    }

    @Test("bad COPY data reports the server's error with its line")
    func copyBadData() throws {
        let db = try TestServer.shared.connect(migrated: false)
        try db.query("CREATE TABLE copied (n int)")
        let error = #expect(throws: PostgresError.self) {
            try db.copyIn("COPY copied (n) FROM STDIN") { writer in
                try writer.writeRow(["1"])
                try writer.writeRow(["not a number"])
            }
        }
        #expect(error?.sqlState == .invalidTextRepresentation)
        #expect(try db.query("SELECT count(*) AS n FROM copied")[0].decode("n", as: Int.self) == 0)
    }

    @Test("a pipeline returns every result in order")
    func pipeline() throws {
        let db = try TestServer.shared.connect(migrated: false)
        try db.query("CREATE TABLE p (n int)")
        let inserts = (0..<1_200).map { n -> Query in "INSERT INTO p VALUES (\(n)) RETURNING n * 2 AS double" }
        let results = try db.transaction { db in try db.pipeline(inserts) }
        #expect(results.count == 1_200)
        #expect(try results[1_199][0].decode("double", as: Int.self) == 2_398)
        #expect(try db.query("SELECT count(*) AS n FROM p")[0].decode("n", as: Int.self) == 1_200)
    }

    @Test("a failing statement in a pipeline inside a transaction leaves nothing behind")
    func pipelineFailure() throws {
        let db = try TestServer.shared.connect(migrated: false)
        try db.query("CREATE TABLE p (n int PRIMARY KEY)")
        let queries: [Query] = ["INSERT INTO p VALUES (\(1))", "INSERT INTO p VALUES (\(1))", "INSERT INTO p VALUES (\(2))"]
        let error = #expect(throws: PostgresError.self) { try db.transaction { db in try db.pipeline(queries) } }
        #expect(error?.sqlState == .uniqueViolation)
        #expect(try db.query("SELECT count(*) AS n FROM p")[0].decode("n", as: Int.self) == 0)
    }
}
