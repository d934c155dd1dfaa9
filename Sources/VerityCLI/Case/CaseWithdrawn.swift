import VerityCore

/// The sentence a command adds when its change withdrew a pending verdict
/// proposal, as the database reported it.
func withdrawnSentence(_ desk: Desk, of moved: CaseSummary) -> String {
    guard let withdrawn = desk.takeWithdrawnProposals().last(where: { $0.caseID == moved.id }) else { return "" }
    return " Withdrew the verdict awaiting sign-off (\(withdrawn.verdict), confidence \(withdrawn.confidence), "
        + "proposed by \(withdrawn.proposedBy)); the case history records it."
}
