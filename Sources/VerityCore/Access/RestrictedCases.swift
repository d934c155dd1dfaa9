#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// Restricted cases: graphic or personal material that only the case's
/// assigned reviewers, editors and admins may see. The database enforces it
/// (row-level security, sql/definitions/60_access.sql); these functions only make the steps read well.
extension Desk {
    /// Whom restriction can hide a case from, seen from this connection.
    public enum RestrictionReach: Sendable, Equatable {
        /// Connected as a reviewer's login: the database filters what it sees.
        case login
        /// Connected as the desk owner (or a superuser), which sees every case whatever
        /// `--as` says; `desksLogins` says whether any reviewer has a login that it hides from.
        case owner(desksLogins: Bool)
    }

    /// Whether this connection is the owner's (the embedded default: every command
    /// connects as the cluster's owner), for whom restriction hides nothing.
    public func restrictionReach() throws -> RestrictionReach {
        let row = try db.query(
            """
            SELECT (r.rolsuper OR pg_catalog.pg_has_role(session_user, d.datdba, 'MEMBER')) AS owner,
                   EXISTS (SELECT 1 FROM public.reviewers v WHERE v.login IS NOT NULL) AS logins
              FROM pg_catalog.pg_roles r, pg_catalog.pg_database d
             WHERE r.rolname = session_user AND d.datname = pg_catalog.current_database()
            """)[0]
        return try row.decode("owner") ? .owner(desksLogins: row.decode("logins")) : .login
    }

    /// Restricts a case just opened in this transaction. A plain reviewer who
    /// opens it is assigned to it first, so that they keep seeing their case.
    func restrictOpened(_ db: Connection, caseID: Int) throws {
        let opener = try db.query("SELECT id, role FROM reviewers WHERE id = verity_actor_id()")[0]
        if try opener.decode("role", as: String.self) == ReviewerRole.reviewer.rawValue {
            try db.query(
                "INSERT INTO case_assignments (case_id, reviewer_id) VALUES (\(caseID), \(try opener.decode("id", as: Int.self)))")
        }
        try db.query(
            """
            SELECT set_config('verity.reason', coalesce(verity_setting('verity.reason'), 'restricted when opened'), true)
            """)
        try db.query("UPDATE cases SET restricted = true WHERE id = \(caseID)")
    }

    /// Explains a refused restriction before the database refuses it.
    func requireRestrictable(_ current: CaseSummary, _ restricted: Bool, reason: String?, by actor: String?) throws {
        let verb = restricted ? "restricting" : "lifting the restriction of"
        guard !(reason?.trimmed.isEmpty ?? true) else {
            throw VerityError.usage(
                "\(verb) case \(current.label) needs a reason",
                hint: "say why with --reason, e.g. --reason \"graphic images of victims\"")
        }
        guard current.restricted != restricted else {
            throw VerityError.ruleViolated(
                "case \(current.label) is \(restricted ? "already restricted" : "not restricted")")
        }
        guard restricted, let handle = try actingReviewer(actor), let reviewer = try reviewer(handle) else { return }
        if reviewer.role == .reviewer, !current.reviewers.contains(handle) {
            throw VerityError.ruleViolated(
                "reviewer \"\(handle)\" is not assigned to case \(current.label); restricting it would hide it from them",
                hint: "assign them first (`verity case assign \(current.id) --to \(handle)`) or ask an editor")
        }
    }
}
