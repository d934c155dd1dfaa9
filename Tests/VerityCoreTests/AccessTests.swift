import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// Issue 8: roles, login reviewers and restricted cases, in the database.
@Suite("Roles and access")
struct AccessTests {
    /// A desk with an editor, two reviewers with logins, and a restricted case
    /// (with evidence and a source of its own) assigned to the first reviewer.
    struct RestrictedDesk {
        let fixture: AccessFixture
        let alice: String, bob: String, editor: String
        let open: CaseSummary, restricted: CaseSummary
        let sharedSource: Int, privateSource: Int

        init() throws {
            fixture = try AccessFixture()
            alice = try fixture.addLogin("alice")
            bob = try fixture.addLogin("bob")
            editor = try fixture.addLogin("ed", role: .editor)
            let owner = try fixture.ownerDesk()
            open = try owner.openCase(CaseDraft(claim: "Bridge destroyed in Izium", claimant: "Governor"), as: editor)
            var draft = CaseDraft(claim: "Mass grave photographs near Izium", claimant: "Local witness")
            draft.restricted = true
            let opened = try owner.openCase(draft, as: editor)
            try owner.assign(.id(opened.id), reviewer: alice, lead: true, as: editor)
            sharedSource = try owner.addSource(
                SourceDraft(url: "https://example.org/wire", title: "Wire report", publisher: "Wire"),
                linkTo: [.id(open.id), .id(opened.id)], as: editor).id
            privateSource = try owner.addSource(
                SourceDraft(url: "https://example.org/witness", title: "Witness photographs", publisher: "Witness"),
                linkTo: [.id(opened.id)], as: editor).id
            try owner.addEvidence(
                to: .id(opened.id), stance: .supports, credibility: 2, note: "photographs of graves", source: privateSource,
                as: editor)
            restricted = try owner.findCase(.id(opened.id))
        }
    }

    @Test("db roles creates the three group roles, grants exactly their rights, and is safe to run twice")
    func groupRoles() throws {
        let fixture = try AccessFixture()
        defer { fixture.dropLogins() }
        let db = try Connection(fixture.url)
        let again = try DeskRoles(connection: db).ensure()
        #expect(again.createdRoles.isEmpty)
        #expect(again.grants.contains { $0.role == "verity_admin" && $0.table == "reviewers" })
        func can(_ role: String, _ privilege: String, _ table: String) throws -> Bool {
            try db.query("SELECT has_table_privilege(\(role), \(table), \(privilege)) AS ok")[0].decode("ok")
        }
        #expect(try can("verity_reader", "SELECT", "cases"))
        #expect(try can("verity_reader", "SELECT", "case_history"))
        #expect(try !can("verity_reader", "INSERT", "cases"))
        #expect(try !can("verity_reader", "UPDATE", "evidence_notes"))
        for table in ["cases", "evidence_notes", "case_sources", "case_assignments", "sources"] {
            #expect(try can("verity_reviewer", "INSERT", table), "\(table)")
            #expect(try can("verity_reviewer", "UPDATE", table), "\(table)")
        }
        #expect(try !can("verity_reviewer", "DELETE", "cases"))
        #expect(try !can("verity_reviewer", "DELETE", "evidence_notes"))
        #expect(try !can("verity_reviewer", "INSERT", "case_history"))
        #expect(try !can("verity_reviewer", "UPDATE", "case_history"))
        #expect(try !can("verity_reviewer", "INSERT", "reviewers"))
        #expect(try !can("verity_reviewer", "INSERT", "verity_schema_migrations"))
        #expect(try !can("verity_reviewer", "INSERT", "verity_access_grants"))
        #expect(try can("verity_admin", "INSERT", "reviewers"))
        #expect(try !can("verity_admin", "INSERT", "case_history"))
        let member: Bool = try db.query(
            "SELECT pg_has_role('verity_admin', 'verity_reader', 'MEMBER') AND pg_has_role('verity_reviewer', 'verity_reader', 'MEMBER') AS ok"
        )[0].decode("ok")
        #expect(member)
    }

    @Test("reviewer add --login creates a login in the right group, with the reviewer, in one transaction")
    func loginInGroup() throws {
        let fixture = try AccessFixture()
        defer { fixture.dropLogins() }
        let alice = try fixture.addLogin("alice")
        let editor = try fixture.addLogin("ed", role: .editor)
        let admin = try fixture.addLogin("boss", role: .admin)
        let db = try Connection(fixture.url)
        func member(_ login: String, _ group: String) throws -> Bool {
            try db.query("SELECT pg_has_role(\(login), \(group), 'MEMBER') AS ok")[0].decode("ok")
        }
        #expect(try member(alice, "verity_reviewer"))
        #expect(try !member(alice, "verity_admin"))
        #expect(try member(editor, "verity_reviewer"))
        #expect(try member(admin, "verity_admin"))
        #expect(try fixture.ownerDesk().reviewer(alice)?.login == alice)
        // A handle whose role already exists: neither the reviewer nor a role is created.
        #expect(throws: VerityError.self) {
            try fixture.ownerDesk().addReviewer(
                handle: "verity_reader", name: "x", email: nil, role: .reviewer, loginPassword: fixture.password)
        }
        #expect(try fixture.ownerDesk().reviewer("verity_reader") == nil)
        // The stored password is a SCRAM verifier, never the password itself.
        let stored: String? = try db.query("SELECT rolpassword FROM pg_authid WHERE rolname = \(alice)")[0].decode("rolpassword")
        #expect(stored?.hasPrefix("SCRAM-SHA-256$") == true)
        #expect(stored?.contains(fixture.password) == false)
        // Logins run without JIT: under row-level security it costs more than it saves.
        let settings: [String]? = try db.query(
            "SELECT setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = \(alice)"
        ).first?.decode("setconfig")
        #expect(settings == ["jit=off"])
    }

    @Test("a reviewer connected with their login acts as themselves, and verity.actor cannot claim another reviewer")
    func loginIsTheActor() throws {
        let fixture = try AccessFixture()
        defer { fixture.dropLogins() }
        let alice = try fixture.addLogin("alice")
        let bob = try fixture.addLogin("bob")
        let desk = try fixture.desk(as: alice)
        let opened = try desk.openCase(CaseDraft(claim: "A claim", claimant: "Someone"), as: nil)
        #expect(try desk.history(.id(opened.id)).first?.actor == alice)
        let error = #expect(throws: PostgresError.self) {
            try desk.openCase(CaseDraft(claim: "Another claim", claimant: "Someone"), as: bob)
        }
        #expect(error?.sqlState == SQLState("VR003"))
        #expect(error?.message.contains("connected to the database as \"\(alice)\"") == true)
        // In plain SQL too: the setting is ignored in favour of the login, or refused.
        let db = try Connection(fixture.url(as: alice))
        let refused = #expect(throws: PostgresError.self) {
            try db.transaction { db in
                try db.query("SELECT set_config('verity.actor', \(bob), true)")
                try db.query("INSERT INTO cases (claim, claimant) VALUES ('x', 'y')")
            }
        }
        #expect(refused?.sqlState == SQLState("VR003"))
    }

    @Test("a login in a Verity group that belongs to no reviewer cannot act, whatever it claims")
    func unmappedLoginCannotAct() throws {
        let fixture = try AccessFixture()
        defer { fixture.dropLogins() }
        let editor = try fixture.addLogin("ed", role: .editor)
        let stray = fixture.handle("stray")
        fixture.track(stray)
        let admin = try Connection(fixture.url)
        let statement: String = try admin.query(
            "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE verity_reviewer', \(stray)::text, \(fixture.password)::text) AS s"
        )[0].decode("s")
        try admin.execute(unsafeSQL: statement)
        let desk = Desk(connection: try Connection(fixture.url(as: stray)))
        let error = #expect(throws: PostgresError.self) {
            try desk.openCase(CaseDraft(claim: "A claim", claimant: "Someone"), as: editor)
        }
        #expect(error?.sqlState == SQLState("VR003"))
        #expect(error?.message.contains("is not the login of any reviewer") == true)
    }

    @Test("a reviewer login cannot write the history, call the history writer, or change reviewers")
    func reviewerCannotForge() throws {
        let desk = try RestrictedDesk()
        defer { desk.fixture.dropLogins() }
        let db = try Connection(desk.fixture.url(as: desk.alice))
        for sql in [
            "INSERT INTO case_history (case_id, action) VALUES (\(desk.open.id), 'assess')",
            "SELECT verity_record(\(desk.open.id), 'assess', NULL, NULL, '{}')",
            "UPDATE reviewers SET role = 'admin'",
            "DELETE FROM cases WHERE id = \(desk.open.id)",
            "INSERT INTO verity_schema_migrations (name, checksum) VALUES ('999_x.sql', 'x')",
        ] {
            let error = #expect(throws: PostgresError.self, "\(sql)") { try db.execute(unsafeSQL: sql) }
            #expect(error?.sqlState == .insufficientPrivilege, "\(sql): \(error?.message ?? "")")
        }
    }

    @Test("a restricted case is visible only to its assigned reviewers, editors and the owner, with everything attached")
    func restrictedVisibility() throws {
        let desk = try RestrictedDesk()
        defer { desk.fixture.dropLogins() }
        let bob = try desk.fixture.desk(as: desk.bob)
        #expect(try bob.cases().map(\.id) == [desk.open.id])
        #expect(throws: VerityError.self) { try bob.findCase(.id(desk.restricted.id)) }
        #expect(try bob.search("graves").isEmpty)
        #expect(try bob.search("Izium").map(\.id) == [desk.open.id])
        #expect(try Set(bob.sources().map(\.id)) == [desk.sharedSource], "a source linked only to a restricted case is hidden")
        let raw = try Connection(desk.fixture.url(as: desk.bob))
        for table in ["case_history", "evidence_notes", "case_sources", "case_assignments"] {
            let n: Int = try raw.query("SELECT count(*)::bigint AS n FROM \(unsafeSQL: table) WHERE case_id = \(desk.restricted.id)")[0]
                .decode("n")
            #expect(n == 0, "\(table)")
        }
        let visible: Bool = try raw.query("SELECT verity_case_visible(\(desk.restricted.id)) AS v")[0].decode("v")
        #expect(!visible)

        let alice = try desk.fixture.desk(as: desk.alice)
        #expect(try alice.cases().map(\.id) == [desk.open.id, desk.restricted.id])
        #expect(try alice.showCase(.id(desk.restricted.id)).evidence.count == 1)
        #expect(try alice.search("graves").map(\.id).contains(desk.restricted.id))
        let editor = try desk.fixture.desk(as: desk.editor)
        #expect(try editor.cases().count == 2)
        #expect(try editor.findCase(.id(desk.restricted.id)).restricted)
        #expect(try desk.fixture.ownerDesk().cases().count == 2)
    }

    @Test("links, proposals and custody events of a restricted case are hidden with it (migration 010)")
    func restrictedAttachmentsOf007And008() throws {
        let desk = try RestrictedDesk()
        defer { desk.fixture.dropLogins() }
        let owner = try desk.fixture.ownerDesk()
        try owner.link(.id(desk.restricted.id), to: .id(desk.open.id), as: .related, reason: "same site", by: desk.editor)
        // A hand-over needs a collected file (the database enforces it since 017): a private source with one.
        let fileSource = try AccessAttackTests.hiddenFileSource(desk).id
        try owner.db.transaction { db in
            try db.query("SELECT set_config('verity.actor', \(desk.editor), true)")
            try db.query(
                """
                SELECT verity_custody_event(\(fileSource), 'handed-over', now(), NULL, NULL, NULL, NULL, NULL,
                                            \(desk.alice), 'sealed envelope')
                """)
        }
        // A reviewer who may not see the restricted case sees neither the link nor the custody of its private source.
        let bob = try Connection(desk.fixture.url(as: desk.bob))
        func count(_ db: Connection, _ table: String) throws -> Int {
            try db.query("SELECT count(*)::bigint AS n FROM \(unsafeSQL: table)")[0].decode("n")
        }
        #expect(try count(bob, "case_links") == 0)
        #expect(try count(bob, "source_custody_events") == 0)
        let alice = try Connection(desk.fixture.url(as: desk.alice))
        #expect(try count(alice, "case_links") == 1)
        #expect(try count(alice, "source_custody_events") >= 1)
        #expect(try count(owner.db, "case_links") == 1)
    }

    @Test("a reviewer cannot change or link to a restricted case they cannot see, even by id")
    func restrictedWrites() throws {
        let desk = try RestrictedDesk()
        defer { desk.fixture.dropLogins() }
        let db = try Connection(desk.fixture.url(as: desk.bob))
        let updated = try db.transaction { db in
            try db.query("UPDATE cases SET priority = 'urgent' WHERE id = \(desk.restricted.id) RETURNING id")
        }
        #expect(updated.rowCount == 0)
        #expect(throws: PostgresError.self) {
            try db.transaction { db in
                try db.query(
                    "INSERT INTO evidence_notes (case_id, stance, credibility, note) VALUES (\(desk.restricted.id), 'refutes', 5, 'x')")
            }
        }
        #expect(throws: PostgresError.self) {
            try db.transaction { db in
                try db.query("INSERT INTO case_assignments (case_id, reviewer_id) SELECT \(desk.restricted.id), id FROM reviewers WHERE handle = \(desk.bob)")
            }
        }
        #expect(try desk.fixture.ownerDesk().findCase(.id(desk.restricted.id)).priority == .normal)
    }

    @Test("restricting and lifting a restriction are recorded with their reason; a reason is required")
    func restrictionHistory() throws {
        let desk = try RestrictedDesk()
        defer { desk.fixture.dropLogins() }
        let owner = try desk.fixture.ownerDesk()
        #expect(try owner.history(.id(desk.restricted.id)).prefix(2).map(\.action) == ["open", "restrict"])
        var lift = CaseChanges()
        lift.restricted = false
        #expect(throws: VerityError.self) { try owner.updateCase(.id(desk.restricted.id), lift, as: desk.editor) }
        let lifted = try owner.updateCase(.id(desk.restricted.id), lift, reason: "faces blurred", as: desk.editor)
        #expect(!lifted.restricted)
        let last = try #require(try owner.history(.id(desk.restricted.id)).last)
        #expect(last.action == "unrestrict")
        #expect(last.reason == "faces blurred")
        #expect(last.actor == desk.editor)
        // The database refuses a restriction without a reason from any writer.
        let db = try Connection(desk.fixture.url(as: desk.editor))
        let error = #expect(throws: PostgresError.self) {
            try db.transaction { db in try db.query("UPDATE cases SET restricted = true WHERE id = \(desk.open.id)") }
        }
        #expect(error?.sqlState == SQLState("VR002"))
        #expect(try owner.verifyHistory().intact)
    }

    @Test("deactivating a reviewer disables their login")
    func deactivateDisablesLogin() throws {
        let fixture = try AccessFixture()
        defer { fixture.dropLogins() }
        let alice = try fixture.addLogin("alice")
        _ = try fixture.desk(as: alice)
        _ = try fixture.ownerDesk().deactivateReviewer(alice)
        #expect(throws: PostgresError.self) { try fixture.desk(as: alice) }
    }

    @Test("a reviewer who opens a restricted case is assigned to it and keeps seeing it")
    func reviewerOpensRestricted() throws {
        let fixture = try AccessFixture()
        defer { fixture.dropLogins() }
        let alice = try fixture.addLogin("alice")
        let bob = try fixture.addLogin("bob")
        let desk = try fixture.desk(as: alice)
        var draft = CaseDraft(claim: "Names of detained people", claimant: "A list")
        draft.restricted = true
        let opened = try desk.openCase(draft, as: nil)
        #expect(opened.restricted)
        #expect(opened.reviewers == [alice])
        #expect(try desk.history(.id(opened.id)).map(\.action) == ["open", "assign", "restrict"])
        #expect(try fixture.desk(as: bob).cases().isEmpty)
    }

    @Test("history written by reviewer logins still chains, and everyone gets the same head hash")
    func chainForReviewers() throws {
        let desk = try RestrictedDesk()
        defer { desk.fixture.dropLogins() }
        let alice = try desk.fixture.desk(as: desk.alice)
        try alice.addEvidence(to: .id(desk.restricted.id), stance: .context, credibility: 3, note: "site visit", source: nil, as: nil)
        try alice.move(.id(desk.restricted.id), to: .evidencePending, reason: nil, as: nil)
        try desk.fixture.desk(as: desk.bob).move(.id(desk.open.id), to: .disputed, reason: "denied", as: nil)
        let owner = try desk.fixture.ownerDesk()
        #expect(try owner.verifyHistory().intact)
        func head(_ db: Connection) throws -> String { try db.query("SELECT verity_history_head() AS h")[0].decode("h") }
        #expect(try head(Connection(desk.fixture.url(as: desk.bob))) == head(owner.db))
    }
}
