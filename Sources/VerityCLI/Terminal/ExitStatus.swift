import ArgumentParser
import PostgresClient
import VerityCore

/// The one place that maps failures to exit codes and words for the user.
/// Codes follow sysexits.h, so scripts can tell the cases apart:
///
/// | code | meaning |
/// |---|---|
/// | 0 | success |
/// | 1 | unexpected failure |
/// | 64 | usage error: a bad option or value |
/// | 65 | rule violated: transition, missing evidence, deactivated reviewer, no permission |
/// | 66 | not found: no such case, source, reviewer (also --as/--by/--to naming an unknown one) or note |
/// | 69 | database unavailable |
/// | 75 | conflicting concurrent change: run the command again |
public enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    case failure = 1
    case usage = 64
    case ruleViolated = 65
    case notFound = 66
    case unavailable = 69
    case conflict = 75

    static func code(for category: VerityError.Category) -> ExitStatus {
        switch category {
        case .usage: return .usage
        case .notFound: return .notFound
        case .ruleViolated: return .ruleViolated
        case .conflict: return .conflict
        case .unavailable: return .unavailable
        case .failure: return .failure
        }
    }

    /// Prints `error` for a person and returns the exit code for it.
    static func report(_ error: Error, console: Console) -> ExitStatus {
        let verityError = VerityErrorTranslation.translate(error)
        console.error("error: \(verityError.message)")
        if let hint = verityError.hint { console.error("hint: \(hint)") }
        return code(for: verityError.category)
    }
}

/// Turns database errors into the user-facing categories.
enum VerityErrorTranslation {
    static func translate(_ error: Error) -> VerityError {
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
        // An unknown reviewer (--as, --by, --to) is not found (66), wherever the database noticed it.
        if state == SQLState("VR003"), error.message.hasPrefix("unknown reviewer") {
            return .notFound(error.message, hint: error.hint)
        }
        if state.errorClass == "VR" { return .ruleViolated(error.message, hint: error.hint) }
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
