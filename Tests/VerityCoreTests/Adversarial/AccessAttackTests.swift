import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// Issue 17, access holes 1, 2, 5, 6, 7 and 8: each test performs the attack of
/// the review, as the role named, in raw SQL on a real login, and asserts that
/// it fails (sql/definitions/60_access.sql). bob is a reviewer login who may not see the
/// restricted case of `AccessTests.RestrictedDesk` nor its private source.
@Suite("Adversarial: access")
struct AccessAttackTests {
    typealias RestrictedDesk = AccessTests.RestrictedDesk

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

    /// What a login sees of every table a restricted case touches.
    static func visibleCounts(_ db: Connection) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in ["cases", "sources", "evidence_notes", "case_history", "case_sources", "case_assignments",
                      "case_links", "verdict_proposals", "source_custody_events", "output_log"]
        {
            counts[table] = try db.query(Query(unsafeSQL: "SELECT count(*)::bigint AS n FROM public.\(table)"))[0]
                .decode("n")
        }
        return counts
    }

    // MARK: hole 1

    @Test("hole 1: a temporary table, view or function named like a Verity table or a catalog widens nothing")
    func testHole1_tempTableNamedReviewersDoesNotWidenVisibility() throws {
        let desk = try RestrictedDesk()
        defer { desk.fixture.dropLogins() }
        let bob = try Connection(desk.fixture.url(as: desk.bob))
        let before = try Self.visibleCounts(bob)
        #expect(before["cases"] == 1 && before["sources"] == 1, "\(before)")
        let bobOID: Int = try bob.query("SELECT oid::bigint AS oid FROM pg_catalog.pg_roles WHERE rolname = session_user")[0]
            .decode("oid")

        // The attack of the review, then one temporary table for every Verity table and view.
        try bob.execute(unsafeSQL: """
            CREATE TEMP TABLE reviewers (id bigint, login text, active boolean, role text);
            INSERT INTO reviewers VALUES (3, '\(desk.bob)', true, 'editor');
            """)
        let verityTables: [String] = try bob.query(
            """
            SELECT c.relname::text AS name FROM pg_catalog.pg_class c
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'p', 'm') AND c.relname <> 'reviewers'
             ORDER BY 1
            """
        ).rows.map { try $0.decode("name") }
        #expect(verityTables.contains("cases") && verityTables.contains("verity_my_cases"))
        for table in verityTables {
            try bob.execute(unsafeSQL: "CREATE TEMP TABLE \(table) (LIKE public.\(table))")
        }
        // Every case "assigned" to bob; the catalogs say bob is a superuser and owns the database.
        try bob.execute(unsafeSQL: """
            INSERT INTO pg_temp.verity_my_cases SELECT g FROM generate_series(1, 100) g;
            CREATE TEMP TABLE pg_roles AS SELECT * FROM pg_catalog.pg_roles WHERE false;
            INSERT INTO pg_temp.pg_roles (oid, rolname, rolsuper, rolcreaterole) VALUES (\(bobOID), session_user, true, true);
            CREATE TEMP TABLE pg_database AS SELECT * FROM pg_catalog.pg_database WHERE false;
            INSERT INTO pg_temp.pg_database (oid, datname, datdba) SELECT 1, current_database(), \(bobOID);
            CREATE TEMP TABLE pg_auth_members AS SELECT * FROM pg_catalog.pg_auth_members WHERE false;
            CREATE FUNCTION pg_temp.verity_sees_all() RETURNS boolean LANGUAGE sql AS 'SELECT true';
            CREATE FUNCTION pg_temp.verity_case_visible(bigint) RETURNS boolean LANGUAGE sql AS 'SELECT true';
            CREATE FUNCTION pg_temp.pg_has_role(name, oid, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
            SET search_path = pg_temp, public, pg_catalog;
            """)
        let after = try Self.visibleCounts(bob)
        #expect(after == before, "the temporary objects changed what bob sees: \(before) -> \(after)")
        let seesAll: Bool = try bob.query("SELECT public.verity_sees_all() AS v")[0].decode("v")
        #expect(!seesAll)
        let sees: Bool = try bob.query("SELECT public.verity_case_visible(\(desk.restricted.id)) AS v")[0].decode("v")
        #expect(!sees)

        // Nor can bob write the restricted case, its evidence or its source.
        let updated = try bob.query(
            "UPDATE public.cases SET claim = 'rewritten' WHERE id = \(desk.restricted.id) RETURNING id")
        #expect(updated.rows.isEmpty)
        let sourceUpdated = try bob.query(
            "UPDATE public.sources SET title = 'rewritten' WHERE id = \(desk.privateSource) RETURNING id")
        #expect(sourceUpdated.rows.isEmpty)
        let note = Self.refusal {
            try bob.execute(unsafeSQL: """
                INSERT INTO public.evidence_notes (case_id, stance, credibility, note)
                VALUES (\(desk.restricted.id), 'refutes', 6, 'planted')
                """)
        }
        #expect(note.contains("row-level security") || note.contains("no case"), "\(note)")
        let owner = try desk.fixture.ownerDesk()
        #expect(try owner.findCase(.id(desk.restricted.id)).claim == "Mass grave photographs near Izium")
    }

    @Test("hole 1: every Verity function has a fixed search_path with pg_temp last")
    func testHole1_everyVerityFunctionHasFixedSearchPath() throws {
        let fixture = try AccessFixture()
        defer { fixture.dropLogins() }
        let db = try Connection(fixture.url)
        let rows = try db.query(
            """
            SELECT p.oid::regprocedure::text AS name,
                   coalesce((SELECT c FROM unnest(p.proconfig) AS c WHERE c LIKE 'search_path=%'), '') AS path
              FROM pg_catalog.pg_proc p
             WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('f', 'p')
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
            """)
        #expect(rows.rows.count > 50)
        for row in rows.rows {
            let name: String = try row.decode("name")
            let path: String = try row.decode("path")
            #expect(path == "search_path=pg_catalog, public, pg_temp", "\(name): \(path.isEmpty ? "no fixed search_path" : path)")
        }
    }

    @Test("hole 1: a login cannot create objects in schema public, the one schema before pg_temp")
    func testHole1_loginCannotCreateInPublic() throws {
        let desk = try RestrictedDesk()
        defer { desk.fixture.dropLogins() }
        let bob = try Connection(desk.fixture.url(as: desk.bob))
        let message = Self.refusal {
            try bob.execute(unsafeSQL: "CREATE FUNCTION public.verity_shadow() RETURNS boolean LANGUAGE sql AS 'SELECT true'")
        }
        #expect(message.contains("permission denied"), "\(message)")
    }

    // MARK: hole 2

    @Test("hole 2: linking a hidden source to a visible case is refused as for a source that does not exist")
    func testHole2_linkingHiddenSourceIsRefusedLikeNonexistent() throws {
        let desk = try RestrictedDesk()
        defer { desk.fixture.dropLogins() }
        let bob = try Connection(desk.fixture.url(as: desk.bob))
        let missing = 987_654
        func link(_ source: Int) -> String {
            Self.refusal {
                try bob.transaction { db in
                    try db.execute(unsafeSQL: "INSERT INTO case_sources (case_id, source_id) VALUES (\(desk.open.id), \(source))")
                    let leaked = try db.query("SELECT title FROM sources WHERE id = \(desk.privateSource)")
                    #expect(leaked.rows.isEmpty, "bob read the hidden source")
                }
            }
        }
        let hidden = link(desk.privateSource)
        let none = link(missing)
        #expect(hidden == "no source \(desk.privateSource)")
        #expect(hidden.replacingOccurrences(of: "\(desk.privateSource)", with: "N")
            == none.replacingOccurrences(of: "\(missing)", with: "N"))
        // Nor through an evidence note citing it.
        let note = Self.refusal {
            try bob.execute(unsafeSQL: """
                INSERT INTO evidence_notes (case_id, source_id, stance, credibility, note)
                VALUES (\(desk.open.id), \(desk.privateSource), 'context', 6, 'cites the hidden source')
                """)
        }
        #expect(note == "no source \(desk.privateSource)")
        // The open case's history never got the hidden source's title or URL.
        let owner = try desk.fixture.ownerDesk()
        #expect(!(try owner.history(.id(desk.open.id))).contains { "\($0.details)".contains("witness") })
        // The view that listed the ids of hidden sources is gone, and what is left hides them.
        let views: Int = try bob.query(
            "SELECT count(*)::bigint AS n FROM pg_catalog.pg_class WHERE relname = 'verity_restricted_source_links'")[0]
            .decode("n")
        #expect(views == 0)
        let unlinked: Bool = try bob.query("SELECT verity_source_unlinked(\(desk.privateSource)) AS v")[0].decode("v")
        let unlinkedMissing: Bool = try bob.query("SELECT verity_source_unlinked(\(missing)) AS v")[0].decode("v")
        #expect(unlinked == unlinkedMissing)
        // alice (assigned) still sees the source; the owner's link still works.
        let alice = try Connection(desk.fixture.url(as: desk.alice))
        #expect(try alice.query("SELECT id FROM sources WHERE id = \(desk.privateSource)").rows.count == 1)
    }

    // MARK: hole 5

    @Test("hole 5: an admin login holds no CREATEROLE and cannot reach pg_execute_server_program or other logins' passwords")
    func testHole5_adminLoginCannotBecomeTheServerUser() throws {
        let desk = try RestrictedDesk()
        defer { desk.fixture.dropLogins() }
        let adm = try desk.fixture.addLogin("adm", role: .admin)
        let owner = try Connection(desk.fixture.url)
        let createRole: Bool = try owner.query("SELECT rolcreaterole FROM pg_roles WHERE rolname = \(adm)")[0]
            .decode("rolcreaterole")
        #expect(!createRole)
        let admin = try Connection(desk.fixture.url(as: adm))
        for attack in [
            "GRANT pg_execute_server_program TO \"\(adm)\"",
            "COPY (SELECT 1) TO PROGRAM 'id'",
            "CREATE ROLE \"evil-\(desk.fixture.token)\" LOGIN SUPERUSER",
            "CREATE ROLE \"evil-\(desk.fixture.token)\" LOGIN",
            "ALTER ROLE \"\(desk.alice)\" PASSWORD 'taken-over-123'",
        ] {
            let message = Self.refusal { try admin.execute(unsafeSQL: attack) }
            #expect(message.contains("permission denied") || message.contains("must have") || message.contains("must be"),
                    "\(attack): \(message)")
        }
        // The owner's function creates only reviewer logins in Verity's groups.
        let verifier = try admin.passwordVerifier("whatever-long-1", role: "x")
        for (login, group) in [("postgres", "verity_admin"), ("nobody-\(desk.fixture.token)", "verity_admin"),
                               (desk.fixture.handle("carol"), "pg_execute_server_program")]
        {
            let message = Self.refusal { _ = try admin.query("SELECT verity_create_login(\(login), \(verifier), \(group))") }
            #expect(!message.contains("no error"), "\(login) in \(group): \(message)")
        }
        // Changing alice's password through the function is recorded, never silent.
        _ = try admin.query("SELECT verity_set_login_password(\(desk.alice), \(verifier))")
        let recorded = try owner.query("SELECT changed_by, db_user FROM reviewer_password_changes WHERE login = \(desk.alice)")
        #expect(recorded.rows.count == 1)
        #expect(try recorded.rows.first?.decode("changed_by", as: String?.self) == adm)
        // A reviewer changes no one's password but their own.
        let bob = try Connection(desk.fixture.url(as: desk.bob))
        let message = Self.refusal { _ = try bob.query("SELECT verity_set_login_password(\(adm), \(verifier))") }
        #expect(message.contains("only its own password"), "\(message)")
        // The password table is append-only.
        let erased = Self.refusal { try owner.execute(unsafeSQL: "DELETE FROM reviewer_password_changes") }
        #expect(!erased.contains("no error"))
    }

    @Test("hole 5: an admin login adds and deactivates reviewer logins through the owner's function; db roles strips CREATEROLE")
    func testHole5_adminAddsLoginsWithoutCreateRole() throws {
        let fixture = try AccessFixture()
        defer { fixture.dropLogins() }
        let adm = try fixture.addLogin("adm", role: .admin)
        let carol = fixture.handle("carol")
        fixture.track(carol)
        let admin = try fixture.desk(as: adm)
        let added = try admin.addReviewer(
            handle: carol, name: "Carol", email: nil, role: .reviewer, loginPassword: fixture.password)
        #expect(added.login == carol)
        _ = try Connection(fixture.url(as: carol))
        _ = try admin.deactivateReviewer(carol)
        #expect(throws: (any Error).self) { _ = try Connection(fixture.url(as: carol)) }
        // A desk made before 017 gave admin logins CREATEROLE: db roles takes it away.
        let owner = try Connection(fixture.url)
        try owner.execute(unsafeSQL: "ALTER ROLE \"\(adm)\" CREATEROLE")
        try DeskRoles(connection: owner).ensure()
        let createRole: Bool = try owner.query("SELECT rolcreaterole FROM pg_roles WHERE rolname = \(adm)")[0]
            .decode("rolcreaterole")
        #expect(!createRole)
    }

    // MARK: hole 6

    /// A restricted case with a source holding a collected file, and the file's hash.
    static func hiddenFileSource(_ desk: RestrictedDesk) throws -> (id: Int, hash: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("verity-custody-\(UUID().uuidString).bin")
        try Data("witness photographs".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var draft = SourceDraft(url: "https://example.org/witness-file", title: "Witness file", publisher: "Witness")
        draft.filePath = file.path
        let source = try desk.fixture.ownerDesk().addSource(draft, linkTo: [.id(desk.restricted.id)], as: desk.editor)
        return (source.id, try #require(source.fileSha256))
    }

    @Test("hole 6: a reviewer cannot append custody events to a hidden source; errors say only \"no source N\"")
    func testHole6_custodyEventOnHiddenSourceIsRefusedLikeNonexistent() throws {
        let desk = try RestrictedDesk()
        defer { desk.fixture.dropLogins() }
        let hidden = try Self.hiddenFileSource(desk)
        let bob = try Connection(desk.fixture.url(as: desk.bob))
        let missing = 987_654
        let wrong = String(repeating: "ab", count: 32)
        func attacks(_ id: Int) -> [String] {
            [
                Self.refusal { _ = try bob.query("SELECT verity_custody_event(\(id), 'verified', p_sha256 => \(wrong), p_outcome => 'mismatch')") },
                Self.refusal { _ = try bob.query("SELECT verity_custody_event(\(id), 'handed-over', p_to_holder => 'someone')") },
                Self.refusal { _ = try bob.query("SELECT verity_custody_event(\(id), 'copied', p_sha256 => \(hidden.hash))") },
            ]
        }
        #expect(attacks(hidden.id) == Array(repeating: "no source \(hidden.id)", count: 3))
        #expect(attacks(missing) == Array(repeating: "no source \(missing)", count: 3))
        let owner = try Connection(desk.fixture.url)
        let events: Int = try owner.query(
            "SELECT count(*)::bigint AS n FROM source_custody_events WHERE source_id = \(hidden.id)")[0].decode("n")
        #expect(events == 1, "only the collection")
    }

    @Test("hole 6: the database refuses a verified/match with a wrong hash, a copy with another hash, a second collection")
    func testHole6_databaseEnforcesCustodyRules() throws {
        let desk = try RestrictedDesk()
        defer { desk.fixture.dropLogins() }
        let source = try Self.hiddenFileSource(desk)
        // alice is assigned to the restricted case: she sees the source, and still cannot forge its chain.
        let alice = try Connection(desk.fixture.url(as: desk.alice))
        let wrong = String(repeating: "cd", count: 32)
        let forged = [
            Self.refusal { _ = try alice.query("SELECT verity_custody_event(\(source.id), 'verified', p_sha256 => \(wrong), p_outcome => 'match')") },
            Self.refusal { _ = try alice.query("SELECT verity_custody_event(\(source.id), 'verified', p_sha256 => \(source.hash), p_outcome => 'mismatch')") },
            Self.refusal { _ = try alice.query("SELECT verity_custody_event(\(source.id), 'copied', p_sha256 => \(wrong))") },
            Self.refusal { _ = try alice.query("SELECT verity_custody_event(\(source.id), 'collected', p_sha256 => \(source.hash))") },
            Self.refusal { _ = try alice.query("SELECT verity_custody_event(\(desk.sharedSource), 'copied', p_sha256 => \(wrong))") },
        ]
        for message in forged { #expect(!message.contains("no error"), "\(forged)") }
        #expect(forged[0].contains("is a mismatch, not a match"), "\(forged[0])")
        #expect(forged[2].contains("not source \(source.id)'s collected file"), "\(forged[2])")
        #expect(forged[3].contains("already collected"), "\(forged[3])")
        #expect(forged[4].contains("no collected file"), "\(forged[4])")
        // The honest events still go in.
        _ = try alice.query("SELECT verity_custody_event(\(source.id), 'verified', p_sha256 => \(source.hash), p_outcome => 'match')")
        _ = try alice.query("SELECT verity_custody_event(\(source.id), 'verified', p_sha256 => \(wrong), p_outcome => 'mismatch')")
        _ = try alice.query("SELECT verity_custody_event(\(source.id), 'copied', p_sha256 => \(source.hash))")
    }

    // MARK: hole 7

    @Test("hole 7: the output log hides rows about a restricted case and records the login, not the name it gives")
    func testHole7_outputLogHidesRestrictedRowsAndRecordsTheLogin() throws {
        let desk = try RestrictedDesk()
        defer { desk.fixture.dropLogins() }
        let owner = try desk.fixture.ownerDesk()
        let ref = desk.restricted.ref ?? String(desk.restricted.id)
        try owner.logOutput(OutputRecord(
            reviewer: desk.editor, command: "report case", filters: ["case": .string(ref)], caseCount: 1,
            digest: OutputDigest(), output: "stdout", format: "markdown"))
        let bob = try Connection(desk.fixture.url(as: desk.bob))
        let alice = try Connection(desk.fixture.url(as: desk.alice))
        func reportRows(_ db: Connection) throws -> Int {
            try db.query("SELECT count(*)::bigint AS n FROM output_log WHERE command = 'report case'")[0].decode("n")
        }
        #expect(try reportRows(bob) == 0)
        #expect(try reportRows(alice) == 1)

        let zero = String(repeating: "0", count: 64)
        let lie = Self.refusal {
            _ = try bob.query("SELECT verity_log_output(\(desk.editor), 'report status', '{}', 0, \(zero), 0, 'stdout', 'table')")
        }
        #expect(lie.contains("cannot act as \"\(desk.editor)\""), "\(lie)")
        let id: Int = try bob.query(
            "SELECT verity_log_output(NULL, 'report status', '{}', 0, \(zero), 0, 'stdout', 'table') AS id")[0].decode("id")
        let logged: String? = try bob.query("SELECT reviewer FROM output_log WHERE id = \(id)")[0].decode("reviewer")
        #expect(logged == desk.bob)

        // A reader (in verity_reader, no reviewer) cannot log under a reviewer's name either.
        let reader = try desk.fixture.addReader("reader")
        let readerDB = try Connection(desk.fixture.url(as: reader))
        let readerLie = Self.refusal {
            _ = try readerDB.query("SELECT verity_log_output(\(desk.editor), 'export database', '{}', 0, \(zero), 0, 'stdout', 'jsonl')")
        }
        #expect(readerLie.contains("cannot act as"), "\(readerLie)")
        #expect(try reportRows(readerDB) == 0)
    }

    // MARK: hole 8

    @Test("hole 8: links, proposals and sign-offs of a hidden case fail exactly as for a case that does not exist")
    func testHole8_hiddenCaseErrorsEqualNonexistent() throws {
        let desk = try RestrictedDesk()
        defer { desk.fixture.dropLogins() }
        let owner = try desk.fixture.ownerDesk()
        try owner.setFourEyes(true, as: desk.editor)
        let bob = try Connection(desk.fixture.url(as: desk.bob))
        let hidden = desk.restricted.id
        let missing = 987_654
        func attacks(_ id: Int) -> [String] {
            [
                Self.refusal {
                    try bob.execute(unsafeSQL: "INSERT INTO case_links (case_id, other_id, kind, reason) VALUES (\(desk.open.id), \(id), 'related', 'x')")
                },
                Self.refusal {
                    try bob.execute(unsafeSQL: "INSERT INTO case_links (case_id, other_id, kind, reason) VALUES (\(id), \(desk.open.id), 'duplicate-of', 'x')")
                },
                Self.refusal {
                    try bob.execute(unsafeSQL: "INSERT INTO verdict_proposals (case_id, verdict, confidence, rationale) VALUES (\(id), 'false', 2, 'x')")
                },
                Self.refusal { _ = try bob.query("SELECT verity_sign_off(\(id))") },
            ].map { $0.replacingOccurrences(of: "\(id)", with: "N") }
        }
        let hiddenMessages = attacks(hidden)
        #expect(hiddenMessages == attacks(missing))
        #expect(hiddenMessages.allSatisfy { $0 == "no case N" }, "\(hiddenMessages)")

        // A visible duplicate of a hidden case: refusing another canonical case does not name the hidden one.
        try owner.link(.id(desk.open.id), to: .id(hidden), as: .duplicateOf, reason: "same grave site", by: desk.editor)
        let third = try owner.openCase(CaseDraft(claim: "Another bridge", claimant: "Mayor"), as: desk.editor)
        let duplicate = Self.refusal {
            try bob.execute(unsafeSQL: "INSERT INTO case_links (case_id, other_id, kind, reason) VALUES (\(desk.open.id), \(third.id), 'duplicate-of', 'x')")
        }
        #expect(duplicate.contains("already a duplicate"), "\(duplicate)")
        #expect(!duplicate.contains("case \(hidden)"), "\(duplicate)")
    }
}
