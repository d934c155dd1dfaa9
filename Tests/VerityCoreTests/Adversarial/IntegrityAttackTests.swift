import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// Issue 17, integrity holes 3, 4 and 9: each test performs the attack of the
/// review as a reviewer login (or an admin), in raw SQL, and asserts that the
/// record does not lie afterwards (sql/migrations/003_integrity.sql and sql/definitions/20_history_chain.sql). mallory is a
/// reviewer login assigned to the desk's case; ed is an editor without a login.
@Suite("Adversarial: integrity")
struct IntegrityAttackTests {
    struct LoginDesk {
        let fixture: AccessFixture
        let mallory: String, ed: String
        let caseID: Int
        let sourceID: Int

        init() throws {
            fixture = try AccessFixture()
            mallory = try fixture.addLogin("mallory")
            ed = fixture.handle("ed")
            let owner = try fixture.ownerDesk()
            _ = try owner.addReviewer(handle: ed, name: "Editor", email: nil, role: .editor)
            caseID = try owner.openCase(CaseDraft(claim: "Bridge destroyed in Izium", claimant: "Governor"), as: ed).id
            try owner.assign(.id(caseID), reviewer: mallory, lead: true, as: ed)
            sourceID = try owner.addSource(
                SourceDraft(url: "https://example.org/wire", title: "Wire report", publisher: "Wire"),
                linkTo: [.id(caseID)], as: ed).id
            try owner.addEvidence(
                to: .id(caseID), stance: .refutes, credibility: 2, note: "satellite image shows the bridge", source: sourceID,
                as: ed)
        }

        func login() throws -> Connection { try Connection(fixture.url(as: mallory)) }
    }

    /// The message of the error `body` throws (the attack must fail).
    static func refusal(_ body: () throws -> Void) -> String {
        do {
            try body()
        } catch let error as PostgresError {
            return error.message
        } catch {
            return "\(error)"
        }
        return "(no error: the attack succeeded)"
    }

    /// The figures of `report status` that `--as-of` recomputes from the history.
    static func figures(_ report: StatusReport) throws -> String {
        struct Figures: Encodable { let states: [StatusReport.StateCount]; let verdicts: [StatusReport.VerdictCount] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(Figures(states: report.states, verdicts: report.verdicts)), as: UTF8.self)
    }

    // MARK: hole 4

    @Test("hole 4: a login's verity.details cannot make the assess row say another verdict")
    func testHole4_forgedAssessDetailsAreIgnored() throws {
        let desk = try LoginDesk()
        defer { desk.fixture.dropLogins() }
        let mallory = try desk.login()
        try mallory.transaction { db in
            try db.execute(unsafeSQL: """
                SELECT set_config('verity.actor', '\(desk.mallory)', true),
                       set_config('verity.reason', 'contested', true),
                       set_config('verity.details', '{"verdict": "true", "confidence": 1, "rationale": "forged",
                                                      "previous_verdict": "x", "source_id": 987654}', true);
                UPDATE public.cases SET state = 'disputed' WHERE id = \(desk.caseID);
                UPDATE public.cases SET state = 'evidence-pending' WHERE id = \(desk.caseID);
                UPDATE public.cases SET state = 'assessed', verdict = 'false', confidence = 5, rationale = 'the image'
                 WHERE id = \(desk.caseID);
                """)
        }
        let owner = try desk.fixture.ownerDesk()
        let history = try owner.history(.id(desk.caseID))
        let assess = try #require(history.last { $0.action == "assess" })
        #expect(assess.details["verdict"] == .string("false"), "\(assess.details)")
        #expect(assess.details["confidence"] == .number(5), "\(assess.details)")
        #expect(assess.details["rationale"] == .string("the image"), "\(assess.details)")
        // A cited source the case does not have is not recorded either.
        let dispute = try #require(history.last { $0.action == "dispute" })
        #expect(dispute.details["source_id"] == nil, "\(dispute.details)")
        #expect(!history.contains { "\($0.details)".contains("forged") || "\($0.details)".contains("987654") })
        // The report from today's rows and the one replayed from the history agree.
        let now = try Self.figures(try owner.statusReport())
        let replayed = try Self.figures(try owner.statusReport(StatusReportRequest(asOf: Date())))
        #expect(now == replayed)
        #expect(now.contains("\"false\""), "\(now)")
    }

    @Test("hole 4: a login's verity.details cannot rewrite what an evidence note or assignment row records")
    func testHole4_forgedInsertDetailsAreIgnored() throws {
        let desk = try LoginDesk()
        defer { desk.fixture.dropLogins() }
        let mallory = try desk.login()
        try mallory.transaction { db in
            try db.execute(unsafeSQL: """
                SELECT set_config('verity.actor', '\(desk.mallory)', true),
                       set_config('verity.details', '{"stance": "supports", "credibility": 1, "source_id": 987654,
                                                      "reviewer": "nobody", "lead": false,
                                                      "bulk": {"where": "--where-tag x", "matched": 2}}', true);
                INSERT INTO public.evidence_notes (case_id, stance, credibility, note)
                VALUES (\(desk.caseID), 'refutes', 3, 'the pylons are down');
                INSERT INTO public.case_assignments (case_id, reviewer_id)
                SELECT \(desk.caseID), id FROM public.reviewers WHERE handle = '\(desk.ed)';
                """)
        }
        let history = try desk.fixture.ownerDesk().history(.id(desk.caseID))
        let note = try #require(history.last { $0.action == "add-evidence" })
        #expect(note.details["stance"] == .string("refutes"), "\(note.details)")
        #expect(note.details["credibility"] == .number(3), "\(note.details)")
        #expect(note.details["source_id"] == nil, "\(note.details)")
        let assign = try #require(history.last { $0.action == "assign" })
        #expect(assign.details["reviewer"] == .string(desk.ed), "\(assign.details)")
        // What the CLI adds for a bulk command is kept, under the derived fields.
        #expect(assign.details["bulk"] != nil, "\(assign.details)")
    }

    @Test("hole 4: a login cannot backdate a change with verity.at; report status and --as-of now agree")
    func testHole4_backdatedAssignIsRefused() throws {
        let desk = try LoginDesk()
        defer { desk.fixture.dropLogins() }
        let mallory = try desk.login()
        let message = Self.refusal {
            try mallory.transaction { db in
                try db.execute(unsafeSQL: """
                    SELECT set_config('verity.actor', '\(desk.mallory)', true),
                           set_config('verity.at', '2001-01-01T00:00:00Z', true);
                    INSERT INTO public.case_assignments (case_id, reviewer_id)
                    SELECT \(desk.caseID), id FROM public.reviewers WHERE handle = '\(desk.ed)';
                    """)
            }
        }
        #expect(message.contains("only the desk owner may record a change at another time"), "\(message)")
        // Nor through any other writer that takes its time from verity.at.
        for attack in [
            "UPDATE public.cases SET claim = 'Bridge damaged in Izium' WHERE id = \(desk.caseID)",
            "INSERT INTO public.evidence_notes (case_id, stance, credibility, note) VALUES (\(desk.caseID), 'context', 6, 'x')",
        ] {
            let refused = Self.refusal {
                try mallory.transaction { db in
                    try db.execute(unsafeSQL: """
                        SELECT set_config('verity.actor', '\(desk.mallory)', true),
                               set_config('verity.at', '2001-01-01T00:00:00Z', true);
                        \(attack)
                        """)
                }
            }
            #expect(refused.contains("only the desk owner"), "\(attack): \(refused)")
        }
        let owner = try desk.fixture.ownerDesk()
        let opened = try #require(try owner.history(.id(desk.caseID)).first).at
        #expect(!(try owner.history(.id(desk.caseID))).contains { $0.at < opened })
        let now = try Self.figures(try owner.statusReport())
        let replayed = try Self.figures(try owner.statusReport(StatusReportRequest(asOf: Date())))
        #expect(now == replayed)
        // The owner's import path may still record past work.
        let past = try owner.db.transaction { db in
            try db.query("SELECT set_config('verity.at', '2022-09-16T12:00:00Z', true), public.verity_now() AS at")[0]
                .decode("at", as: Date.self)
        }
        #expect(past == Date(timeIntervalSince1970: 1_663_329_600))
    }

    // MARK: hole 3

    /// A source with a collected file, linked to the desk's case; returns its id and hash.
    static func fileSource(_ desk: LoginDesk) throws -> (id: Int, hash: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("verity-integrity-\(UUID().uuidString).bin")
        try Data("satellite image, 2022-09-16".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var draft = SourceDraft(url: "https://example.org/satellite", title: "Satellite image", publisher: "Maxar")
        draft.filePath = file.path
        let source = try desk.fixture.ownerDesk().addSource(draft, linkTo: [.id(desk.caseID)], as: desk.ed)
        return (source.id, try #require(source.fileSha256))
    }

    @Test("hole 3: a login cannot rewrite a source's collected hash; every other change is chained history naming the login")
    func testHole3_sourceRewriteIsRefusedOrRecorded() throws {
        let desk = try LoginDesk()
        defer { desk.fixture.dropLogins() }
        let source = try Self.fileSource(desk)
        let mallory = try desk.login()
        let forged = String(repeating: "ab", count: 32)
        let message = Self.refusal {
            try mallory.execute(unsafeSQL: """
                UPDATE public.sources SET file_sha256 = '\(forged)', url = 'https://evil.example/doctored', reliability = 'A'
                 WHERE id = \(source.id)
                """)
        }
        #expect(message.contains("collected file") && message.contains("cannot be changed"), "\(message)")
        // The correction mark of the custody function does not help a login either.
        let marked = Self.refusal {
            try mallory.transaction { db in
                try db.execute(unsafeSQL: """
                    SELECT set_config('verity.correcting_source', '\(source.id)', true);
                    UPDATE public.sources SET file_sha256 = '\(forged)' WHERE id = \(source.id)
                    """)
            }
        }
        #expect(marked.contains("cannot be changed"), "\(marked)")
        let owner = try desk.fixture.ownerDesk()
        #expect(try owner.source(source.id).fileSha256 == source.hash)
        // Changing the URL and grade is allowed, and recorded: a chained row with the new fields and mallory's name.
        try mallory.execute(unsafeSQL: """
            UPDATE public.sources SET url = 'https://evil.example/doctored', reliability = 'A' WHERE id = \(source.id)
            """)
        let recorded = try owner.db.query(
            """
            SELECT actor, db_user, action, fields ->> 'url' AS url, fields ->> 'reliability' AS reliability
              FROM record_history WHERE table_name = 'sources' AND row_id = \(source.id) ORDER BY seq DESC LIMIT 1
            """)[0]
        #expect(try recorded.decode("action", as: String.self) == "update")
        #expect(try recorded.decode("actor", as: String?.self) == desk.mallory)
        #expect(try recorded.decode("url", as: String.self) == "https://evil.example/doctored")
        #expect(try recorded.decode("reliability", as: String.self) == "A")
        #expect(try owner.verifyHistory().intact)
        // The history cannot be rewritten by the login either.
        let erased = Self.refusal { try mallory.execute(unsafeSQL: "DELETE FROM public.record_history") }
        #expect(erased.contains("permission denied") || erased.contains("append-only"), "\(erased)")
        // A correction is a custody event with a reason, through the custody function.
        let corrected = String(repeating: "cd", count: 32)
        let unexplained = Self.refusal {
            try mallory.transaction { db in
                try db.execute(unsafeSQL: "SELECT set_config('verity.actor', '\(desk.mallory)', true)")
                _ = try db.query("SELECT verity_custody_event(\(source.id), 'corrected', p_sha256 => \(corrected)) AS id")
            }
        }
        #expect(unexplained.contains("needs a reason"), "\(unexplained)")
        try mallory.transaction { db in
            try db.execute(unsafeSQL: "SELECT set_config('verity.actor', '\(desk.mallory)', true)")
            _ = try db.query(
                "SELECT verity_custody_event(\(source.id), 'corrected', p_sha256 => \(corrected), p_note => 'hashed the thumbnail') AS id")
        }
        #expect(try owner.source(source.id).fileSha256 == corrected)
        let events = try owner.custody(ofSource: source.id)
        #expect(events.last?.event == .corrected && events.last?.note == "hashed the thumbnail")
        #expect(try owner.verifyHistory().intact)
    }

    // MARK: hole 9

    @Test("hole 9: an admin swapping two reviewers' handles is chained history, and tampering with it is caught")
    func testHole9_handleSwapIsRecorded() throws {
        let desk = try LoginDesk()
        defer { desk.fixture.dropLogins() }
        let adm = try desk.fixture.addLogin("adm", role: .admin)
        let admin = try Connection(desk.fixture.url(as: adm))
        let owner = try desk.fixture.ownerDesk()
        let edID: Int = try owner.db.query("SELECT id FROM reviewers WHERE handle = \(desk.ed)")[0].decode("id")
        let anchored = try owner.historyHead()
        try admin.transaction { db in
            try db.execute(unsafeSQL: """
                UPDATE public.reviewers SET handle = 'tmp-\(desk.fixture.token)' WHERE handle = '\(desk.mallory)';
                UPDATE public.reviewers SET handle = '\(desk.mallory)' WHERE handle = '\(desk.ed)';
                UPDATE public.reviewers SET handle = '\(desk.ed)' WHERE handle = 'tmp-\(desk.fixture.token)';
                """)
        }
        // Every rename is a chained row naming the admin; the head moved on.
        let renames = try owner.db.query(
            """
            SELECT actor, fields ->> 'handle' AS handle FROM record_history
             WHERE table_name = 'reviewers' AND action = 'update' AND db_user = \(adm) ORDER BY id
            """).rows
        #expect(renames.count == 3)
        #expect(try renames.allSatisfy { try $0.decode("actor", as: String?.self) == adm })
        #expect(try renames[1].decode("handle", as: String.self) == desk.mallory)
        let after = try owner.verifyHistory()
        #expect(after.intact)
        #expect(after.headHash != anchored)
        // Who actor_id \(edID) was at any time is in that chain; a superuser who renames around it is caught.
        try owner.db.execute(unsafeSQL: """
            SET session_replication_role = replica;
            UPDATE reviewers SET handle = 'someone-else-\(desk.fixture.token)' WHERE id = \(edID);
            SET session_replication_role = origin;
            """)
        let tampered = try owner.verifyHistory()
        #expect(!tampered.intact)
        #expect(tampered.problems.contains { $0.table == "reviewers" && $0.rowID == edID && $0.field == "handle" },
                "\(tampered.problems.map(\.message))")
    }
}
