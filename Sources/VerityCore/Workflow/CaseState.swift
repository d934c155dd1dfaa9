/// Where a case stands. The allowed moves between states live here and in the
/// database's `case_transitions` table; a test checks that the two agree.
public enum CaseState: String, CaseIterable, Codable, Sendable, Comparable {
    case claimed
    case disputed
    case evidencePending = "evidence-pending"
    case assessed

    /// Every allowed move, with the history action it records and whether a reason is required.
    public static let transitions: [Transition] = [
        Transition(from: .claimed, to: .disputed, action: "dispute", requiresReason: true),
        Transition(from: .claimed, to: .evidencePending, action: "move", requiresReason: false),
        Transition(from: .disputed, to: .evidencePending, action: "move", requiresReason: false),
        Transition(from: .evidencePending, to: .disputed, action: "dispute", requiresReason: true),
        Transition(from: .evidencePending, to: .assessed, action: "assess", requiresReason: false),
        Transition(from: .assessed, to: .evidencePending, action: "reopen", requiresReason: true),
    ]

    /// The states this one may move to, in workflow order.
    public var allowedTargets: [CaseState] {
        Self.transitions.filter { $0.from == self }.map(\.to).sorted()
    }

    public func transition(to target: CaseState) -> Transition? {
        Self.transitions.first { $0.from == self && $0.to == target }
    }

    /// Open states are those still being worked.
    public var isOpen: Bool { self != .assessed }

    var position: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (a: CaseState, b: CaseState) -> Bool { a.position < b.position }
}

/// One allowed move between states.
public struct Transition: Sendable, Equatable {
    public let from: CaseState
    public let to: CaseState
    /// The history action name ("dispute", "move", "assess", "reopen").
    public let action: String
    public let requiresReason: Bool
}
