#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
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
            // The role is created by verity_create_login (sql/definitions/60_access.sql), which runs as
            // the desk owner: no Verity role holds CREATEROLE, and the function creates only
            // an ordinary login in a Verity group for a reviewer row that names it.
            do {
                try db.query(
                    "SELECT verity_create_login(\(handle), \(verifier), \(Self.group(for: role)))")
            } catch let error as PostgresError where error.sqlState == .insufficientPrivilege {
                throw VerityError.ruleViolated(
                    "the database user \"\(db.user)\" may not create login roles",
                    hint: "add reviewer logins as a desk admin (an admin reviewer's login, the database owner, or a superuser)")
            }
            return try reviewer(handle)!
        }
    }

    /// Makes a deactivated reviewer's login unable to connect (NOLOGIN).
    func disableLogin(_ db: Connection, _ login: String) throws {
        // Through the owner's function (sql/definitions/60_access.sql), which also ignores a role dropped by hand.
        do {
            try db.query("SELECT verity_disable_login(\(login))")
        } catch let error as PostgresError where error.sqlState == .insufficientPrivilege {
            throw VerityError.ruleViolated(
                "the database user \"\(db.user)\" may not disable the login \(login) of this reviewer",
                hint: "deactivate reviewers with logins as a desk admin (an admin reviewer's login, the owner, or a superuser)")
        }
    }

    /// Gives reviewer `handle`'s login a new password and records who changed it
    /// and when (never the password). A login may change its own; a desk admin
    /// any reviewer's. The password is hashed (SCRAM-SHA-256) on this machine.
    public func changeLoginPassword(handle: String, password: String) throws {
        guard let found = try reviewer(handle) else {
            throw VerityError.notFound(
                "unknown reviewer \"\(handle)\"", hint: "list reviewers with `verity reviewer list`")
        }
        guard let login = found.login else {
            throw VerityError.usage(
                "reviewer \(handle) has no database login, so it has no password",
                hint: "reviewers get a login with `verity reviewer add HANDLE --login`")
        }
        guard password.count >= 8 else {
            throw VerityError.usage(
                "the new password for \(handle)'s login is \(password.isEmpty ? "empty" : "shorter than 8 characters")",
                hint: "put a longer one in the --password-file (or on standard input with --password-file -)")
        }
        let verifier = try db.passwordVerifier(password, role: login)
        do {
            try db.transaction { db in _ = try db.query("SELECT verity_set_login_password(\(login), \(verifier))") }
        } catch let error as PostgresError where error.sqlState == .insufficientPrivilege {
            throw VerityError.ruleViolated(
                error.message, hint: "a login changes its own password; a desk admin may change any reviewer's")
        }
    }

    /// The reviewer whose login this session is connected as, if any.
    public func connectedReviewer() throws -> String? {
        try db.query("SELECT handle FROM reviewers WHERE login = session_user::text").first?.decode("handle")
    }
}
