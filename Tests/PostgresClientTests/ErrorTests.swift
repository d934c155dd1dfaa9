import Foundation
import PostgresClient
import Testing
import VerityTestSupport

@Suite("Errors carry the SQLSTATE and the server's diagnostics")
struct ErrorTests {
    static let setup = """
        CREATE TABLE parent (id int PRIMARY KEY);
        CREATE TABLE child (
            id int PRIMARY KEY,
            parent_id int REFERENCES parent,
            amount int NOT NULL CONSTRAINT amount_positive CHECK (amount > 0)
        );
        INSERT INTO parent VALUES (1);
        INSERT INTO child VALUES (1, 1, 5);
        """

    func database() throws -> Connection {
        let db = try TestServer.shared.connect(migrated: false)
        try db.execute(unsafeSQL: Self.setup)
        return db
    }

    func failure(_ body: () throws -> Void) -> PostgresError? {
        do {
            try body()
            return nil
        } catch {
            return error as? PostgresError
        }
    }

    @Test("unique_violation names its constraint")
    func unique() throws {
        let db = try database()
        let error = failure { try db.query("INSERT INTO child VALUES (1, 1, 5)") }
        #expect(error?.sqlState == .uniqueViolation)
        #expect(error?.constraint == "child_pkey")
        #expect(error?.detail?.contains("(id)=(1)") == true)
    }

    @Test("foreign_key_violation, check_violation and not_null_violation")
    func integrity() throws {
        let db = try database()
        let foreign = failure { try db.query("INSERT INTO child VALUES (2, 99, 5)") }
        #expect(foreign?.sqlState == .foreignKeyViolation)
        let check = failure { try db.query("INSERT INTO child VALUES (3, 1, -1)") }
        #expect(check?.sqlState == .checkViolation)
        #expect(check?.constraint == "amount_positive")
        let missing: Int? = nil
        let notNull = failure { try db.query("INSERT INTO child VALUES (4, 1, \(missing))") }
        #expect(notNull?.sqlState == .notNullViolation)
        #expect(notNull?.column == "amount")
    }

    @Test("raise_exception keeps message, detail and hint")
    func raised() throws {
        let db = try database()
        let error = failure {
            try db.execute(
                unsafeSQL: "DO $$ BEGIN RAISE EXCEPTION 'boom' USING DETAIL = 'the detail', HINT = 'the hint'; END $$")
        }
        #expect(error?.sqlState == .raiseException)
        #expect(error?.message == "boom")
        #expect(error?.detail == "the detail")
        #expect(error?.hint == "the hint")
    }

    @Test("read_only_sql_transaction and insufficient_privilege")
    func permissions() throws {
        let db = try database()
        let readOnly = failure {
            try db.transaction { db in
                try db.execute(unsafeSQL: "SET TRANSACTION READ ONLY")
                try db.query("INSERT INTO parent VALUES (2)")
            }
        }
        #expect(readOnly?.sqlState == .readOnlySQLTransaction)
        let role = "verity_test_nobody_\(UInt32.random(in: 0...UInt32.max))"
        try db.execute(unsafeSQL: "CREATE ROLE \(role)")
        defer { try? db.execute(unsafeSQL: "RESET ROLE; DROP OWNED BY \(role); DROP ROLE \(role)") }
        let denied = failure {
            try db.execute(unsafeSQL: "SET ROLE \(role)")
            try db.query("SELECT * FROM parent")
        }
        #expect(denied?.sqlState == .insufficientPrivilege)
    }

    @Test("lock_not_available when a row is locked and NOWAIT is asked")
    func lockNotAvailable() throws {
        let url = try TestServer.shared.makeDatabase(migrated: false)
        let first = try Connection(url)
        try first.execute(unsafeSQL: Self.setup)
        let second = try Connection(url)
        try first.execute(unsafeSQL: "BEGIN; SELECT * FROM parent WHERE id = 1 FOR UPDATE")
        let error = failure { try second.query("SELECT * FROM parent WHERE id = 1 FOR UPDATE NOWAIT") }
        try first.execute(unsafeSQL: "ROLLBACK")
        #expect(error?.sqlState == .lockNotAvailable)
    }

    @Test("serialization_failure between two serializable transactions")
    func serialization() throws {
        let url = try TestServer.shared.makeDatabase(migrated: false)
        let a = try Connection(url)
        try a.execute(unsafeSQL: "CREATE TABLE counter (n int); INSERT INTO counter VALUES (0)")
        let b = try Connection(url)
        try a.execute(unsafeSQL: "BEGIN ISOLATION LEVEL SERIALIZABLE; SELECT n FROM counter")
        try b.execute(unsafeSQL: "BEGIN ISOLATION LEVEL SERIALIZABLE; SELECT n FROM counter")
        try a.query("UPDATE counter SET n = n + 1")
        try a.execute(unsafeSQL: "COMMIT")
        let error = failure { try b.query("UPDATE counter SET n = n + 1") }
        try? b.execute(unsafeSQL: "ROLLBACK")
        #expect(error?.sqlState == .serializationFailure)
        #expect(error?.isTransientConflict == true)
    }

    @Test("deadlock_detected when two sessions wait on each other")
    func deadlock() throws {
        let url = try TestServer.shared.makeDatabase(migrated: false)
        let setup = try Connection(url)
        try setup.execute(unsafeSQL: "CREATE TABLE pair (id int PRIMARY KEY); INSERT INTO pair VALUES (1), (2)")
        try setup.execute(unsafeSQL: "ALTER DATABASE \(try setup.query("SELECT current_database() AS d")[0].decode("d", as: String.self)) SET deadlock_timeout = '50ms'")
        let a = try Connection(url)
        let b = try Connection(url)
        try a.execute(unsafeSQL: "BEGIN; UPDATE pair SET id = id WHERE id = 1")
        try b.execute(unsafeSQL: "BEGIN; UPDATE pair SET id = id WHERE id = 2")
        // a waits for b's row in the background; then b asks for a's row.
        let finished = DispatchSemaphore(value: 0)
        let waiter = UncheckedBox(a)
        let waiterError = UncheckedBox(OutcomeBox())
        DispatchQueue.global().async {
            waiterError.value.error = self.failure { try waiter.value.query("UPDATE pair SET id = id WHERE id = 2") }
            finished.signal()
        }
        usleep(300_000)
        // b closes the cycle. The server picks one victim: usually b (a's check
        // ran before the cycle existed), but on a loaded machine it can be a.
        let error = failure { try b.query("UPDATE pair SET id = id WHERE id = 1") }
        try? b.execute(unsafeSQL: "ROLLBACK")
        finished.wait()
        try? a.execute(unsafeSQL: "ROLLBACK")
        let victims = [error, waiterError.value.error].compactMap { $0 }
        #expect(victims.count == 1, "exactly one session is chosen as the victim: \(victims)")
        #expect(victims.first?.sqlState == .deadlockDetected)
        #expect(victims.first?.isTransientConflict == true)
    }
}

/// Where the background session leaves its error.
final class OutcomeBox: @unchecked Sendable {
    var error: PostgresError?
}

/// Hands a connection to one other thread in a test that coordinates access itself.
final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
