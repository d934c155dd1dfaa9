import PostgresClient

/// The one table from database errors to what the user reads: a category
/// (which the CLI turns into an exit code, Sources/VerityCLI/Terminal/ExitStatus.swift),
/// a sentence and a hint. The database's own errors (SQLSTATE class VR) carry
/// their sentences; the others are put into words here.
public enum VerityErrorTranslation {
    public static func translate(_ error: Error) -> VerityError {
        if let error = error as? VerityError { return error }
        guard let error = error as? PostgresError else {
            return VerityError(.failure, "\(error)")
        }
        switch error.kind {
        case .connection: return .unavailable(error.message, hint: error.hint)
        case .invalidParameter: return .usage(error.message, hint: error.hint)
        case .decoding, .protocolViolation: return VerityError(.failure, error.message)
        case .server: break
        }
        let message = error.message + (error.detail.map { " (\($0))" } ?? "")
        guard let state = error.sqlState else { return VerityError(.failure, message) }
        // The database's own class, VR: its sentences are the user's; the code says which kind.
        if state.errorClass == "VR" {
            // An unknown reviewer (--as, --by, --to) is not found (66), wherever the database noticed it.
            if state == SQLState("VR003"), error.message.hasPrefix("unknown reviewer") {
                return .notFound(error.message, hint: error.hint)
            }
            // VR005: something the command must be given, such as a reason (64).
            if state == SQLState("VR005") { return .usage(error.message, hint: error.hint) }
            return .ruleViolated(error.message, hint: error.hint)
        }
        // A field limit (sql/migrations/005_field_limits.sql): the field and its limit, not the
        // failing row (which would repeat the whole over-long value).
        if state == .checkViolation, let name = error.constraint, let limit = FieldLimit.named(constraint: name) {
            return .usage(
                FieldLimit.message(limit.field, limit: limit.limit, length: nil) + " (the database refused the \(limit.table) row)",
                hint: "shorten it; a longer text belongs in an attached source or evidence notes")
        }
        if state == .checkViolation, error.constraint == "cases_tags_defined" {
            return .usage(
                "a tag is lower-case, trimmed, not empty, at most \(FieldLimit.tagLimit) characters, without ';' or control characters",
                hint: "e.g. --tag mass-graves")
        }
        switch state {
        case .serializationFailure, .deadlockDetected, .lockNotAvailable:
            return .conflict(error.message, hint: "another change to the same record won; run the command again")
        case .checkViolation, .notNullViolation, .uniqueViolation, .foreignKeyViolation,
            .invalidTextRepresentation, SQLState("22007"), SQLState("22008"), SQLState("22001"):
            return .usage(message, hint: error.hint)
        case .insufficientPrivilege:
            // A refusal, not a failure: the connected role lacks the right (exit 65).
            return .ruleViolated(
                "the database user you are connected as is not allowed to do this (the database said: \(error.message))",
                hint: error.hint ?? "connect as a reviewer whose role may do it (an editor or admin), or as the database owner; "
                    + "`verity db roles --help` lists what each role may do")
        case .readOnlySQLTransaction:
            // A hot standby (or a read-only URL) cannot take changes: the server for
            // writes is elsewhere, so this is "unavailable" (69), not a failure.
            return .unavailable(
                "the server is read-only (a standby, or a read-only session), so it cannot take this change (\(message))",
                hint: "point Verity at the primary, or give every server in one URL with target_session_attrs=read-write")
        case .adminShutdown, .cannotConnectNow:
            return .unavailable(message)
        default:
            return VerityError(.failure, message, hint: error.hint)
        }
    }
}
