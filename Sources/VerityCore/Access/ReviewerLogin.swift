import Foundation
import PostgresClient

extension Desk {
    /// The group a reviewer's login belongs to: editors are reviewers who may
    /// assess any case (and see every restricted case); admins manage the desk.
    public static func group(for role: ReviewerRole) -> String {
        role == .admin ? DeskRoles.admin : DeskRoles.reviewer
    }

    /// Adds a reviewer with a database login role of the same name, in the
    /// right group, in one transaction: both exist or neither. The password is
    /// hashed (SCRAM-SHA-256) on this machine; the server never sees it.
    @discardableResult
    public func addReviewer(
        handle: String, name: String, email: String?, role: ReviewerRole, loginPassword password: String
    ) throws -> Reviewer {
        guard handle.utf8.count <= 63 else {
            throw VerityError.usage(
                "the handle \"\(handle)\" is \(handle.utf8.count) characters; a login's name has at most 63",
                hint: "choose a shorter handle")
        }
        guard !handle.hasPrefix("pg_") else {
            throw VerityError.usage(
                "the handle \"\(handle)\" starts with pg_, which PostgreSQL reserves for its own roles",
                hint: "choose another handle")
        }
        guard password.count >= 8 else {
            throw VerityError.usage(
                "the password for \(handle)'s login is \(password.isEmpty ? "empty" : "shorter than 8 characters")",
                hint: "put a longer one in the --password-file or in VERITY_NEW_PASSWORD")
        }
        try requireMayAddReviewers(login: true)
        guard try DeskRoles(connection: db).exist() else {
            throw VerityError.ruleViolated(
                "the group roles verity_reader, verity_reviewer and verity_admin do not exist yet",
                hint: "create them first with `verity db roles`")
        }
        let taken: Bool = try db.query("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = \(handle)) AS taken")[0]
            .decode("taken")
        if taken {
            throw VerityError.usage(
                "a database role named \"\(handle)\" already exists in this PostgreSQL cluster",
                hint: "roles are shared by every database of the cluster: choose another handle")
        }
        let verifier = try db.passwordVerifier(password, role: handle)
        return try db.transaction { db in
            try addReviewer(handle: handle, name: name, email: email, role: role)
            try db.query("UPDATE reviewers SET login = \(handle) WHERE handle = \(handle)")
            // The server quotes the name (%I) and the verifier (%L); the handle was validated above.
            let statement: String = try db.query(
                """
                SELECT format('CREATE ROLE %I LOGIN %s PASSWORD %L IN ROLE %I',
                              \(handle)::text, \(role == .admin ? "CREATEROLE" : "NOCREATEROLE")::text,
                              \(verifier)::text, \(Self.group(for: role))::text) AS statement
                """)[0].decode("statement")
            // Row-level security raises the planner's cost estimates of a login's
            // queries past jit_above_cost, and JIT compiling then cost more than the
            // queries themselves (20,000 cases: report status 0.6 s → 1.3 s, search
            // 0.1 s → 2.5 s, export 3 s → 8.5 s; without JIT 0.6 s, 0.3 s, 3.2 s).
            let tuning: String = try db.query("SELECT format('ALTER ROLE %I SET jit = off', \(handle)::text) AS s")[0]
                .decode("s")
            do {
                try db.execute(unsafeSQL: statement)
                try db.execute(unsafeSQL: tuning)
            } catch let error as PostgresError where error.sqlState == .insufficientPrivilege {
                throw VerityError.ruleViolated(
                    "the database user \"\(db.user)\" may not create login roles",
                    hint: "add reviewer logins as the desk admin (the database owner with CREATEROLE, or a superuser)")
            }
            return try reviewer(handle)!
        }
    }

    /// Makes a deactivated reviewer's login unable to connect (NOLOGIN).
    func disableLogin(_ db: Connection, _ login: String) throws {
        let statement: String = try db.query("SELECT format('ALTER ROLE %I NOLOGIN', \(login)::text) AS statement")[0]
            .decode("statement")
        do {
            try db.execute(unsafeSQL: statement)
        } catch let error as PostgresError where error.sqlState == .insufficientPrivilege {
            throw VerityError.ruleViolated(
                "the database user \"\(db.user)\" may not disable the login \(login) of this reviewer",
                hint: "deactivate reviewers with logins as the desk admin (CREATEROLE, or a superuser)")
        } catch let error as PostgresError where error.sqlState == SQLState("42704") {
            // The role was dropped by hand: nothing left to disable.
        }
    }

    /// The reviewer whose login this session is connected as, if any.
    public func connectedReviewer() throws -> String? {
        try db.query("SELECT handle FROM reviewers WHERE login = session_user::text").first?.decode("handle")
    }
}
