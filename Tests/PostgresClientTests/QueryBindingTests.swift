import Foundation
import PostgresClient
import Testing
import VerityTestSupport

@Suite("Binding parameters and decoding results")
struct QueryBindingTests {
    @Test("interpolated values become numbered parameters, never SQL text")
    func interpolationBinds() {
        let name = "x'; DROP TABLE cases; --"
        let query: Query = "SELECT * FROM t WHERE a = \(name) AND b = \(42)"
        #expect(query.sql == "SELECT * FROM t WHERE a = $1 AND b = $2")
        #expect(query.parameters == [name, "42"])
    }

    @Test("fragments spliced into a query are renumbered")
    func fragmentsRenumber() {
        let filter: Query = "state = \("claimed")"
        let query: Query = "SELECT \(1) WHERE \(filter) AND x = \(true)"
        #expect(query.sql == "SELECT $1 WHERE state = $2 AND x = $3")
        #expect(query.parameters == ["1", "claimed", "t"])
    }

    @Test(
        "hostile strings round-trip byte-exact",
        arguments: [
            "it's \"quoted\"", "a; DROP TABLE x; --", #"back\slash \\ \n"#, "emoji 🧪👩🏽‍⚖️", "rtl \u{202E}txet\u{202C}",
            "line\nbreak\r\ntab\t", "$1 $2 ? %s", String(repeating: "ж", count: 50_000) + "end",
        ])
    func hostileRoundTrip(value: String) throws {
        let db = try TestServer.shared.connect(migrated: false)
        let result = try db.query("SELECT \(value) AS v, length(\(value)) AS n")
        #expect(try result[0].decode("v", as: String.self) == value)
        #expect(try result[0].decode("n", as: Int.self) == value.unicodeScalars.count)
    }

    @Test("a 100 KB value survives a table round trip")
    func largeValue() throws {
        let db = try TestServer.shared.connect(migrated: false)
        let value = String(repeating: "0123456789", count: 10_240)
        try db.query("CREATE TABLE big (v text)")
        try db.query("INSERT INTO big VALUES (\(value))")
        #expect(try db.query("SELECT v FROM big")[0].decode("v", as: String.self) == value)
    }

    @Test("a NUL byte is refused with a clear error before reaching the server")
    func nulRefused() throws {
        let db = try TestServer.shared.connect(migrated: false)
        let error = #expect(throws: PostgresError.self) {
            try db.query("SELECT \("a\u{0}b")")
        }
        #expect(error?.kind == .invalidParameter)
        #expect(error?.message.contains("NUL") == true)
    }

    @Test("NULL decodes into optionals and is refused for non-optionals")
    func nullHandling() throws {
        let db = try TestServer.shared.connect(migrated: false)
        let missing: String? = nil
        let row = try db.query("SELECT \(missing)::text AS a, NULL::int AS b")[0]
        #expect(try row.decode("a", as: String?.self) == nil)
        #expect(try row.decode("b", as: Int?.self) == nil)
        #expect(throws: PostgresError.self) { try row.decode("b", as: Int.self) }
    }

    @Test("typed values decode: integers, booleans, dates, UUIDs and text arrays")
    func typedDecoding() throws {
        let db = try TestServer.shared.connect(migrated: false)
        let when = Date(timeIntervalSince1970: 1_663_495_200.123456)
        let id = UUID()
        let tags = ["izium", "mass grave", "a,b", "quote\"d", "back\\slash", "{brace}", "NULL"]
        let row = try db.query(
            """
            SELECT \(Int64.max) AS big, \(true) AS yes, \(when) AS at, \(id) AS id, \(tags) AS tags,
                   \(CalendarDate("2022-09-18")!) AS day, '{}'::text[] AS none, 2.5::float8 AS real
            """)[0]
        #expect(try row.decode("big", as: Int64.self) == .max)
        #expect(try row.decode("yes", as: Bool.self))
        let decoded = try row.decode("at", as: Date.self)
        #expect(abs(decoded.timeIntervalSince1970 - when.timeIntervalSince1970) < 0.000_001)
        #expect(try row.decode("id", as: UUID.self) == id)
        #expect(try row.decode("tags", as: [String].self) == tags)
        #expect(try row.decode("day", as: CalendarDate.self).description == "2022-09-18")
        #expect(try row.decode("none", as: [String].self) == [])
        #expect(try row.decode("real", as: Double.self) == 2.5)
    }

    @Test("timestamps with offsets parse to the same instant")
    func timestampParsing() {
        let utc = TimestampText.parse("2022-09-18 10:00:00+00")
        #expect(utc == TimestampText.parse("2022-09-18T13:00:00+03:00"))
        #expect(utc == TimestampText.parse("2022-09-18T10:00:00Z"))
        #expect(TimestampText.parse("2022-09-18T05:30:00-04:30") == utc)
        #expect(TimestampText.parse("2022-13-18") == nil)
        #expect(TimestampText.parse("yesterday") == nil)
        #expect(TimestampText.format(utc!) == "2022-09-18T10:00:00Z")
    }

    @Test("asking for a column that is not there names the columns that are")
    func missingColumn() throws {
        let db = try TestServer.shared.connect(migrated: false)
        let row = try db.query("SELECT 1 AS one")[0]
        let error = #expect(throws: PostgresError.self) { try row.decode("two", as: Int.self) }
        #expect(error?.message.contains("one") == true)
    }
}
