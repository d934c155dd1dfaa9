/// A five-character SQLSTATE code reported by the server, with names for the
/// codes Verity reacts to, so callers can write `case .uniqueViolation`.
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let uniqueViolation = SQLState("23505")
    public static let foreignKeyViolation = SQLState("23503")
    public static let checkViolation = SQLState("23514")
    public static let notNullViolation = SQLState("23502")
    public static let exclusionViolation = SQLState("23P01")
    public static let serializationFailure = SQLState("40001")
    public static let deadlockDetected = SQLState("40P01")
    public static let lockNotAvailable = SQLState("55P03")
    public static let insufficientPrivilege = SQLState("42501")
    public static let raiseException = SQLState("P0001")
    public static let readOnlySQLTransaction = SQLState("25006")
    public static let undefinedTable = SQLState("42P01")
    public static let syntaxError = SQLState("42601")
    public static let invalidTextRepresentation = SQLState("22P02")
    public static let queryCanceled = SQLState("57014")
    public static let adminShutdown = SQLState("57P01")
    public static let cannotConnectNow = SQLState("57P03")
    public static let featureNotSupported = SQLState("0A000")

    /// The two-character class, e.g. "23" for integrity constraint violations.
    public var errorClass: String { String(rawValue.prefix(2)) }

    /// Conflicts that a retry of the whole transaction can resolve.
    public var isTransientConflict: Bool {
        self == .serializationFailure || self == .deadlockDetected
    }
}
