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
        // Messages quote what users and files gave (a claim, a reason): shown, never obeyed by the terminal.
        let shown = { (text: String) in ControlCharacters.visible(text, keeping: ["\n"]) }
        console.error("error: \(shown(verityError.message))")
        if let hint = verityError.hint { console.error("hint: \(shown(hint))") }
        return code(for: verityError.category)
    }
}
