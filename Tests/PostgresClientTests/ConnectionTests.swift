import Foundation
import PostgresClient
import Testing
import VerityTestSupport

@Suite("Connecting")
struct ConnectionTests {
    @Test("a refused connection names the socket and why")
    func missingSocket() {
        let error = #expect(throws: PostgresError.self) {
            try Connection("postgresql:///verity?host=/tmp/verity-no-such-dir&user=verity")
        }
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("/tmp/verity-no-such-dir/.s.PGSQL.5432") == true)
    }

    @Test("a password never appears in a connection error")
    func passwordRedacted() {
        let error = #expect(throws: PostgresError.self) {
            try Connection("postgresql://alice:s3cr3t-pw@127.0.0.1:1/verity?connect_timeout=2")
        }
        #expect(error?.description.contains("s3cr3t-pw") == false)
        #expect(error?.hint?.contains("s3cr3t-pw") == false)
        #expect(error?.message.contains("127.0.0.1") == true)
    }

    @Test("an unparsable connection string is refused without echoing its password")
    func invalidString() {
        let error = #expect(throws: PostgresError.self) {
            try Connection("host=/tmp password=hunter2 bogus")
        }
        #expect(error?.kind == .connection)
        #expect(error?.description.contains("hunter2") == false)
    }

    @Test(
        "redaction hides passwords in URLs and keyword strings",
        arguments: [
            ("postgresql://u:pw@h/db", "postgresql://u:***@h/db"),
            ("postgres://u:p%40w@h:5/db?sslmode=require", "postgres://u:***@h:5/db?sslmode=require"),
            ("postgresql:///db?user=u&password=pw&host=/s", "postgresql:///db?user=u&password=***&host=/s"),
            ("host=h password='p w\\' x' dbname=d", "host=h password=*** dbname=d"),
            ("host=h dbname=d", "host=h dbname=d"),
            ("postgresql://u@h/db", "postgresql://u@h/db"),
            ("host=h PassWord=pw dbname=d", "host=h PassWord=*** dbname=d"),
        ])
    func redaction(input: String, expected: String) {
        #expect(ConnectionString.redact(input) == expected)
    }

    @Test("an empty connection string honours PG* environment variables")
    func environment() throws {
        let server = TestServer.shared
        try #require(server.exportsEnvironment, "needs the suite's own cluster, which exports PGHOST")
        let db = try Connection("")
        #expect(try db.query("SELECT current_database() AS d")[0].decode("d", as: String.self) == server.environmentDatabase)
    }
}
