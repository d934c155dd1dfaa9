import PostgresClient

/// An error meant for the person at the terminal: what was wrong, where, and
/// what to do. `category` decides the exit code (see `ExitStatus` in the CLI).
public struct VerityError: Error, CustomStringConvertible, Sendable {
    public enum Category: String, Sendable {
        /// A bad argument or input value.
        case usage
        /// The case, source, reviewer or note does not exist.
        case notFound
        /// A workflow rule refused the change (transition, evidence, reviewer).
        case ruleViolated
        /// Someone else changed the same record first; running again is safe.
        case conflict
        /// The database cannot be reached or started.
        case unavailable
        /// Anything else: a bug or an unexpected server answer.
        case failure
    }

    public var category: Category
    public var message: String
    public var hint: String?

    public init(_ category: Category, _ message: String, hint: String? = nil) {
        self.category = category
        self.message = message
        self.hint = hint
    }

    public static func usage(_ message: String, hint: String? = nil) -> VerityError { .init(.usage, message, hint: hint) }
    public static func notFound(_ message: String, hint: String? = nil) -> VerityError { .init(.notFound, message, hint: hint) }
    public static func ruleViolated(_ message: String, hint: String? = nil) -> VerityError { .init(.ruleViolated, message, hint: hint) }
    public static func conflict(_ message: String, hint: String? = nil) -> VerityError { .init(.conflict, message, hint: hint) }
    public static func unavailable(_ message: String, hint: String? = nil) -> VerityError { .init(.unavailable, message, hint: hint) }

    public var description: String {
        hint.map { "\(message)\nhint: \($0)" } ?? message
    }
}
