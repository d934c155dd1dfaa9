#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// Up-front checks for the desk-admin commands (`db roles`, `reviewer add`,
/// `reviewer deactivate`): a connected role that may not do the job is told so
/// in one sentence before anything runs, instead of failing half-way with the
/// server's "permission denied" text. The database still enforces the rights;
/// these checks only explain them.
extension Desk {
    /// What the connected role may do with reviewers and roles.
    struct AdminRights {
        var user: String
        var superuser: Bool
        var createRole: Bool
        var ownsSchema: Bool
        var insertReviewers: Bool
        var updateReviewers: Bool
        /// May call the owner's login functions (sql/definitions/60_access.sql): a superuser, the owner or an admin login.
        var manageLogins: Bool
    }

    func adminRights() throws -> AdminRights {
        let row = try db.query(
            """
            SELECT current_user::text AS user_name, r.rolsuper AS superuser, r.rolcreaterole AS createrole,
                   coalesce((SELECT pg_has_role(current_user, c.relowner, 'USAGE')
                               FROM pg_class c WHERE c.oid = to_regclass('cases')), false) AS owns_schema,
                   coalesce(has_table_privilege(to_regclass('reviewers'), 'INSERT'), false) AS insert_reviewers,
                   coalesce(has_table_privilege(to_regclass('reviewers'), 'UPDATE'), false) AS update_reviewers,
                   CASE WHEN to_regprocedure('verity_may_manage_logins()') IS NULL THEN r.rolsuper
                        ELSE verity_may_manage_logins() END AS manage_logins
              FROM pg_roles r WHERE r.rolname = current_user
            """)[0]
        return AdminRights(
            user: try row.decode("user_name"), superuser: try row.decode("superuser"),
            createRole: try row.decode("createrole"), ownsSchema: try row.decode("owns_schema"),
            insertReviewers: try row.decode("insert_reviewers"), updateReviewers: try row.decode("update_reviewers"),
            manageLogins: try row.decode("manage_logins"))
    }

    /// `reviewer add` (with `login`: also a database login role).
    func requireMayAddReviewers(login: Bool) throws {
        let rights = try adminRights()
        guard rights.insertReviewers else {
            throw VerityError.ruleViolated(
                "only a desk admin may add reviewers; the database user \"\(rights.user)\" is not one",
                hint: "ask a desk admin (a reviewer with --role admin, or the database owner) to run `verity reviewer add`")
        }
        if login, !rights.manageLogins {
            throw VerityError.ruleViolated(
                "only a desk admin may add reviewers with a login; the database user \"\(rights.user)\" may not create logins",
                hint: "add reviewer logins as the database owner, an admin reviewer's login, or a superuser")
        }
    }

    /// `reviewer deactivate` (a reviewer with a login: the login is disabled too).
    func requireMayDeactivateReviewers(withLogin: Bool) throws {
        let rights = try adminRights()
        guard rights.updateReviewers, !withLogin || rights.manageLogins else {
            throw VerityError.ruleViolated(
                "only a desk admin may deactivate reviewers; the database user \"\(rights.user)\" may not",
                hint: "ask a desk admin (a reviewer with --role admin, or the database owner) to run `verity reviewer deactivate`")
        }
    }
}

extension DeskRoles {
    /// `db roles` creates roles and grants on every table: only the owner of
    /// the Verity tables with CREATEROLE, or a superuser, may.
    func requireMayGrant() throws {
        let rights = try Desk(connection: db).adminRights()
        guard rights.superuser || (rights.createRole && rights.ownsSchema) else {
            throw VerityError.ruleViolated(
                "only the database owner (with CREATEROLE) or a superuser may run `verity db roles`; "
                    + "the database user \"\(rights.user)\" is neither",
                hint: "connect as the owner of the Verity tables, e.g. with --database-url postgres://OWNER@HOST/DB")
        }
    }
}
