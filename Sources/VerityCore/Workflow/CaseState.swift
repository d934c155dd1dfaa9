/// Where a case stands. The allowed moves between states live in the
/// database's `case_transitions` table only (read through `TransitionTable`);
/// the database refuses any other move.
public enum CaseState: String, CaseIterable, Codable, Sendable, Comparable {
    case claimed
    case disputed
    case evidencePending = "evidence-pending"
    case assessed

    /// Open states are those still being worked.
    public var isOpen: Bool { self != .assessed }

    var position: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (a: CaseState, b: CaseState) -> Bool { a.position < b.position }
}
