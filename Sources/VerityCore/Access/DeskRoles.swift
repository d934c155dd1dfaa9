#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// The three group roles of a desk and what they may do, granted by
/// `verity db roles`:
///
/// - `verity_reader`: reads every desk table (SELECT) and runs reports, search
///   and export; row-level security hides restricted cases it may not see.
/// - `verity_reviewer`: a reader that also works cases: the writes listed in
///   `verity_access_grants` (INSERT/UPDATE on cases, evidence, source links,
///   assignments and sources; DELETE only to unassign). Never case_history
///   (the database writes it), the migrations table or roles.
/// - `verity_admin`: a reviewer that also manages reviewers; sees every case.
///
/// Group roles are cluster-wide; grants are per database and per table, so the
/// command grants on the tables that exist when it runs and must run again
/// after migrations add tables.
public struct DeskRoles {
    public static let reader = "verity_reader"
    public static let reviewer = "verity_reviewer"
    public static let admin = "verity_admin"
    public static let all = [reader, reviewer, admin]

    let db: Connection

    public init(connection: Connection) { db = connection }

    /// What one run did, for the command's output.
    public struct Outcome: Encodable, Sendable {
        public var createdRoles: [String]
        public var database: String
        public var tables: Int
        public var grants: [Grant]

        public struct Grant: Encodable, Sendable {
            public var role: String
            public var table: String
            public var privileges: String
        }
    }

    /// Creates the missing group roles and grants them exactly their privileges
    /// on every table of the schema, revoking anything else they held. Safe to
    /// run again; run it after every migration that adds tables.
    @discardableResult
    public func ensure() throws -> Outcome {
        try requireMigrated()
        try requireMayGrant()
        return try db.transaction { db in
            var created: [String] = []
            for role in Self.all {
                // Statement text is built by the server (format %I) from names this program holds.
                let made = try db.query(
                    """
                    SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = \(role)) AS missing,
                           format('CREATE ROLE %I NOLOGIN', \(role)::text) AS statement
                    """)[0]
                if try made.decode("missing", as: Bool.self) {
                    do {
                        try db.transaction { db in try db.execute(unsafeSQL: try made.decode("statement", as: String.self)) }
                        created.append(role)
                    } catch let error as PostgresError
                        where error.sqlState == SQLState("42710") || error.sqlState == .uniqueViolation
                    {
                        // Created by a concurrent run (roles are shared by the whole cluster).
                    } catch let error as PostgresError where error.sqlState == .insufficientPrivilege {
                        throw VerityError.ruleViolated(
                            "the database user \"\(db.user)\" may not create roles, so the group role \(role) is missing",
                            hint: "run `verity db roles` as the database owner with CREATEROLE, or as a superuser")
                    }
                }
            }
            try db.execute(
                unsafeSQL: """
                    GRANT verity_reader TO verity_reviewer;
                    GRANT verity_reviewer TO verity_admin;
                    GRANT USAGE ON SCHEMA public TO verity_reader;
                    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM verity_reader, verity_reviewer, verity_admin;
                    REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM verity_reader, verity_reviewer, verity_admin;
                    GRANT SELECT ON ALL TABLES IN SCHEMA public TO verity_reader;
                    GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO verity_reviewer;
                    """)
            let database = try db.query(
                "SELECT current_database() AS name, format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO verity_reader', current_database()) AS statement"
            )[0]
            try db.execute(unsafeSQL: try database.decode("statement", as: String.self))
            // The writes each group may make, from the table the migrations keep.
            let writes = try db.query(
                """
                SELECT g.grantee, g.table_name, g.privileges,
                       format('GRANT %s ON TABLE %I TO %I', g.privileges, g.table_name, g.grantee) AS statement
                  FROM verity_access_grants g
                 WHERE to_regclass(format('public.%I', g.table_name)) IS NOT NULL
                 ORDER BY g.grantee DESC, g.table_name
                """)
            var grants: [Outcome.Grant] = []
            for row in writes.rows {
                try db.execute(unsafeSQL: try row.decode("statement", as: String.self))
                grants.append(.init(
                    role: try row.decode("grantee"), table: try row.decode("table_name"),
                    privileges: try row.decode("privileges")))
            }
            try grantLoginFunctions(db)
            try stripRolePowers(db)
            let tables: Int = try db.query(
                """
                SELECT count(*)::bigint AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'p', 'm')
                """)[0].decode("n")
            return Outcome(
                createdRoles: created, database: try database.decode("name"), tables: tables, grants: grants)
        }
    }

    /// Admins create and disable logins, and every login changes its own
    /// password, only through the owner's functions of sql/definitions/60_access.sql
    /// (which check the caller again): no Verity role needs CREATEROLE.
    private func grantLoginFunctions(_ db: Connection) throws {
        let present: Bool = try db.query(
            "SELECT to_regprocedure('verity_create_login(text, text, text)') IS NOT NULL AS present")[0].decode("present")
        guard present else { return }
        try db.execute(
            unsafeSQL: """
                GRANT EXECUTE ON FUNCTION verity_create_login(text, text, text), verity_disable_login(text) TO verity_admin;
                GRANT EXECUTE ON FUNCTION verity_set_login_password(text, text) TO verity_reader;
                """)
    }

    /// Takes from the group roles and every reviewer login what would let them
    /// step outside the desk: CREATEROLE (which on PostgreSQL 15 can grant
    /// pg_execute_server_program, i.e. a shell as the server's OS user) and
    /// membership of the roles that read, write or run server files and programs.
    private func stripRolePowers(_ db: Connection) throws {
        let statements = try db.query(
            """
            WITH verity_roles AS (
                SELECT r.oid, r.rolname FROM pg_roles r
                 WHERE NOT r.rolsuper
                   AND (r.rolname = ANY (\(Self.all))
                        OR r.rolname IN (SELECT v.login FROM reviewers v WHERE v.login IS NOT NULL)))
            SELECT format('ALTER ROLE %I NOCREATEROLE', v.rolname) AS statement
              FROM verity_roles v JOIN pg_roles r ON r.oid = v.oid WHERE r.rolcreaterole
            UNION ALL
            SELECT format('REVOKE %I FROM %I', g.rolname, v.rolname)
              FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN verity_roles v ON v.oid = m.member
             WHERE g.rolname IN ('pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files',
                                 'pg_write_all_data', 'pg_read_all_data', 'pg_signal_backend')
            """)
        for row in statements.rows {
            try db.execute(unsafeSQL: try row.decode("statement", as: String.self))
        }
    }

    /// Whether the group roles exist (reviewer logins need them).
    public func exist() throws -> Bool {
        let found: Int = try db.query(
            "SELECT count(*)::bigint AS n FROM pg_roles WHERE rolname = ANY (\(Self.all))")[0].decode("n")
        return found == Self.all.count
    }

    private func requireMigrated() throws {
        let present: Bool = try db.query(
            "SELECT to_regclass('verity_access_grants') IS NOT NULL AS present")[0].decode("present")
        guard present else {
            throw VerityError.usage(
                "this database has no Verity schema with access rules yet",
                hint: "run `verity db migrate` first")
        }
    }
}
