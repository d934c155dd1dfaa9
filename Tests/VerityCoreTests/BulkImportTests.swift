import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// The import engine of sql/definitions/70_import.sql (set-based, for a trusted
/// session) must record exactly what the row triggers record. Each test imports the
/// same files into two new databases, one as usual (the engine) and one with
/// verity.import_bulk = 'off' (every record through the triggers, as a login's import),
/// and compares every history row, hash included, every case row and the export:
/// into an empty desk, into a desk in use, and with files that change existing cases.
@Suite("One import engine, empty desk or busy")
struct BulkImportTests {
    /// A new migrated database; with `bulk: false`, every session on it keeps
    /// the importer on the row-by-row path.
    static func database(bulk: Bool) throws -> Connection {
        let url = try TestServer.shared.makeDatabase()
        if !bulk {
            let admin = try Connection(url)
            // The database's own name, quoted by the server: nothing is interpolated here.
            try admin.query(
                """
                DO $$ BEGIN
                    EXECUTE format('ALTER DATABASE %I SET verity.import_bulk = %L', current_database(), 'off');
                END $$
                """)
        }
        return try Connection(url)
    }

    /// Every history row (by case reference, so that both databases are compared
    /// by content; the ids are the same anyway, and the hash covers them).
    static func history(_ db: Connection) throws -> [String] {
        try db.query(
            """
            SELECT concat_ws(' | ', c.ref, h.case_id, h.seq, verity_iso(h.at), h.actor_id, h.action,
                             coalesce(h.from_state, '-'), coalesce(h.to_state, '-'), coalesce(h.reason, '-'),
                             h.details::text, coalesce(h.prev_hash, '-'), h.hash) AS row
              FROM case_history h JOIN cases c ON c.id = h.case_id
             ORDER BY c.ref, h.seq
            """
        ).rows.map { try $0.decode("row", as: String.self) }
    }

    /// Every case row as the triggers left it (state, verdict, who and when, version).
    static func cases(_ db: Connection) throws -> [String] {
        try db.query(
            """
            SELECT concat_ws(' | ', id, ref, state, coalesce(verdict, '-'), coalesce(confidence::text, '-'),
                             coalesce(rationale, '-'), coalesce(assessed_by::text, '-'),
                             coalesce(verity_iso(assessed_at), '-'), verity_iso(state_changed_at),
                             created_by, verity_iso(created_at), verity_iso(updated_at), version, search::text) AS row
              FROM cases ORDER BY id
            """
        ).rows.map { try $0.decode("row", as: String.self) }
    }

    /// Whether an import rebuilt the GIN index of cases (the former bulk path did): its
    /// catalog row was then written by a later transaction than that of the
    /// primary key, which 001 created with it and nothing rebuilds.
    static func indexRebuilt(_ db: Connection) throws -> Bool {
        try db.query(
            """
            SELECT (SELECT xmin::text FROM pg_class WHERE oid = 'cases_search'::regclass)
                   <> (SELECT xmin::text FROM pg_class WHERE oid = 'cases_pkey'::regclass) AS rebuilt
            """)[0].decode("rebuilt")
    }

    /// Generated cases plus what the generator does not make: a reopened and
    /// re-assessed case (previous_verdict details), reasons with spaces around
    /// them, a retraction after the assessment, a reviewer deactivated at the end.
    static func file(cases: Int) throws -> String {
        let extra = [
            #"{"type":"reviewer","handle":"former","name":"Former staff","active":false,"at":"2024-01-01T00:00:00Z"}"#,
            #"{"type":"case","ref":"X-1","claim":"A reopened claim","claimant":"X","by":"editor","at":"2024-01-01T10:00:00Z"}"#,
            #"{"type":"evidence","case":"X-1","stance":"supports","credibility":2,"note":"first","by":"analyst","at":"2024-01-02T10:00:00Z"}"#,
            #"{"type":"evidence","case":"X-1","stance":"refutes","credibility":5,"note":"second","by":"analyst","at":"2024-01-02T11:00:00Z","retracted_at":"2024-01-09T10:00:00Z","retracted_by":"editor","retraction_reason":"Misattributed"}"#,
            #"{"type":"transition","case":"X-1","to":"evidence-pending","by":"editor","at":"2024-01-03T10:00:00Z"}"#,
            #"{"type":"assessment","case":"X-1","verdict":"false","confidence":2,"rationale":"first view","by":"editor","at":"2024-01-04T10:00:00Z"}"#,
            #"{"type":"transition","case":"X-1","to":"evidence-pending","by":"editor","at":"2024-01-05T10:00:00Z","reason":"new facts"}"#,
            #"{"type":"transition","case":"X-1","to":"disputed","by":"analyst","at":"2024-01-06T10:00:00Z","reason":"  contested  "}"#,
            #"{"type":"transition","case":"X-1","to":"evidence-pending","by":"editor","at":"2024-01-07T10:00:00Z"}"#,
            #"{"type":"assessment","case":"X-1","verdict":"mixed","confidence":3,"rationale":"second view ","by":"editor","at":"2024-01-08T10:00:00Z"}"#,
        ]
        return try ImportFixture.generated(cases: cases, seed: 11) + extra.joined(separator: "\n") + "\n"
    }

    @Test("a generated desk imported in bulk records the same history rows and hashes, cases and export as row by row")
    func sameRecordBothWays() throws {
        let path = try ImportFixture.file(try Self.file(cases: 2000))
        let bulk = try Self.database(bulk: true)
        let rowByRow = try Self.database(bulk: false)
        let bulkSummary = try ImportFixture.importFile(bulk, path)
        let rowSummary = try ImportFixture.importFile(rowByRow, path)
        // No index is dropped and built again: other sessions keep working meanwhile.
        #expect(try !Self.indexRebuilt(bulk))
        #expect(try !Self.indexRebuilt(rowByRow))

        #expect(bulkSummary.counts == rowSummary.counts)
        #expect(bulkSummary.counts("transition").created > 1000)
        let bulkHistory = try Self.history(bulk)
        let rowHistory = try Self.history(rowByRow)
        #expect(bulkHistory.count == rowHistory.count)
        #expect(bulkHistory == rowHistory)
        #expect(bulkHistory.contains { $0.contains(#""previous_verdict": "false""#) })
        #expect(try Self.cases(bulk) == Self.cases(rowByRow))
        #expect(try ImportFixture.export(bulk, withArchive: false) == ImportFixture.export(rowByRow, withArchive: false))
        #expect(try ImportFixture.counts(bulk) == ImportFixture.counts(rowByRow))
        for db in [bulk, rowByRow] {
            let audit = try Desk(connection: db).verifyHistory()
            #expect(audit.intact)
        }
        // The indexes are all back, as 001 defines them.
        let indexes = try bulk.query(
            """
            SELECT string_agg(pg_get_indexdef(indexrelid), E'\n' ORDER BY pg_get_indexdef(indexrelid)) AS defs
              FROM pg_index WHERE indrelid IN ('cases'::regclass, 'evidence_notes'::regclass, 'case_history'::regclass)
            """)[0].decode("defs", as: String.self)
        let expected = try rowByRow.query(
            """
            SELECT string_agg(pg_get_indexdef(indexrelid), E'\n' ORDER BY pg_get_indexdef(indexrelid)) AS defs
              FROM pg_index WHERE indrelid IN ('cases'::regclass, 'evidence_notes'::regclass, 'case_history'::regclass)
            """)[0].decode("defs", as: String.self)
        #expect(indexes == expected)
        // The rule triggers are enabled again.
        let disabled: Int = try bulk.query(
            "SELECT count(*) AS n FROM pg_trigger WHERE tgrelid = 'cases'::regclass AND tgenabled = 'D'")[0].decode("n")
        #expect(disabled == 0)
        // Nor any history writer that 016 disables while it writes the new records' history.
        let disabledWriters: Int = try bulk.query(
            """
            SELECT count(*) AS n FROM pg_trigger
             WHERE tgrelid IN ('cases'::regclass, 'case_sources'::regclass, 'case_assignments'::regclass,
                               'evidence_notes'::regclass, 'case_history'::regclass)
               AND tgenabled = 'D'
            """)[0].decode("n")
        #expect(disabledWriters == 0)
        // The btree indexes 016 builds at the end are back too, and the indexes
        // of case_sources and case_assignments are those of the row-by-row desk.
        var otherIndexes: [String] = []
        for db in [bulk, rowByRow] {
            otherIndexes.append(try db.query(
                """
                SELECT string_agg(pg_get_indexdef(indexrelid), E'\n' ORDER BY pg_get_indexdef(indexrelid)) AS defs
                  FROM pg_index WHERE indrelid IN ('case_sources'::regclass, 'case_assignments'::regclass)
                """)[0].decode("defs", as: String.self))
        }
        #expect(otherIndexes[0] == otherIndexes[1])
        #expect(otherIndexes[0].contains("case_sources_source"))
        #expect(otherIndexes[0].contains("case_assignments_reviewer"))

        // Importing the same file again changes nothing (the desk is no longer empty).
        #expect(try ImportFixture.importFile(bulk, path).changedNothing)
        #expect(try Self.history(bulk) == bulkHistory)
    }

    @Test("records that 016 leaves to the row-by-row writers give the same history both ways", arguments: [
        // two leads for one case: the assignments' one-by-one loop (and its lead updates)
        #"{"type":"assignment","case":"X-1","reviewer":"analyst","lead":true,"by":"editor","at":"2024-01-02T09:00:00Z"}"#
            + "\n"
            + #"{"type":"assignment","case":"X-1","reviewer":"editor","lead":true,"by":"editor","at":"2024-01-02T09:30:00Z"}"#,
        // the same evidence note twice, at another time: the notes' one-by-one loop
        #"{"type":"evidence","case":"X-1","stance":"supports","credibility":2,"note":"first","by":"analyst","at":"2024-01-02T12:00:00Z"}"#,
        // a transition recorded twice (the second is skipped): the transitions take the rounds
        #"{"type":"transition","case":"X-1","to":"evidence-pending","by":"editor","at":"2024-01-03T10:00:00Z"}"#,
    ])
    func sameRecordWithRowByRowParts(extra: String) throws {
        let path = try ImportFixture.file(try Self.file(cases: 300) + extra + "\n")
        let bulk = try Self.database(bulk: true)
        let rowByRow = try Self.database(bulk: false)
        let bulkSummary = try ImportFixture.importFile(bulk, path)
        let rowSummary = try ImportFixture.importFile(rowByRow, path)
        #expect(bulkSummary.counts == rowSummary.counts)
        #expect(try Self.history(bulk) == Self.history(rowByRow))
        #expect(try Self.cases(bulk) == Self.cases(rowByRow))
        #expect(try ImportFixture.export(bulk, withArchive: false) == ImportFixture.export(rowByRow, withArchive: false))
        #expect(try Desk(connection: bulk).verifyHistory().intact)
        let disabled: Int = try bulk.query(
            "SELECT count(*) AS n FROM pg_trigger WHERE tgenabled = 'D'")[0].decode("n")
        #expect(disabled == 0)
    }

    @Test("refusals in an import into an empty desk are the same, with the same lines, and nothing is written", arguments: [
        // claimed -> assessed directly
        #"{"type":"case","ref":"X-2","claim":"Another claim","claimant":"Y","by":"editor","at":"2024-06-01T09:00:00Z"}"#
            + "\n"
            + #"{"type":"assessment","case":"X-2","verdict":"false","confidence":2,"rationale":"r","by":"editor","at":"2024-06-01T10:00:00Z"}"#,
        // a dispute without a reason
        #"{"type":"transition","case":"X-1","to":"disputed","by":"editor","at":"2024-01-10T10:00:00Z"}"#,
        // an assessment by a reviewer neither assigned nor an editor
        #"{"type":"transition","case":"X-1","to":"evidence-pending","by":"analyst","at":"2024-01-10T10:00:00Z","reason":"again"}"#
            + "\n"
            + #"{"type":"assessment","case":"X-1","verdict":"true","confidence":1,"rationale":"r","by":"analyst","at":"2024-01-11T10:00:00Z"}"#,
    ])
    func sameRefusals(bad: String) throws {
        let path = try ImportFixture.file(try Self.file(cases: 200) + bad + "\n")
        var issues: [[ImportIssue]] = []
        for db in [try Self.database(bulk: true), try Self.database(bulk: false)] {
            let before = try ImportFixture.counts(db)
            do {
                _ = try ImportFixture.importFile(db, path)
                Issue.record("the import was not refused")
            } catch let failure as ImportFailure {
                issues.append(failure.issues)
                #expect(failure.isRuleViolation)
            }
            #expect(try ImportFixture.counts(db) == before)
            #expect(try !Self.indexRebuilt(db))
        }
        #expect(issues.count == 2)
        #expect(issues.first == issues.last)
    }

    /// A desk in use: the generated desk of `file(cases:)` under other references.
    static func busyDesk(_ db: Connection) throws {
        let earlier = try Self.file(cases: 150).replacingOccurrences(of: "GEN-", with: "OLD-")
        _ = try ImportFixture.importFile(db, try ImportFixture.file(earlier))
    }

    @Test("into a desk in use the engine records the same history, chains continued from each head, as the triggers")
    func sameRecordIntoBusyDesk() throws {
        let path = try ImportFixture.file(try Self.file(cases: 300))
        let engine = try Self.database(bulk: true)
        let triggers = try Self.database(bulk: false)
        for db in [engine, triggers] { try Self.busyDesk(db) }
        let engineSummary = try ImportFixture.importFile(engine, path)
        let triggerSummary = try ImportFixture.importFile(triggers, path)
        #expect(engineSummary.counts == triggerSummary.counts)
        #expect(engineSummary.counts("case").created == 300)
        #expect(try Self.history(engine) == Self.history(triggers))
        #expect(try Self.cases(engine) == Self.cases(triggers))
        #expect(try ImportFixture.export(engine, withArchive: false) == ImportFixture.export(triggers, withArchive: false))
        #expect(try !Self.indexRebuilt(engine))
        #expect(try Desk(connection: engine).verifyHistory().intact)
        #expect(try ImportFixture.importFile(engine, path).changedNothing)
    }

    /// New transitions, assessments and notes for the cases a desk already holds: every
    /// case that waits for evidence gets a note and an assessment by an editor; every
    /// claimed one moves to evidence-pending with a note.
    static func updates(_ db: Connection) throws -> String {
        let rows = try db.query(
            "SELECT ref, state FROM cases WHERE state IN ('claimed', 'evidence-pending') ORDER BY id"
        ).rows.map { (try $0.decode("ref", as: String.self), try $0.decode("state", as: String.self)) }
        var lines: [String] = []
        for (ref, state) in rows {
            lines.append(#"{"type":"evidence","case":"\#(ref)","stance":"refutes","credibility":3,"note":"update for \#(ref)","by":"editor","at":"2025-06-29T10:00:00Z"}"#)
            if state == "claimed" {
                lines.append(#"{"type":"transition","case":"\#(ref)","to":"evidence-pending","by":"editor","at":"2025-06-29T11:00:00Z"}"#)
            } else {
                lines.append(#"{"type":"assessment","case":"\#(ref)","verdict":"false","confidence":2,"rationale":"updated","by":"editor","at":"2025-06-29T12:00:00Z"}"#)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("a file that changes existing cases (new transitions, assessments and notes) records the same both ways")
    func sameRecordForUpdates() throws {
        let engine = try Self.database(bulk: true)
        let triggers = try Self.database(bulk: false)
        for db in [engine, triggers] { try Self.busyDesk(db) }
        let path = try ImportFixture.file(try Self.updates(engine))
        let engineSummary = try ImportFixture.importFile(engine, path)
        let triggerSummary = try ImportFixture.importFile(triggers, path)
        #expect(engineSummary.counts == triggerSummary.counts)
        #expect(engineSummary.counts("evidence").created > 20)
        #expect(engineSummary.counts("assessment").created > 5)
        #expect(try Self.history(engine) == Self.history(triggers))
        #expect(try Self.cases(engine) == Self.cases(triggers))
        #expect(try ImportFixture.export(engine, withArchive: false) == ImportFixture.export(triggers, withArchive: false))
        #expect(try Desk(connection: engine).verifyHistory().intact)
        // The same file again: every record is already there.
        let again = try ImportFixture.importFile(engine, path)
        #expect(again.changedNothing)
        #expect(try Self.history(engine) == Self.history(triggers))
    }
}
