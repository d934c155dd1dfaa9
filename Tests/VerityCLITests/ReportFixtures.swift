import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// Writes a desk's history at chosen instants, through the same tables and
/// triggers as Verity, with `verity.at` set as an import would. Each step is
/// its own transaction, like a reviewer's command.
struct HistoryWriter {
    let db: Connection

    @discardableResult
    func at(_ instant: String, as actor: String = "editor", reason: String? = nil, _ statement: Query) throws -> ResultSet {
        try db.transaction { db in
            try db.query(
                """
                SELECT set_config('verity.actor', \(actor), true), set_config('verity.at', \(instant), true),
                       set_config('verity.reason', \(reason ?? ""), true)
                """)
            return try db.query(statement)
        }
    }

    func reviewers() throws {
        try db.query(
            """
            INSERT INTO reviewers (handle, name, role) VALUES
                ('editor', 'Olena Editor', 'editor'), ('alice', 'Alice Analyst', 'reviewer'), ('bob', 'Bob Researcher', 'reviewer')
            """)
    }

    func open(_ instant: String, ref: String?, claim: String, claimant: String, tags: [String] = [], due: CalendarDate? = nil,
              claimedAt: CalendarDate? = nil) throws -> Int {
        try at(
            instant,
            """
            INSERT INTO cases (ref, claim, claimant, claimed_at, tags, due)
            VALUES (\(ref), \(claim), \(claimant), \(claimedAt), \(tags), \(due)) RETURNING id
            """)[0].decode("id")
    }

    func move(_ instant: String, _ id: Int, to state: String, reason: String? = nil) throws {
        try at(instant, reason: reason, "UPDATE cases SET state = \(state) WHERE id = \(id)")
    }

    func assess(_ instant: String, _ id: Int, verdict: String, confidence: Int, rationale: String = "the evidence") throws {
        try at(
            instant,
            """
            UPDATE cases SET state = 'assessed', verdict = \(verdict), confidence = \(confidence), rationale = \(rationale)
             WHERE id = \(id)
            """)
    }

    func assign(_ instant: String, _ id: Int, _ handle: String, lead: Bool = false) throws {
        try at(
            instant,
            """
            INSERT INTO case_assignments (case_id, reviewer_id, is_lead)
            SELECT \(id), r.id, \(lead) FROM reviewers r WHERE r.handle = \(handle)
            """)
    }

    func unassign(_ instant: String, _ id: Int, _ handle: String) throws {
        try at(
            instant,
            "DELETE FROM case_assignments a USING reviewers r WHERE a.reviewer_id = r.id AND a.case_id = \(id) AND r.handle = \(handle)")
    }

    func evidence(_ instant: String, _ id: Int, stance: String = "refutes", credibility: Int = 2, source: Int? = nil) throws {
        try at(
            instant,
            """
            INSERT INTO evidence_notes (case_id, source_id, author_id, stance, credibility, note)
            VALUES (\(id), \(source), verity_actor_id(), \(stance), \(credibility), 'satellite images of the site')
            """)
    }

    func setDue(_ instant: String, _ id: Int, _ due: CalendarDate?) throws {
        try at(instant, "UPDATE cases SET due = \(due) WHERE id = \(id)")
    }

    func setTags(_ instant: String, _ id: Int, _ tags: [String]) throws {
        try at(instant, "UPDATE cases SET tags = \(tags) WHERE id = \(id)")
    }

    func source(_ instant: String, url: String, title: String, publisher: String, reliability: String, sha: String? = nil,
                linkTo id: Int) throws -> Int {
        let sourceID: Int = try at(
            instant,
            """
            INSERT INTO sources (url, title, publisher, reliability, kind, published_at, file_name, file_sha256, added_by)
            VALUES (\(url), \(title), \(publisher), \(reliability), 'article', DATE '2022-09-16',
                    \(sha == nil ? nil : "frame.png"), \(sha), verity_actor_id())
            RETURNING id
            """)[0].decode("id")
        try at(instant, "INSERT INTO case_sources (case_id, source_id) VALUES (\(id), \(sourceID))")
        return sourceID
    }
}

/// The Izium desk of September 2022 that the report tests read, with history
/// at known instants (all UTC).
struct IziumDesk: Sendable {
    let url: String
    var ids: [String: Int] = [:]

    /// A connection to the desk's database, for the test's own SQL.
    func connect() throws -> Connection { try Connection(url) }

    /// One desk shared by the tests that only read it (made once, on first use).
    static func shared() throws -> IziumDesk {
        try sharedLock.withLock {
            if let made = sharedDesk.value { return made }
            let made = try make()
            sharedDesk.value = made
            return made
        }
    }

    private static let sharedLock = NSLock()
    private static let sharedDesk = SharedBox()

    static let hostileClaim = "<script>alert(1)</script> & \"quotes\" 'single' | pipe"

    static func make() throws -> IziumDesk {
        let url = try TestServer.shared.makeDatabase()
        let db = try Connection(url)
        let w = HistoryWriter(db: db)
        var desk = IziumDesk(url: url)
        try w.reviewers()
        let old = try w.open(
            "2022-08-01T09:00:00Z", ref: nil, claim: "Old claim about Balakliia", claimant: "Unknown channel", tags: ["kharkiv"])
        try w.move("2022-08-02T09:00:00Z", old, to: "evidence-pending")
        try w.evidence("2022-08-05T09:00:00Z", old, stance: "context", credibility: 6)
        try w.assess("2022-08-10T09:00:00Z", old, verdict: "unverifiable", confidence: 6)
        desk.ids["old"] = old

        let c1 = try w.open(
            "2022-09-16T10:00:00Z", ref: "IZY-001", claim: "As of today, there are 450 dead people", claimant: "Volodymyr Zelensky",
            tags: ["izium"], due: CalendarDate("2022-09-25"), claimedAt: CalendarDate("2022-09-16"))
        try w.assign("2022-09-16T11:00:00Z", c1, "alice", lead: true)
        try w.move("2022-09-16T12:00:00Z", c1, to: "disputed", reason: "Kremlin spokesman: it's a lie")
        try w.move("2022-09-18T09:00:00Z", c1, to: "evidence-pending")
        _ = try w.source(
            "2022-09-18T09:30:00Z", url: "https://example.org/izium-graves", title: "Graves in Izium forest",
            publisher: "Example Wire", reliability: "B", sha: String(repeating: "ab", count: 32), linkTo: c1)
        try w.evidence("2022-09-19T10:00:00Z", c1, stance: "supports", credibility: 2)
        try w.assess("2022-09-21T15:00:00Z", c1, verdict: "mostly-true", confidence: 2)
        desk.ids["c1"] = c1

        let c2 = try w.open(
            "2022-09-16T14:00:00Z", ref: "IZY-002", claim: "It's a lie", claimant: "Kremlin press office",
            tags: ["izium", "kremlin"], due: CalendarDate("2022-09-20"), claimedAt: CalendarDate("2022-09-16"))
        try w.assign("2022-09-17T08:00:00Z", c2, "bob")
        try w.move("2022-09-17T09:00:00Z", c2, to: "evidence-pending")
        try w.unassign("2022-09-19T12:00:00Z", c2, "bob")
        try w.assign("2022-09-19T12:30:00Z", c2, "alice")
        desk.ids["c2"] = c2

        let c3 = try w.open(
            "2022-09-17T10:00:00Z", ref: "IZY-003", claim: "A mass grave with 440 bodies", claimant: "Oleh Syniehubov",
            tags: ["izium"], due: CalendarDate("2022-09-30"))
        try w.move("2022-09-17T16:00:00Z", c3, to: "disputed", reason: "numbers differ between officials")
        try w.setDue("2022-09-18T10:00:00Z", c3, CalendarDate("2022-09-19"))
        try w.setTags("2022-09-23T10:00:00Z", c3, ["izium", "graves"])
        desk.ids["c3"] = c3

        let c4 = try w.open("2022-09-18T08:00:00Z", ref: "IZY-004", claim: hostileClaim, claimant: "Anonymous <b>channel</b>")
        try w.move("2022-09-18T09:00:00Z", c4, to: "evidence-pending")
        try w.evidence("2022-09-18T12:00:00Z", c4, stance: "refutes", credibility: 3)
        try w.assess("2022-09-19T18:00:00Z", c4, verdict: "false", confidence: 3)
        try w.move("2022-09-22T10:00:00Z", c4, to: "evidence-pending", reason: "new footage")
        try w.assign("2022-09-22T10:05:00Z", c4, "bob", lead: true)
        desk.ids["c4"] = c4

        let c5 = try w.open(
            "2022-09-22T09:00:00Z", ref: "KHA-005", claim: "Torture chambers found in Balakliia", claimant: "Ministry of Internal Affairs",
            tags: ["kharkiv"], due: CalendarDate("2022-09-23"))
        try w.assign("2022-09-22T09:30:00Z", c5, "bob")
        desk.ids["c5"] = c5
        return desk
    }
}

private final class SharedBox: @unchecked Sendable {
    var value: IziumDesk?
}
