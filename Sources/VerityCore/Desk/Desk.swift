#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// The verification desk: every operation a reviewer can do, each in one
/// transaction. The database's triggers record the history and re-check the
/// rules; Swift checks first so that refusals read well.
public struct Desk {
    public let db: Connection

    public init(connection: Connection) { db = connection }

    /// Runs `body` in one transaction on behalf of `actor`, with an optional
    /// reason and extra history details that the triggers pick up.
    func change<Result>(
        as actor: String?, reason: String? = nil, details: String? = nil, at: Date? = nil,
        _ body: (Connection) throws -> Result
    ) throws -> Result {
        // A reviewer connected with their own login acts as themselves without --as.
        guard let actor = try actingReviewer(actor) else {
            throw VerityError.usage(
                "who is acting? every change records its reviewer",
                hint: "pass --as HANDLE or set VERITY_REVIEWER")
        }
        let trimmedReason = reason?.trimmed
        try FieldLimit.limit("case_history", "reason").check(trimmedReason, as: "--reason")
        // What the database reports about this change, and nothing older (a batch shares the connection).
        _ = db.takeNotices()
        // (sent with BEGIN, in one round trip)
        let settings: Query = """
            SELECT set_config('verity.actor', \(actor), true),
                   set_config('verity.reason', \(trimmedReason ?? ""), true),
                   set_config('verity.details', \(details ?? ""), true),
                   set_config('verity.at', \(at.map(TimestampText.format) ?? ""), true)
            """
        return try db.transaction(opening: settings, body)
    }

    /// The given handle, or else the reviewer this session's login belongs to.
    func actingReviewer(_ given: String?) throws -> String? {
        if let given, !given.isEmpty { return given }
        return try connectedReviewer()
    }

    /// Checks that `handle` names an active reviewer (the database checks again).
    func requireActiveReviewer(_ handle: String, role: String = "acting reviewer") throws -> Reviewer {
        guard let reviewer = try reviewer(handle) else {
            throw VerityError.notFound(
                "unknown reviewer \"\(handle)\" (\(role))",
                hint: "list reviewers with `verity reviewer list`; add one with `verity reviewer add`")
        }
        guard reviewer.active else {
            throw VerityError.ruleViolated("reviewer \"\(handle)\" is deactivated and cannot act")
        }
        return reviewer
    }
}

/// How a case is named on the command line: its number or its reference.
public enum CaseKey: Sendable, CustomStringConvertible, Equatable {
    case id(Int)
    case ref(String)

    public init(_ text: String) {
        if let number = Int(text), number > 0 { self = .id(number) } else { self = .ref(text) }
    }

    public var description: String {
        switch self {
        case .id(let id): return "case \(id)"
        case .ref(let ref): return "case \(ref)"
        }
    }

    var condition: Query {
        switch self {
        case .id(let id): return "c.id = \(id)"
        case .ref(let ref): return "c.ref = \(ref)"
        }
    }
}
