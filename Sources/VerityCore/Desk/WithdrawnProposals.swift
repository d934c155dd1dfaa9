import Foundation

/// A pending verdict proposal is withdrawn when its case leaves
/// evidence-pending (disputed, moved, or assessed after four-eyes was turned
/// off); the database records it as `withdraw-verdict` (sql/011). Commands
/// read the pending proposal before the change, so that they can say so.
extension Desk {
    /// The proposal of case `key` awaiting sign-off, if any.
    public func pendingProposal(_ key: CaseKey) throws -> VerdictProposal? {
        let found = try findCase(key)
        guard found.awaitingSignOff else { return nil }
        return try proposals(caseID: found.id).last { $0.state == .pending }
    }
}
