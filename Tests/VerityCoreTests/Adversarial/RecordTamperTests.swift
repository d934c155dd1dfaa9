import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// "Make the whole record verifiable" (issue 17): a superuser who changes a
/// row around the triggers (session_replication_role = replica skips them) is
/// caught by `audit verify`, which replays every case's chain and compares each
/// source and reviewer with its record chain (sql/definitions/20_history_chain.sql), naming table, id and field.
@Suite("Adversarial: superuser tampering with the record")
struct RecordTamperTests {
    /// An assessed case with evidence, a second case, a source with a collected file.
    static func makeDesk() throws -> (desk: Desk, url: String, assessed: Int, open: Int, source: Int) {
        let url = try TestServer.shared.makeDatabase()
        let desk = Desk(connection: try Connection(url))
        try desk.addReviewer(handle: "editor", name: "Editor", email: nil, role: .editor)
        let assessed = try desk.openCase(CaseDraft(claim: "Bridge destroyed in Izium", claimant: "Governor"), as: "editor").id
        let open = try desk.openCase(CaseDraft(claim: "Dam breached", claimant: "Ministry"), as: "editor").id
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("verity-tamper-\(UUID().uuidString).bin")
        try Data("satellite image".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var draft = SourceDraft(url: "https://example.org/satellite", title: "Satellite image", publisher: "Maxar")
        draft.filePath = file.path
        let source = try desk.addSource(draft, linkTo: [.id(assessed)], as: "editor").id
        try desk.addEvidence(to: .id(assessed), stance: .refutes, credibility: 2, note: "bridge intact", source: source, as: "editor")
        try desk.move(.id(assessed), to: .evidencePending, reason: nil, as: "editor")
        _ = try desk.assess(.id(assessed), Assessment(verdict: .false, confidence: 2, rationale: "imagery"), as: "editor")
        return (desk, url, assessed, open, source)
    }

    static func tamper(_ url: String, _ sql: String) throws {
        try Connection(url).execute(unsafeSQL: "SET session_replication_role = replica; \(sql)")
    }

    /// The problems of a failed verification, as (table, id, field) for the assertions.
    static func altered(_ report: HistoryAuditReport) -> [String] {
        report.problems.map { "\($0.table ?? "-") \($0.rowID.map(String.init) ?? "-") \($0.field ?? "-") \($0.kind.rawValue)" }
    }

    @Test("an untouched desk replays to its current rows")
    func untouchedDeskIsIntact() throws {
        let (desk, _, _, _, _) = try Self.makeDesk()
        let report = try desk.verifyHistory(chunkSize: 2)
        #expect(report.intact, "\(report.problems.map(\.message))")
        #expect(report.recordRowsChecked >= 2)  // the reviewer and the source
        let sqlHead: String = try desk.db.query("SELECT verity_history_head() AS h")[0].decode("h")
        #expect(report.headHash == sqlHead)
        #expect(try desk.historyHead() == sqlHead)
    }

    @Test("a case's state, verdict, confidence, rationale, claim fields or restriction changed around the triggers is named",
          arguments: [
              ("verdict", "UPDATE cases SET verdict = 'true' WHERE id = ASSESSED"),
              ("confidence", "UPDATE cases SET confidence = 6 WHERE id = ASSESSED"),
              ("rationale", "UPDATE cases SET rationale = 'no reason' WHERE id = ASSESSED"),
              ("state", "UPDATE cases SET state = 'disputed' WHERE id = OPEN"),
              ("claim", "UPDATE cases SET claim = 'Dam intact' WHERE id = OPEN"),
              ("claimant", "UPDATE cases SET claimant = 'Someone' WHERE id = OPEN"),
              ("tags", "UPDATE cases SET tags = '{x}' WHERE id = OPEN"),
              ("restricted", "UPDATE cases SET restricted = true WHERE id = OPEN"),
          ])
    func caseFieldTampering(field: String, sql: String) throws {
        let (desk, url, assessed, open, _) = try Self.makeDesk()
        let isAssessed = sql.contains("ASSESSED")
        try Self.tamper(url, sql.replacingOccurrences(of: "ASSESSED", with: "\(assessed)").replacingOccurrences(of: "OPEN", with: "\(open)"))
        let report = try desk.verifyHistory()
        #expect(!report.intact)
        let id = isAssessed ? assessed : open
        #expect(Self.altered(report).contains("cases \(id) \(field) row-altered"), "\(Self.altered(report))")
    }

    @Test("a source's collected hash or URL changed around the triggers is named")
    func sourceTampering() throws {
        let (desk, url, _, _, source) = try Self.makeDesk()
        try Self.tamper(url, "UPDATE sources SET file_sha256 = repeat('a', 64), url = 'https://evil.example/x' WHERE id = \(source)")
        let report = try desk.verifyHistory()
        #expect(!report.intact)
        #expect(Self.altered(report).contains("sources \(source) file_sha256 row-altered"), "\(Self.altered(report))")
        #expect(Self.altered(report).contains("sources \(source) url row-altered"), "\(Self.altered(report))")
        #expect(report.problems.first?.message.contains("sources id \(source), field") == true)
    }

    @Test("a source or reviewer written around the triggers has no chain, and one deleted leaves its chain behind")
    func unrecordedAndMissingRecords() throws {
        let (desk, url, _, _, source) = try Self.makeDesk()
        try Self.tamper(url, """
            INSERT INTO sources (url, title, publisher) VALUES ('https://example.org/planted', 'Planted', 'Nobody');
            DELETE FROM evidence_notes; DELETE FROM case_sources; DELETE FROM source_custody_events;
            DELETE FROM sources WHERE id = \(source);
            """)
        let report = try desk.verifyHistory()
        #expect(report.problems.contains { $0.table == "sources" && $0.kind == .unrecorded })
        #expect(report.problems.contains { $0.table == "sources" && $0.rowID == source && $0.kind == .rowMissing })
    }

    @Test("deleting the last history row of a case, or of a record chain, is caught against the anchored head")
    func tailDeletion() throws {
        let (desk, url, assessed, open, source) = try Self.makeDesk()
        let anchored = try desk.historyHead()
        #expect(try desk.verifyHistory(expectedHead: anchored).intact)
        // The open case's only row is its opening; delete the assessed case's last row (the assessment) and
        // put the case back as it was before, so the replay agrees: only the head shows it.
        try Self.tamper(url, """
            DELETE FROM case_history WHERE case_id = \(assessed) AND seq = (SELECT max(seq) FROM case_history WHERE case_id = \(assessed));
            UPDATE cases SET state = 'evidence-pending', verdict = NULL, confidence = NULL, rationale = NULL WHERE id = \(assessed);
            """)
        let alone = try desk.verifyHistory()
        #expect(alone.intact, "\(alone.problems.map(\.message))")
        let anchoredCheck = try desk.verifyHistory(expectedHead: anchored)
        #expect(!anchoredCheck.intact)
        #expect(anchoredCheck.problems.contains { $0.kind == .headMismatch })
        _ = open
        // A record chain's tail: a source updated, then the update's row and the change removed.
        let second = try desk.historyHead()
        try desk.db.execute(unsafeSQL: "SELECT set_config('verity.actor', 'editor', false)")
        try desk.db.execute(unsafeSQL: "UPDATE sources SET title = 'Satellite image (cropped)' WHERE id = \(source)")
        let third = try desk.historyHead()
        #expect(third != second)
        try Self.tamper(url, """
            DELETE FROM record_history WHERE table_name = 'sources' AND row_id = \(source)
               AND seq = (SELECT max(seq) FROM record_history WHERE table_name = 'sources' AND row_id = \(source));
            UPDATE sources SET title = 'Satellite image' WHERE id = \(source);
            """)
        #expect(try desk.verifyHistory().intact)
        let caught = try desk.verifyHistory(expectedHead: third)
        #expect(caught.problems.contains { $0.kind == .headMismatch })
    }

    @Test("a record chain's row altered in place is caught by its hash")
    func recordRowAltered() throws {
        let (desk, url, _, _, source) = try Self.makeDesk()
        try Self.tamper(url, """
            UPDATE record_history SET fields = jsonb_set(fields, '{url}', '"https://evil.example/x"'), actor = 'nobody'
             WHERE table_name = 'sources' AND row_id = \(source);
            UPDATE sources SET url = 'https://evil.example/x' WHERE id = \(source);
            """)
        let report = try desk.verifyHistory()
        #expect(report.problems.contains { $0.table == "sources" && $0.rowID == source && $0.kind == .altered },
                "\(report.problems.map(\.message))")
    }

    @Test("an evidence note's stance, credibility, source or retraction changed around the triggers is named", arguments: [
        ("stance", "UPDATE evidence_notes SET stance = 'supports'"),
        ("credibility", "UPDATE evidence_notes SET credibility = 1"),
        ("source_id", "UPDATE evidence_notes SET source_id = NULL"),
        ("retracted", "UPDATE evidence_notes SET retracted_at = now(), retracted_by = 1, retraction_reason = 'hidden'"),
    ])
    func evidenceTampering(field: String, sql: String) throws {
        let (desk, url, _, _, _) = try Self.makeDesk()
        try Self.tamper(url, sql)
        let report = try desk.verifyHistory()
        #expect(!report.intact)
        #expect(Self.altered(report).contains("evidence_notes 1 \(field) row-altered"), "\(Self.altered(report))")
    }

    @Test("an evidence note or a source link planted or deleted around the triggers is named")
    func plantedAndDeletedCaseRows() throws {
        let (desk, url, assessed, open, source) = try Self.makeDesk()
        try Self.tamper(url, """
            INSERT INTO evidence_notes (case_id, author_id, stance, credibility, note) VALUES (\(open), 1, 'supports', 1, 'planted');
            INSERT INTO case_sources (case_id, source_id, linked_by) VALUES (\(open), \(source), 1);
            """)
        var problems = Self.altered(try desk.verifyHistory())
        #expect(problems.contains("evidence_notes 2 - unrecorded"), "\(problems)")
        #expect(problems.contains("case_sources \(open) - unrecorded"), "\(problems)")
        let (other, otherURL, otherAssessed, _, _) = try Self.makeDesk()
        try Self.tamper(otherURL, "DELETE FROM evidence_notes; DELETE FROM case_sources;")
        problems = Self.altered(try other.verifyHistory())
        #expect(problems.contains("evidence_notes 1 - row-missing"), "\(problems)")
        #expect(problems.contains("case_sources \(otherAssessed) - row-missing"), "\(problems)")
        _ = assessed
    }
}
