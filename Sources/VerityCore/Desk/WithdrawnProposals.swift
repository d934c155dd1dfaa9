#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// A pending verdict proposal is withdrawn when its case leaves
/// evidence-pending (disputed, moved, or assessed after four-eyes was turned
/// off); the database records it as `withdraw-verdict` and reports it to the
/// session that moved the case with a notice (VRW01,
/// sql/definitions/40_four_eyes_links.sql), which commands read after the change.
public struct WithdrawnProposal: Sendable, Equatable, Decodable {
    public let caseID: Int
    public let verdict: String
    public let confidence: Int
    public let proposedBy: String

    enum CodingKeys: String, CodingKey {
        case caseID = "case_id", verdict, confidence, proposedBy = "proposed_by"
    }
}

extension Desk {
    /// The proposals the database withdrew since the last call, as it reported them.
    public func takeWithdrawnProposals() -> [WithdrawnProposal] {
        db.takeNotices().compactMap { notice in
            guard notice.sqlState == SQLState("VRW01"), let detail = notice.detail else { return nil }
            return try? JSONDecoder().decode(WithdrawnProposal.self, from: Data(detail.utf8))
        }
    }
}
