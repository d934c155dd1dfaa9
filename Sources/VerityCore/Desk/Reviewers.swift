#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

extension Desk {
    nonisolated(unsafe) static let handlePattern = #/[a-z0-9._-]{1,64}/#

    /// Adds a reviewer. Adding the first reviewers needs no acting reviewer.
    @discardableResult
    public func addReviewer(handle: String, name: String, email: String?, role: ReviewerRole) throws -> Reviewer {
        guard handle.wholeMatch(of: Self.handlePattern) != nil else {
            throw VerityError.usage(
                "the handle \"\(handle)\" is not valid",
                hint: "use 1-64 lowercase letters, digits, dots, underscores or dashes, e.g. \"analyst\" or \"j.doe\"")
        }
        guard !name.trimmed.isEmpty else {
            throw VerityError.usage("the reviewer's --name must not be empty")
        }
        try requireMayAddReviewers(login: false)
        if let email, email.wholeMatch(of: #/[^@\s]+@[^@\s]+/#) == nil {
            throw VerityError.usage("\"\(email)\" is not an email address", hint: "use the form name@example.org")
        }
        do {
            try db.query(
                "INSERT INTO reviewers (handle, name, email, role) VALUES (\(handle), \(name), \(email), \(role.rawValue))")
        } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            throw VerityError.usage(
                "a reviewer with the handle \"\(handle)\" already exists", hint: "choose another handle")
        }
        return try reviewer(handle)!
    }

    public func reviewers(includeInactive: Bool = true) throws -> [Reviewer] {
        try db.query(
            "SELECT handle, name, email, role, active, created_at, login FROM reviewers WHERE active OR \(includeInactive) ORDER BY handle"
        ).rows.map(Self.decodeReviewer)
    }

    public func reviewer(_ handle: String) throws -> Reviewer? {
        try db.query("SELECT handle, name, email, role, active, created_at, login FROM reviewers WHERE handle = \(handle)")
            .first.map(Self.decodeReviewer)
    }

    /// Deactivates a reviewer: they keep their history but can no longer act or be assigned.
    public func deactivateReviewer(_ handle: String) throws -> Reviewer {
        if let existing = try reviewer(handle) { try requireMayDeactivateReviewers(withLogin: existing.login != nil) }
        return try db.transaction { db in
            let updated = try db.query("UPDATE reviewers SET active = false WHERE handle = \(handle) RETURNING login")
            guard updated.rowCount == 1 else {
                throw VerityError.notFound("no reviewer \"\(handle)\"", hint: "list reviewers with `verity reviewer list`")
            }
            // Their database login stops working too (see Access/ReviewerLogin.swift).
            if let login: String = try updated[0].decode("login") { try disableLogin(db, login) }
            return try reviewer(handle)!
        }
    }

    static func decodeReviewer(_ row: Row) throws -> Reviewer {
        Reviewer(
            handle: try row.decode("handle"), name: try row.decode("name"), email: try row.decode("email"),
            role: ReviewerRole(rawValue: try row.decode("role")) ?? .reviewer, active: try row.decode("active"),
            createdAt: try row.decode("created_at"), login: try row.decode("login"))
    }
}
