import VerityCore

/// The sentence a command adds when its change withdrew a pending verdict proposal.
func withdrawnSentence(_ pending: VerdictProposal?, _ after: CaseSummary) -> String {
    guard let pending, after.state != .evidencePending else { return "" }
    return " Withdrew the verdict awaiting sign-off (\(pending.verdict.rawValue), confidence \(pending.confidence), "
        + "proposed by \(pending.proposedBy)); the case history records it."
}

extension CaseDispute { static func withdrawn(_ p: VerdictProposal?, _ c: CaseSummary) -> String { withdrawnSentence(p, c) } }
extension CaseMove { static func withdrawn(_ p: VerdictProposal?, _ c: CaseSummary) -> String { withdrawnSentence(p, c) } }
extension CaseAssess { static func withdrawn(_ p: VerdictProposal?, _ c: CaseSummary) -> String { withdrawnSentence(p, c) } }
