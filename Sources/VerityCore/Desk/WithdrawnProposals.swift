import Foundation

/// A pending verdict proposal is withdrawn when its case leaves
/// evidence-pending (disputed, moved, or assessed after four-eyes was turned
/// off); the database records it as `withdraw-verdict` (sql/definitions/40_four_eyes_links.sql). Commands
/// read the pending proposal before the change, so that they can say so.
extension Desk {
    /// The proposal of a case (as a command has read it) awaiting sign-off, if
    /// any: no query when the case has none, which is the usual case.
    public func pendingProposal(of found: CaseSummary) throws -> VerdictProposal? {
        guard found.awaitingSignOff else { return nil }
        return try proposals(caseID: found.id).last { $0.state == .pending }
    }
}
