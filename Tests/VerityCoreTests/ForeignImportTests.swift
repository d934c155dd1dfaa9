import Foundation
import PostgresClient
import Testing
@testable import VerityCore
import VerityTestSupport

/// Small exports in the real shapes of Atlos and Meedan Check: a byte-order mark, CRLF line
/// ends, a quoted field over two lines, Cyrillic, two sources (one shared by two rows), a
/// sensitive row, a negative coordinate behind Atlos's formula escape, a custom attribute.
enum ForeignFixture {
    static let reviewers = [
        #"{"type":"reviewer","handle":"editor","name":"Desk editor","role":"editor"}"#,
        #"{"type":"reviewer","handle":"analyst","name":"Desk analyst"}"#,
    ]

    static let atlosHeader = "slug,project,inserted_at,updated_at,latitude,longitude,status,assignments,description,date,time,tags,"
        + "geolocation_resolution,more_info,restrictions,sensitive,source_1,source_2,Weapon type"
    static let atlosRows = [
        "ATL-7QK2PD,Ukraine,2022-09-16 09:12:44,2022-09-20 10:00:00,49.2125,37.2569,In Progress,\"alice, bob\","
            + "\"Drone footage shows a mass grave site\nin the forest near Izium\",2022-09-15,14:05,\"Izium, Mass graves\",Exact,"
            + "\"A second angle \"\"confirms\"\" the trees\",,Not Sensitive,https://t.me/example/1234,https://www.youtube.com/watch?v=abc,",
        "ATL-X9M3ZA,Ukraine,2022-09-17 08:00:00.123456,2022-09-17 08:00:00,'-12.5,'-77.03,Completed,,"
            + "Відео показує обстріл лікарні в Харкові,2022-09-14,,Харків,Approximate,,,"
            + "\"Graphic Violence, Personal Information Visible\",https://t.me/example/1234,,'=Artillery",
        "ATL-Q0Q0Q0,Ukraine,2022-09-18 07:00:00,2022-09-18 07:00:00,,,To Do,,A bridge was blown up,,,,,,,Not Sensitive,,,",
    ]

    /// The Atlos file: BOM, CRLF.
    static func atlos(_ rows: [String] = atlosRows) -> String {
        "\u{FEFF}" + ([atlosHeader] + rows).joined(separator: "\r\n") + "\r\n"
    }

    static let checkHeader = "Claim,Item page URL,Status,Created by,Submitted at,Social Media Posted at,Report Published at,"
        + "Number of media,Tags,Where was it filmed?,Source links"
    static let checkRows = [
        "Поезд с беженцами обстрелян под Краматорском,https://checkmedia.org/stopfake/media/48213,False,Olena K.,"
            + "2022-04-08 10:15:00,2022-04-08 09:40:00,2022-04-09 12:00:00,2,\"kramatorsk, railway\",Kramatorsk station,"
            + "\"https://t.me/x/1\nhttps://t.me/x/2\"",
        "A video shows a convoy in Kherson,https://checkmedia.org/stopfake/project/12/media/48214,Unstarted,Ivan P.,"
            + "2022-04-10 08:00:00,,,1,,,",
    ]

    static func check(_ rows: [String] = checkRows) -> String {
        "\u{FEFF}" + ([checkHeader] + rows).joined(separator: "\r\n") + "\r\n"
    }

    static func desk() throws -> Connection {
        let db = try TestServer.shared.connect()
        _ = try ImportFixture.importFile(db, try ImportFixture.lines(reviewers))
        return db
    }

    static func importCSV(_ db: Connection, _ text: String, _ format: ImportFormat, dryRun: Bool = false) throws -> ImportSummary {
        try ImportFixture.importFile(db, try ImportFixture.file(text, suffix: ".csv"), format: format, dryRun: dryRun)
    }

    static func failure(_ text: String, _ format: ImportFormat) throws -> ImportFailure {
        let db = try desk()
        let before = try ImportFixture.counts(db)
        let failure = try #require(throws: ImportFailure.self) { try importCSV(db, text, format) }
        #expect(try ImportFixture.counts(db) == before)
        return failure
    }
}

@Suite("import of Atlos and Meedan Check exports")
struct ForeignImportTests {
    @Test("an Atlos export becomes cases with claims, dates, coordinates, tags, linked sources, states and notes")
    func atlosImport() throws {
        let db = try ForeignFixture.desk()
        let summary = try ForeignFixture.importCSV(db, ForeignFixture.atlos(), .atlosCSV)
        #expect(summary.records == 3)
        #expect(summary.counts("case").created == 3)
        #expect(summary.counts("source").created == 2)  // the Telegram post is in two rows: one source
        #expect(summary.counts("link").created == 3)
        #expect(summary.counts("transition").created == 2)
        let cases = try db.query(
            """
            SELECT ref, claim, claimant, claimed_at::text AS claimed_at, latitude::text AS lat, longitude::text AS lon,
                   array_to_string(tags, '|') AS tags, state, restricted, priority, created_at
              FROM cases ORDER BY ref
            """).rows
        func text(_ row: Int, _ column: String) throws -> String? { try cases[row].decode(column, as: String?.self) }
        #expect(try cases.map { try $0.decode("ref", as: String.self) } == ["ATL-7QK2PD", "ATL-Q0Q0Q0", "ATL-X9M3ZA"])
        #expect(try text(0, "claim") == "Drone footage shows a mass grave site\nin the forest near Izium")
        #expect(try text(0, "claimant") == AtlosCSV.claimant)
        #expect(try text(0, "claimed_at") == "2022-09-15")
        #expect(try text(0, "lat") == "49.212500" && text(0, "lon") == "37.256900")
        #expect(try text(0, "tags") == "izium|mass graves|atlos:in-progress")
        #expect(try text(0, "state") == "evidence-pending")
        #expect(try cases[0].decode("created_at", as: Date.self) == TimestampText.parse("2022-09-16T09:12:44Z"))
        #expect(try text(2, "claim") == "Відео показує обстріл лікарні в Харкові")
        #expect(try text(2, "lat") == "-12.500000" && text(2, "lon") == "-77.030000")
        #expect(try cases[2].decode("restricted", as: Bool.self))
        #expect(try text(2, "tags") == "харків|atlos:completed")
        #expect(try text(1, "state") == "claimed" && text(1, "lat") == nil)
        #expect(try !cases[1].decode("restricted", as: Bool.self))
        // What Verity has no field for is kept, never dropped: one context note per incident.
        let notes = try db.query(
            "SELECT c.ref, n.note, n.stance FROM evidence_notes n JOIN cases c ON c.id = n.case_id ORDER BY c.ref").rows
        #expect(notes.count == 3)
        let first = try notes[0].decode("note", as: String.self)
        for kept in ["project: Ukraine", "status: In Progress", "assignments: alice, bob", "time: 14:05",
                     "geolocation_resolution: Exact", "more_info: A second angle \"confirms\" the trees"] {
            #expect(first.contains(kept), "\(first)")
        }
        let sensitive = try notes[2].decode("note", as: String.self)
        #expect(sensitive.contains("Weapon type: =Artillery") && sensitive.contains("sensitive: Graphic Violence, Personal Information Visible"))
        let reason = try db.query(
            "SELECT h.reason FROM case_history h JOIN cases c ON c.id = h.case_id WHERE c.ref = 'ATL-X9M3ZA' AND h.action = 'restrict'")
        #expect(try reason.first?.decode("reason", as: String.self) == "Atlos marks it sensitive: Graphic Violence, Personal Information Visible")
        let kinds = try db.query("SELECT kind, publisher FROM sources ORDER BY url").rows.map {
            "\(try $0.decode("kind", as: String.self)) \(try $0.decode("publisher", as: String.self))"
        }
        #expect(kinds == ["social-post t.me", "video www.youtube.com"])
        #expect(try Desk(connection: db).verifyHistory().intact)
    }

    @Test("re-importing an Atlos export changes nothing; a dry run writes nothing; a moved pin is recorded")
    func atlosIdempotent() throws {
        let db = try ForeignFixture.desk()
        let empty = try ImportFixture.counts(db)
        let dry = try ForeignFixture.importCSV(db, ForeignFixture.atlos(), .atlosCSV, dryRun: true)
        #expect(dry.counts("case").created == 3)
        #expect(try ImportFixture.counts(db) == empty)
        _ = try ForeignFixture.importCSV(db, ForeignFixture.atlos(), .atlosCSV)
        let after = try ImportFixture.counts(db)
        let again = try ForeignFixture.importCSV(db, ForeignFixture.atlos(), .atlosCSV)
        #expect(again.changedNothing, "\(again)")
        #expect(try ImportFixture.counts(db) == after)
        // The incident's pin moved in Atlos: the case's coordinates change, and its history says from where.
        var rows = ForeignFixture.atlosRows
        rows[0] = rows[0].replacingOccurrences(of: "49.2125,37.2569", with: "49.2130,37.2570")
        let moved = try ForeignFixture.importCSV(db, ForeignFixture.atlos(rows), .atlosCSV)
        #expect(moved.counts("case").updated == 1)
        let update = try #require(try db.query(
            "SELECT details::text AS d FROM case_history WHERE action = 'update' ORDER BY id DESC LIMIT 1").first)
        let details = try update.decode("d", as: String.self)
        #expect(details.contains("\"latitude\": {\"to\": 49.213000, \"from\": 49.212500}"), "\(details)")
        #expect(try Desk(connection: db).verifyHistory().intact)
        // And the export carries them, so that export and import give them back.
        #expect(try ImportFixture.export(db).contains(#""latitude":49.213000,"longitude":37.257000"#))
    }

    @Test("a re-import keeps what the desk set that the export has no field for: claimant, location, priority, due")
    func deskFieldsKept() throws {
        let db = try ForeignFixture.desk()
        _ = try ForeignFixture.importCSV(db, ForeignFixture.atlos(), .atlosCSV)
        _ = try ForeignFixture.importCSV(db, ForeignFixture.check(), .checkCSV)
        try db.execute(unsafeSQL: """
            BEGIN;
            SELECT set_config('verity.actor', 'editor', true), set_config('verity.reason', 'named in the video', true);
            UPDATE cases SET claimant = 'Regional governor', location = 'Izium', priority = 'urgent', due = '2022-10-01'
             WHERE ref IN ('ATL-7QK2PD', 'check-stopfake-48214');
            UPDATE cases SET latitude = 46.6354, longitude = 32.6169, claimed_at = '2022-04-09' WHERE ref = 'check-stopfake-48214';
            COMMIT;
            """)
        let before = try ImportFixture.counts(db)
        #expect(try ForeignFixture.importCSV(db, ForeignFixture.atlos(), .atlosCSV).changedNothing)
        #expect(try ForeignFixture.importCSV(db, ForeignFixture.check(), .checkCSV).changedNothing)
        #expect(try ImportFixture.counts(db) == before)
        let kept = try db.query(
            """
            SELECT ref, claimant, location, priority, due::text AS due, latitude::text AS lat, claimed_at::text AS claimed
              FROM cases WHERE ref IN ('ATL-7QK2PD', 'check-stopfake-48214') ORDER BY ref
            """).rows
        #expect(try kept.map { try $0.decode("claimant", as: String.self) } == ["Regional governor", "Regional governor"])
        #expect(try kept.map { try $0.decode("priority", as: String.self) } == ["urgent", "urgent"])
        #expect(try kept[1].decode("lat", as: String.self) == "46.635400")
        #expect(try kept[1].decode("claimed", as: String.self) == "2022-04-09")
        #expect(try Desk(connection: db).verifyHistory().intact)
    }

    @Test("coordinates are both or neither and within range, in JSON Lines and in the database for hand-written SQL")
    func coordinateRules() throws {
        let db = try ForeignFixture.desk()
        let half = #"{"type":"case","ref":"G-1","claim":"c","claimant":"x","latitude":49.5}"#
        let failure = try #require(throws: ImportFailure.self) {
            try ImportFixture.importFile(db, try ImportFixture.lines(ForeignFixture.reviewers + [half]))
        }
        #expect(failure.issues.map(\.field) == ["longitude"], "\(failure.issues)")
        let far = #"{"type":"case","ref":"G-1","claim":"c","claimant":"x","latitude":49.5,"longitude":181}"#
        let range = try #require(throws: ImportFailure.self) {
            try ImportFixture.importFile(db, try ImportFixture.lines(ForeignFixture.reviewers + [far]))
        }
        #expect(range.issues.map(\.field) == ["longitude"], "\(range.issues)")
        let good = #"{"type":"case","ref":"G-1","claim":"c","claimant":"x","latitude":49.5,"longitude":-0.25}"#
        #expect(try ImportFixture.importFile(db, try ImportFixture.lines(ForeignFixture.reviewers + [good])).counts("case").created == 1)
        for (change, constraint) in [("latitude = 90.5", "case_latitude_range"), ("longitude = NULL", "case_coordinates_paired")] {
            let refused = try #require(throws: PostgresError.self) {
                try db.execute(unsafeSQL: "BEGIN; SELECT set_config('verity.actor', 'editor', true); UPDATE cases SET \(change) WHERE ref = 'G-1'; COMMIT;")
            }
            #expect(refused.constraint == constraint, "\(refused)")
            try db.execute(unsafeSQL: "ROLLBACK")
        }
    }

    @Test("Atlos rows with problems are refused with their line and column, and nothing is written", arguments: [
        ("Maybe", "status"), ("'-91", "latitude"), ("", "latitude"), ("NODESC", "description"), ("BADDATE", "date"),
        ("BADURL", "source_1"),
    ])
    func atlosRefusals(change: String, column: String) throws {
        var rows = ForeignFixture.atlosRows
        switch change {
        case "Maybe": rows[2] = rows[2].replacingOccurrences(of: "To Do", with: "Maybe")
        case "NODESC": rows[2] = rows[2].replacingOccurrences(of: "A bridge was blown up", with: "")
        case "BADDATE": rows[2] = rows[2].replacingOccurrences(of: "blown up,,", with: "blown up,15/09/2022,")
        case "BADURL": rows[2] = rows[2].replacingOccurrences(of: "Not Sensitive,,", with: "Not Sensitive,not a link,")
        default: rows[2] = rows[2].replacingOccurrences(of: "07:00:00,,,", with: "07:00:00,\(change),37.1,")
        }
        let failure = try ForeignFixture.failure(ForeignFixture.atlos(rows), .atlosCSV)
        let issue = try #require(failure.issues.first)
        // Line 5: the header is line 1 and the first row's description spans lines 2 and 3.
        #expect(issue.line == 5, "\(failure.issues)")
        #expect(issue.field == column, "\(failure.issues)")
    }

    @Test("a file that is not an Atlos export is refused by its header")
    func atlosHeader() throws {
        let failure = try ForeignFixture.failure("ref,claim,claimant\nX-1,c,d\n", .atlosCSV)
        #expect(failure.issues.map(\.field) == ["header", "header"])
        #expect(failure.issues.allSatisfy { $0.line == 1 })
    }

    @Test("a Check export becomes cases named by their items, with the page as a source and the rest in a note")
    func checkImport() throws {
        let db = try ForeignFixture.desk()
        let summary = try ForeignFixture.importCSV(db, ForeignFixture.check(), .checkCSV)
        #expect(summary.counts("case").created == 2)
        #expect(summary.counts("source").created == 2)
        #expect(summary.counts("evidence").created == 2)
        #expect(summary.counts("transition").created == 1)
        let cases = try db.query(
            "SELECT ref, claim, claimed_at::text AS claimed_at, state, array_to_string(tags, '|') AS tags, created_at FROM cases ORDER BY ref").rows
        #expect(try cases.map { try $0.decode("ref", as: String.self) } == ["check-stopfake-48213", "check-stopfake-48214"])
        #expect(try cases[0].decode("claim", as: String.self) == "Поезд с беженцами обстрелян под Краматорском")
        #expect(try cases[0].decode("claimed_at", as: String.self) == "2022-04-08")
        #expect(try cases[0].decode("state", as: String.self) == "evidence-pending")
        #expect(try cases[0].decode("tags", as: String.self) == "kramatorsk|railway")
        #expect(try cases[0].decode("created_at", as: Date.self) == TimestampText.parse("2022-04-08T10:15:00Z"))
        #expect(try cases[1].decode("state", as: String.self) == "claimed")
        let note = try #require(try db.query(
            "SELECT n.note FROM evidence_notes n JOIN cases c ON c.id = n.case_id WHERE c.ref = 'check-stopfake-48213'").first)
        let text = try note.decode("note", as: String.self)
        for kept in ["Status: False", "Created by: Olena K.", "Report Published at: 2022-04-09 12:00:00", "Number of media: 2",
                     "Where was it filmed?: Kramatorsk station", "Source links: https://t.me/x/1\nhttps://t.me/x/2"] {
            #expect(text.contains(kept), "\(text)")
        }
        let again = try ForeignFixture.importCSV(db, ForeignFixture.check(), .checkCSV)
        #expect(again.changedNothing, "\(again)")
        #expect(try Desk(connection: db).verifyHistory().intact)
    }

    @Test("Check rows with problems are refused with their line and column", arguments: [
        ("https://checkmedia.org/stopfake/project/12/media/48214", "https://example.org/x", "Item page URL"),
        ("A video shows a convoy in Kherson,", ",", "Claim"),
        ("2022-04-10 08:00:00,,,", "2022-04-10 08:00:00,April,,", "Social Media Posted at"),
        (",1,,,", ",one,,,", "Number of media"),
    ])
    func checkRefusals(from: String, to: String, column: String) throws {
        var rows = ForeignFixture.checkRows
        rows[1] = rows[1].replacingOccurrences(of: from, with: to)
        let failure = try ForeignFixture.failure(ForeignFixture.check(rows), .checkCSV)
        let issue = try #require(failure.issues.first)
        #expect(issue.line == 4, "\(failure.issues)")
        #expect(issue.field == column, "\(failure.issues)")
    }
}
