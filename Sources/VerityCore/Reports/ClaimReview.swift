import Foundation
import PostgresClient

/// Who publishes the fact checks: the `author` of every ClaimReview.
public struct ClaimReviewPublisher: Sendable {
    public var name: String?
    public var url: String?
    /// A page per review, e.g. "https://desk.example/checks/{ref}"; `{id}` and `{ref}` are filled in.
    public var reviewURLTemplate: String?

    public init(name: String? = nil, url: String? = nil, reviewURLTemplate: String? = nil) {
        self.name = name
        self.url = url
        self.reviewURLTemplate = reviewURLTemplate
    }
}

/// What ClaimReview needs of one assessed case.
public struct AssessedClaim: Sendable {
    public var id: Int
    public var ref: String?
    public var claim: String
    public var claimant: String
    public var claimedAt: CalendarDate?
    public var verdict: Verdict
    public var assessedAt: Date
    public var appearances: [String]
}

/// schema.org ClaimReview (https://schema.org/ClaimReview) as JSON-LD.
public enum ClaimReview {
    /// Words that mark a claimant as an organisation rather than a person.
    static let organisationWords: Set<String> = [
        "ministry", "government", "office", "agency", "kremlin", "council", "committee", "army", "forces", "command",
        "police", "service", "services", "department", "news", "press", "tv", "radio", "inc", "inc.",
        "ltd", "ltd.", "llc", "party", "embassy", "nations", "un", "nato", "mission", "commission", "staff",
        "administration", "parliament", "senate", "duma", "union", "organisation", "organization", "group", "company",
        "corporation", "foundation", "institute", "university", "channel", "agency's", "spokesperson's", "media",
    ]

    /// "Person" or "Organization", guessed from the claimant's name (Verity does not record which).
    /// Only the name before a comma counts: "Dmitry Peskov, Kremlin spokesman" is a person.
    public static func claimantType(_ claimant: String) -> String {
        let name = claimant.split(separator: ",", maxSplits: 1).first.map(String.init) ?? claimant
        let words = name.lowercased().split { !$0.isLetter && $0 != "." && $0 != "'" }.map(String.init)
        return words.contains(where: organisationWords.contains) ? "Organization" : "Person"
    }

    public static func day(_ date: Date) -> String { String(TimestampText.format(date).prefix(10)) }

    /// One ClaimReview object. Unverifiable cases keep `alternateName` but carry no numeric rating.
    public static func object(_ claim: AssessedClaim, publisher: ClaimReviewPublisher) -> JSONValue {
        var rating: [String: JSONValue] = ["@type": .string("Rating"), "alternateName": .string(claim.verdict.rawValue)]
        if let value = claim.verdict.ratingValue {
            rating["ratingValue"] = .number(Double(value))
            rating["bestRating"] = .number(5)
            rating["worstRating"] = .number(1)
        }
        var item: [String: JSONValue] = [
            "@type": .string("Claim"),
            "author": .object(["@type": .string(claimantType(claim.claimant)), "name": .string(claim.claimant)]),
        ]
        if let claimedAt = claim.claimedAt { item["datePublished"] = .string(claimedAt.description) }
        if !claim.appearances.isEmpty {
            item["appearance"] = .array(claim.appearances.map { .object(["@type": .string("CreativeWork"), "url": .string($0)]) })
        }
        var review: [String: JSONValue] = [
            "@context": .string("https://schema.org"),
            "@type": .string("ClaimReview"),
            "claimReviewed": .string(claim.claim),
            "reviewRating": .object(rating),
            "itemReviewed": .object(item),
            "datePublished": .string(day(claim.assessedAt)),
        ]
        if let name = publisher.name {
            var author: [String: JSONValue] = ["@type": .string("Organization"), "name": .string(name)]
            if let url = publisher.url { author["url"] = .string(url) }
            review["author"] = .object(author)
        }
        if let template = publisher.reviewURLTemplate {
            review["url"] = .string(
                template.replacingOccurrences(of: "{id}", with: String(claim.id))
                    .replacingOccurrences(of: "{ref}", with: claim.ref ?? String(claim.id)))
        }
        return .object(review)
    }
}

extension Desk {
    static let assessedClaimColumns: Query = """
        SELECT c.id, c.ref, c.claim, c.claimant, c.claimed_at, c.state, c.verdict, c.assessed_at,
               coalesce((SELECT array_agg(s.url ORDER BY s.id) FROM case_sources cs JOIN sources s ON s.id = cs.source_id
                          WHERE cs.case_id = c.id), '{}') AS appearances
          FROM cases c
        """

    static func decodeAssessedClaim(_ row: Row) throws -> AssessedClaim? {
        guard let verdict = try row.decode("verdict", as: String?.self).flatMap(Verdict.init(rawValue:)),
            let assessedAt = try row.decode("assessed_at", as: Date?.self)
        else { return nil }
        return AssessedClaim(
            id: try row.decode("id"), ref: try row.decode("ref"), claim: try row.decode("claim"),
            claimant: try row.decode("claimant"), claimedAt: try row.decode("claimed_at"), verdict: verdict,
            assessedAt: assessedAt, appearances: try row.decode("appearances"))
    }

    /// The named cases, which must all be assessed: otherwise nothing is returned
    /// and the error names every case that is not (rule violated, exit 65).
    public func assessedClaims(_ keys: [CaseKey]) throws -> [AssessedClaim] {
        var claims: [AssessedClaim] = []
        var refused: [String] = []
        for key in keys {
            let summary = try findCase(key)
            guard let row = try db.query(Self.assessedClaimColumns + " WHERE c.id = \(summary.id)").first,
                let claim = try Self.decodeAssessedClaim(row)
            else {
                refused.append("\(summary.label) (\(summary.state.rawValue))")
                continue
            }
            claims.append(claim)
        }
        guard refused.isEmpty else {
            throw VerityError.ruleViolated(
                "only assessed cases have a ClaimReview; not assessed: " + refused.joined(separator: ", "),
                hint: "assess them first, or use --all-assessed to export the assessed ones and skip the rest")
        }
        return claims
    }

    /// Every assessed case (or those of `keys` that are assessed), in id order,
    /// handed to `body` in batches so memory stays flat however many there are.
    /// Returns the labels of named cases that were skipped.
    @discardableResult
    public func eachAssessedClaim(
        among keys: [CaseKey] = [], batchSize: Int = 500, _ body: ([AssessedClaim]) throws -> Void
    ) throws -> [String] {
        var ids: [Int]? = nil
        var skipped: [String] = []
        if !keys.isEmpty {
            var chosen: [Int] = []
            for key in keys {
                let summary = try findCase(key)
                if summary.state == .assessed { chosen.append(summary.id) } else { skipped.append("\(summary.label) (\(summary.state.rawValue))") }
            }
            ids = chosen
            if chosen.isEmpty { return skipped }
        }
        var after = 0
        while true {
            var query = Self.assessedClaimColumns + " WHERE c.state = 'assessed' AND c.id > \(after)"
            if let ids { query += " AND c.id = ANY (\(ids.map(String.init))::bigint[])" }
            query += " ORDER BY c.id LIMIT \(batchSize)"
            let batch = try db.query(query).rows.compactMap(Self.decodeAssessedClaim)
            if batch.isEmpty { break }
            try body(batch)
            after = batch[batch.count - 1].id
        }
        return skipped
    }
}
