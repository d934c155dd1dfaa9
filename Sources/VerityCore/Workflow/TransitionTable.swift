#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// One allowed move between states.
public struct Transition: Sendable, Equatable {
    public let from: CaseState
    public let to: CaseState
    /// The history action name ("dispute", "move", "assess", "reopen").
    public let action: String
    public let requiresReason: Bool
}

/// The allowed moves between states as the database's `case_transitions`
/// holds them: the one source of the workflow, which the trigger on cases
/// enforces. Verity reads it to say what may come next; it never decides a
/// move by itself.
public struct TransitionTable: Sendable, Equatable {
    public let transitions: [Transition]

    public static let query: Query = "SELECT from_state, to_state, action, requires_reason FROM case_transitions"

    public init(_ rows: ResultSet) throws {
        transitions = try rows.rows.compactMap { row in
            guard let from = CaseState(rawValue: try row.decode("from_state")),
                let to = CaseState(rawValue: try row.decode("to_state"))
            else { return nil }
            return Transition(
                from: from, to: to, action: try row.decode("action"), requiresReason: try row.decode("requires_reason"))
        }
    }

    /// The states `state` may move to, in workflow order.
    public func targets(from state: CaseState) -> [CaseState] {
        transitions.filter { $0.from == state }.map(\.to).sorted()
    }

    public func step(from: CaseState, to: CaseState) -> Transition? {
        transitions.first { $0.from == from && $0.to == to }
    }
}

extension Desk {
    /// The database's transition table.
    public func transitionTable() throws -> TransitionTable {
        try TransitionTable(db.query(TransitionTable.query))
    }
}
