import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// "Make the whole record verifiable" (issue 17), continued from `RecordTamperTests`: the
/// assignments, links between cases, four-eyes proposals, chains of custody and the text of
/// evidence notes, each changed by a superuser around the triggers, are named by `audit verify`
/// (table, id, field); the head covers every chain of custody, so a deleted last event is caught
/// against an anchored head.
@Suite("Adversarial: superuser tampering with assignments, case links, proposals, custody, note text")
struct CaseRowTamperTests {
    struct Fixture {
        var desk: Desk
        var url: String
        var assessed: Int
        var open: Int
        var source: Int
        var link: Int
        var rejected: Int
        var pending: Int
        var handOver: Int
    }

    /// `RecordTamperTests.makeDesk`, plus: analyst assigned as lead of the open case; the open case
    /// related to the assessed one and then marked a duplicate of it; under four-eyes a proposal
    /// for the open case rejected and a second one pending; the source's file handed over.
    static func makeDesk() throws -> Fixture {
        let (desk, url, assessed, open, source) = try RecordTamperTests.makeDesk()
        try desk.addReviewer(handle: "analyst", name: "Analyst", email: nil, role: .reviewer)
        try desk.addReviewer(handle: "second", name: "Second editor", email: nil, role: .editor)
        _ = try desk.assign(.id(open), reviewer: "analyst", lead: true, as: "editor")
        _ = try desk.assign(.id(open), reviewer: "editor", lead: false, as: "editor")
        try desk.link(.id(open), to: .id(assessed), as: .related, reason: "same bridge", by: "editor")
        _ = try desk.unlink(.id(open), from: .id(assessed), as: .related, reason: "different bridge", by: "editor")
        let link = try desk.link(.id(open), to: .id(assessed), as: .duplicateOf, reason: "  same claim  ", by: "editor").id
        _ = try desk.setFourEyes(true, as: "editor")
        try desk.addEvidence(to: .id(open), stance: .supports, credibility: 3, note: "footage of the dam", source: nil, as: "analyst")
        try desk.move(.id(open), to: .evidencePending, reason: nil, as: "editor")
        guard case .proposed(let first, _) = try desk.assess(.id(open), Assessment(verdict: .true, confidence: 3, rationale: "footage"), as: "analyst")
        else { throw VerityError(.failure, "four-eyes did not propose") }
        _ = try desk.rejectProposal(.id(open), reason: "footage is old", as: "second")
        guard case .proposed(let second, _) = try desk.assess(.id(open), Assessment(verdict: .mixed, confidence: 4, rationale: "partly"), as: "analyst")
        else { throw VerityError(.failure, "four-eyes did not propose") }
        let handOver = try desk.recordCustody(
            source: source, event: .handedOver, to: "archive", filePath: nil, copy: nil, tool: nil, note: "to the archive",
            at: nil, as: "editor").id
        return Fixture(desk: desk, url: url, assessed: assessed, open: open, source: source, link: link,
                       rejected: first.id, pending: second.id, handOver: handOver)
    }

    func verify(_ fixture: Fixture, expectedHead: String? = nil) throws -> (HistoryAuditReport, [String]) {
        let report = try fixture.desk.verifyHistory(expectedHead: expectedHead, chunkSize: 3)
        return (report, RecordTamperTests.altered(report))
    }

    @Test("a desk with assignments, links, unlinks, proposals, decisions and custody events replays to its rows")
    func untouchedDeskIsIntact() throws {
        let fixture = try Self.makeDesk()
        let (report, problems) = try verify(fixture)
        #expect(report.intact, "\(problems) \(report.problems.map(\.message))")
        #expect(report.custodyEventsChecked == 2)
        #expect(report.notesWithoutDigest == 0)
        let sqlHead: String = try fixture.desk.db.query("SELECT verity_history_head() AS h")[0].decode("h")
        #expect(report.headHash == sqlHead)
        #expect(try fixture.desk.historyHead() == sqlHead)
    }

    @Test("an assignment's lead flag changed, one planted, or one deleted around the triggers is named", arguments: [
        ("UPDATE case_assignments SET is_lead = false WHERE reviewer_id = (SELECT id FROM reviewers WHERE handle = 'analyst')",
         "case_assignments OPEN is_lead row-altered", "reviewer analyst"),
        ("INSERT INTO case_assignments (case_id, reviewer_id, assigned_by) SELECT OPEN, id, id FROM reviewers WHERE handle = 'second'",
         "case_assignments OPEN - unrecorded", "reviewer second"),
        ("DELETE FROM case_assignments WHERE reviewer_id = (SELECT id FROM reviewers WHERE handle = 'analyst')",
         "case_assignments OPEN - row-missing", "reviewer analyst"),
    ])
    func assignmentTampering(sql: String, expected: String, label: String) throws {
        let fixture = try Self.makeDesk()
        try RecordTamperTests.tamper(fixture.url, sql.replacingOccurrences(of: "OPEN", with: "\(fixture.open)"))
        let (report, problems) = try verify(fixture)
        #expect(problems.contains(expected.replacingOccurrences(of: "OPEN", with: "\(fixture.open)")), "\(problems)")
        #expect(report.problems.contains { $0.table == "case_assignments" && $0.detail.hasPrefix(label) },
                "\(report.problems.map(\.message))")
    }

    @Test("a case link's kind, cases, reason or unlinking changed, or a link planted or deleted, is named", arguments: [
        ("UPDATE case_links SET kind = 'contradicts' WHERE id = LINK", "case_links LINK kind row-altered"),
        ("UPDATE case_links SET other_id = case_id, case_id = other_id WHERE id = LINK", "case_links LINK case_id row-altered"),
        ("UPDATE case_links SET reason = 'no reason' WHERE id = LINK", "case_links LINK reason row-altered"),
        ("UPDATE case_links SET unlinked_at = now(), unlinked_by = 1, unlink_reason = 'quietly' WHERE id = LINK",
         "case_links LINK unlinked row-altered"),
        ("UPDATE case_links SET unlinked_at = NULL, unlinked_by = NULL, unlink_reason = NULL WHERE id <> LINK",
         "case_links 1 unlinked row-altered"),
        ("DELETE FROM case_links WHERE id = LINK", "case_links LINK - row-missing"),
        ("INSERT INTO case_links (case_id, other_id, kind, reason, linked_by) VALUES (ASSESSED, OPEN, 'supersedes', 'planted', 1)",
         "case_links NEXT - unrecorded"),
    ])
    func caseLinkTampering(sql: String, expected: String) throws {
        let fixture = try Self.makeDesk()
        func fill(_ text: String) -> String {
            text.replacingOccurrences(of: "LINK", with: "\(fixture.link)").replacingOccurrences(of: "NEXT", with: "\(fixture.link + 1)")
                .replacingOccurrences(of: "ASSESSED", with: "\(fixture.assessed)").replacingOccurrences(of: "OPEN", with: "\(fixture.open)")
        }
        try RecordTamperTests.tamper(fixture.url, fill(sql))
        let (report, problems) = try verify(fixture)
        #expect(!report.intact)
        #expect(problems.contains(fill(expected)), "\(problems)")
    }

    @Test("a proposal's verdict, state, decision reason or decider changed, or a proposal planted or deleted, is named", arguments: [
        ("UPDATE verdict_proposals SET verdict = 'false' WHERE id = PENDING", "verdict_proposals PENDING verdict row-altered"),
        ("UPDATE verdict_proposals SET confidence = 1 WHERE id = PENDING", "verdict_proposals PENDING confidence row-altered"),
        ("UPDATE verdict_proposals SET state = 'signed-off', decided_by = 1, decided_at = now() WHERE id = PENDING",
         "verdict_proposals PENDING state row-altered"),
        ("UPDATE verdict_proposals SET reason = 'looked fine' WHERE id = REJECTED", "verdict_proposals REJECTED reason row-altered"),
        ("UPDATE verdict_proposals SET decided_by = 1 WHERE id = REJECTED", "verdict_proposals REJECTED decided_by row-altered"),
        ("DELETE FROM verdict_proposals WHERE id = REJECTED", "verdict_proposals REJECTED - row-missing"),
        ("INSERT INTO verdict_proposals (case_id, verdict, confidence, rationale, proposed_by, state, decided_by, decided_at) "
            + "VALUES (ASSESSED, 'true', 1, 'planted', 1, 'signed-off', 1, now())", "verdict_proposals NEXT - unrecorded"),
    ])
    func proposalTampering(sql: String, expected: String) throws {
        let fixture = try Self.makeDesk()
        func fill(_ text: String) -> String {
            text.replacingOccurrences(of: "PENDING", with: "\(fixture.pending)").replacingOccurrences(of: "REJECTED", with: "\(fixture.rejected)")
                .replacingOccurrences(of: "NEXT", with: "\(fixture.pending + 1)").replacingOccurrences(of: "ASSESSED", with: "\(fixture.assessed)")
        }
        try RecordTamperTests.tamper(fixture.url, fill(sql))
        let (report, problems) = try verify(fixture)
        #expect(!report.intact)
        #expect(problems.contains(fill(expected)), "\(problems)")
    }

    @Test("a custody event's holder, time, tool or note changed is caught by its chain; one deleted breaks the chain")
    func custodyTampering() throws {
        for sql in [
            "UPDATE source_custody_events SET to_holder = 'mallory' WHERE id = EVENT",
            "UPDATE source_custody_events SET at = at - interval '1 day' WHERE id = EVENT",
            "UPDATE source_custody_events SET tool = 'forged' WHERE id = EVENT",
            "UPDATE source_custody_events SET note = 'forged', from_holder = 'nobody' WHERE id = EVENT",
            "UPDATE source_custody_events SET event = 'handed-over', to_holder = 'archive2' WHERE id = EVENT",
        ] {
            let fixture = try Self.makeDesk()
            try RecordTamperTests.tamper(fixture.url, sql.replacingOccurrences(of: "EVENT", with: "\(fixture.handOver)"))
            let (_, problems) = try verify(fixture)
            #expect(problems.contains("source_custody_events \(fixture.handOver) - altered"), "\(sql): \(problems)")
        }
        // The collection deleted: the hand-over is now first, and points at a hash that is gone.
        let fixture = try Self.makeDesk()
        try RecordTamperTests.tamper(fixture.url, "DELETE FROM source_custody_events WHERE event = 'collected'")
        let (_, problems) = try verify(fixture)
        #expect(problems.contains("source_custody_events \(fixture.handOver) - seq-gap"), "\(problems)")
    }

    @Test("a source's collected hash changed with its record chain re-hashed to match is caught by its chain of custody")
    func collectedHashAgainstCustody() throws {
        let fixture = try Self.makeDesk()
        // The superuser appends a record_history row that agrees (hashed as the trigger would), so only custody disagrees.
        try RecordTamperTests.tamper(fixture.url, """
            UPDATE sources SET file_sha256 = repeat('c', 64) WHERE id = \(fixture.source);
            INSERT INTO record_history (table_name, row_id, seq, at, actor, db_user, action, fields, prev_hash, hash)
            SELECT 'sources', s.id, l.seq + 1, now(), 'editor', 'postgres', 'update', to_jsonb(s) - 'search', l.hash,
                   verity_record_hash('sources', s.id, l.seq + 1, now(), 'editor', 'postgres', 'update', to_jsonb(s) - 'search', l.hash)
              FROM sources s, LATERAL (SELECT h.seq, h.hash FROM record_history h WHERE h.table_name = 'sources' AND h.row_id = s.id
                                        ORDER BY h.seq DESC LIMIT 1) l
             WHERE s.id = \(fixture.source);
            """)
        let (report, problems) = try verify(fixture)
        #expect(problems == ["sources \(fixture.source) file_sha256 row-altered"], "\(report.problems.map(\.message))")
    }

    @Test("deleting the last event of a chain of custody is caught against the anchored head")
    func custodyTailDeletion() throws {
        let fixture = try Self.makeDesk()
        let anchored = try fixture.desk.historyHead()
        #expect(try verify(fixture, expectedHead: anchored).0.intact)
        try RecordTamperTests.tamper(fixture.url, "DELETE FROM source_custody_events WHERE id = \(fixture.handOver)")
        #expect(try verify(fixture).0.intact)  // the chain that is left is consistent
        let (report, problems) = try verify(fixture, expectedHead: anchored)
        #expect(report.problems.contains { $0.kind == .headMismatch }, "\(problems)")
        let sqlHead: String = try fixture.desk.db.query("SELECT verity_history_head() AS h")[0].decode("h")
        #expect(sqlHead != anchored)
    }

    @Test("an evidence note's text rewritten around the triggers is named by its digest")
    func noteTextTampering() throws {
        let fixture = try Self.makeDesk()
        let noteID: Int = try fixture.desk.db.query("SELECT min(id)::bigint AS id FROM evidence_notes")[0].decode("id")
        try RecordTamperTests.tamper(fixture.url, "UPDATE evidence_notes SET note = 'the bridge was destroyed' WHERE id = \(noteID)")
        let (report, problems) = try verify(fixture)
        #expect(problems == ["evidence_notes \(noteID) note_sha256 row-altered"], "\(report.problems.map(\.message))")
        #expect(report.problems.first?.message.contains("evidence_notes id \(noteID), field note_sha256") == true)
    }

    @Test("an assignment keeps its case and reviewer: moving it to another reviewer is refused, even for the owner")
    func assignmentKeepsItsKeys() throws {
        let fixture = try Self.makeDesk()
        try fixture.desk.db.execute(unsafeSQL: "SELECT set_config('verity.actor', 'editor', false)")
        let error = #expect(throws: PostgresError.self) {
            try fixture.desk.db.execute(unsafeSQL: """
                UPDATE case_assignments SET reviewer_id = (SELECT id FROM reviewers WHERE handle = 'second')
                 WHERE case_id = \(fixture.open) AND reviewer_id = (SELECT id FROM reviewers WHERE handle = 'analyst')
                """)
        }
        #expect(error?.sqlState == SQLState("VR004"), "\(String(describing: error))")
        #expect(try verify(fixture).0.intact)
    }
}
