#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// Who publishes the fact checks: the `author` of every ClaimReview, and the desk's wording
/// of each verdict (`alternateName`). From the desk settings (`verity config set publisher ...`),
/// which the export command's options override.
public struct ClaimReviewPublisher: Sendable {
    public var name: String?
    public var url: String?
    /// A page per review, e.g. "https://desk.example/checks/{ref}"; `{id}` and `{ref}` are filled in.
    public var reviewURLTemplate: String?
    /// How the desk words each verdict for readers ("Mostly false"); a verdict not listed
    /// reads as its default wording (`Verdict.defaultLabel`).
    public var labels: [Verdict: String]

    public init(name: String? = nil, url: String? = nil, reviewURLTemplate: String? = nil, labels: [Verdict: String] = [:]) {
        self.name = name
        self.url = url
        self.reviewURLTemplate = reviewURLTemplate
        self.labels = labels
    }

    public func label(_ verdict: Verdict) -> String { labels[verdict] ?? verdict.defaultLabel }
}

/// A place the claim appeared (a source linked to the case in the `appearance` role).
public struct ClaimAppearance: Sendable, Equatable {
    public var url: String
    public var title: String?
    public var publisher: String?
    public var publishedAt: CalendarDate?
}

/// What ClaimReview needs of one assessed case.
public struct AssessedClaim: Sendable {
    public var id: Int
    public var ref: String?
    public var claim: String
    public var claimant: String
    /// As recorded on the case; nil when nobody said (the export then guesses from the name).
    public var claimantType: ClaimantType?
    public var claimedAt: CalendarDate?
    public var verdict: Verdict
    public var rationale: String?
    public var assessedAt: Date
    /// Earliest first (by publication date, then by when it was linked).
    public var appearances: [ClaimAppearance]
}

/// schema.org ClaimReview (https://schema.org/ClaimReview) as JSON-LD, shaped to what Google's
/// fact-check markup requires and recommends (docs/reports.md; checked offline against the SHACL
/// shapes in Tests/Fixtures/claimreview/ by ClaimReviewExportTests).
public enum ClaimReview {
    /// Words that mark a claimant as an organisation rather than a person.
    static let organisationWords: Set<String> = [
        "ministry", "government", "office", "agency", "kremlin", "council", "committee", "army", "forces", "command",
        "police", "service", "services", "department", "news", "press", "tv", "radio", "inc", "inc.",
        "ltd", "ltd.", "llc", "party", "embassy", "nations", "un", "nato", "mission", "commission", "staff",
        "administration", "parliament", "senate", "duma", "union", "organisation", "organization", "group", "company",
        "corporation", "foundation", "institute", "university", "channel", "agency's", "spokesperson's", "media",
    ]

    /// "Person" or "Organization", guessed from the claimant's name, for a case whose
    /// `claimant_type` nobody set. Only the name before a comma counts: "Dmitry Peskov,
    /// Kremlin spokesman" is a person.
    public static func claimantType(_ claimant: String) -> String {
        let name = claimant.split(separator: ",", maxSplits: 1).first.map(String.init) ?? claimant
        let words = name.lowercased().split { !$0.isLetter && $0 != "." && $0 != "'" }.map(String.init)
        return words.contains(where: organisationWords.contains) ? "Organization" : "Person"
    }

    public static func day(_ date: Date) -> String { String(TimestampText.format(date).prefix(10)) }

    /// The 1-5 scale of `reviewRating`: `ratingValue`, `bestRating` and `worstRating` are given
    /// together or not at all (an unverifiable claim has no place on the scale).
    public static let bestRating = 5
    public static let worstRating = 1

    static func creativeWork(_ appearance: ClaimAppearance) -> JSONValue {
        var work: [String: JSONValue] = ["@type": .string("CreativeWork"), "url": .string(appearance.url)]
        if let title = appearance.title { work["headline"] = .string(title) }
        if let date = appearance.publishedAt { work["datePublished"] = .string(date.description) }
        if let publisher = appearance.publisher {
            work["publisher"] = .object(["@type": .string("Organization"), "name": .string(publisher)])
        }
        return .object(work)
    }

    /// One ClaimReview object.
    public static func object(_ claim: AssessedClaim, publisher: ClaimReviewPublisher) -> JSONValue {
        var rating: [String: JSONValue] = ["@type": .string("Rating"), "alternateName": .string(publisher.label(claim.verdict))]
        if let value = claim.verdict.ratingValue {
            rating["ratingValue"] = .number(Double(value))
            rating["bestRating"] = .number(Double(bestRating))
            rating["worstRating"] = .number(Double(worstRating))
        }
        let claimantType = claim.claimantType?.rawValue ?? claimantType(claim.claimant)
        var item: [String: JSONValue] = [
            "@type": .string("Claim"),
            "author": .object(["@type": .string(claimantType), "name": .string(claim.claimant)]),
        ]
        if let claimedAt = claim.claimedAt { item["datePublished"] = .string(claimedAt.description) }
        if let first = claim.appearances.first {
            item["appearance"] = .array(claim.appearances.map(creativeWork))
            item["firstAppearance"] = creativeWork(first)
        }
        var review: [String: JSONValue] = [
            "@context": .string("https://schema.org"),
            "@type": .string("ClaimReview"),
            "claimReviewed": .string(claim.claim),
            "reviewRating": .object(rating),
            "itemReviewed": .object(item),
            "datePublished": .string(day(claim.assessedAt)),
        ]
        if let rationale = claim.rationale, !rationale.isEmpty { review["reviewBody"] = .string(rationale) }
        if let name = publisher.name {
            var author: [String: JSONValue] = ["@type": .string("Organization"), "name": .string(name)]
            if let url = publisher.url { author["url"] = .string(url) }
            review["author"] = .object(author)
        }
        if let template = publisher.reviewURLTemplate {
            review["url"] = .string(
                template.replacing("{id}", with: String(claim.id))
                    .replacing("{ref}", with: claim.ref ?? String(claim.id)))
        }
        return .object(review)
    }
}

extension Desk {
    /// A link's role, said or (for a link made without one) inferred by the rule of
    /// docs/import-export.md: a source that a current note on the case cites as supporting
    /// or refuting the claim is evidence; any other is an appearance.
    static let effectiveRole = """
        coalesce(cs.role, CASE WHEN EXISTS (SELECT 1 FROM evidence_notes n
                                             WHERE n.case_id = cs.case_id AND n.source_id = cs.source_id
                                               AND n.stance IN ('supports', 'refutes') AND n.retracted_at IS NULL)
                               THEN 'evidence' ELSE 'appearance' END)
        """

    static let assessedClaimColumns: Query = Query(unsafeSQL: """
        SELECT c.id, c.ref, c.claim, c.claimant, c.claimant_type, c.claimed_at, c.state, c.verdict, c.rationale,
               c.assessed_at,
               coalesce((SELECT jsonb_agg(jsonb_build_object('url', s.url, 'title', s.title, 'publisher', s.publisher,
                                                             'published_at', s.published_at)
                                          ORDER BY s.published_at NULLS LAST, cs.linked_at, s.id)::text
                           FROM case_sources cs JOIN sources s ON s.id = cs.source_id
                          WHERE cs.case_id = c.id AND \(effectiveRole) = 'appearance'), '[]') AS appearances
          FROM cases c
        """)

    static func decodeAssessedClaim(_ row: Row) throws -> AssessedClaim? {
        guard let verdict = try row.decode("verdict", as: String?.self).flatMap(Verdict.init(rawValue:)),
            let assessedAt = try row.decode("assessed_at", as: Date?.self)
        else { return nil }
        let appearances: [ClaimAppearance]
        if case .array(let items) = JSONValue(parsing: try row.decode("appearances", as: String.self)) {
            appearances = items.compactMap { item in
                guard case .string(let url)? = item["url"] else { return nil }
                func text(_ key: String) -> String? { if case .string(let value)? = item[key] { return value } else { return nil } }
                return ClaimAppearance(
                    url: url, title: text("title"), publisher: text("publisher"),
                    publishedAt: text("published_at").flatMap(CalendarDate.init))
            }
        } else {
            appearances = []
        }
        return AssessedClaim(
            id: try row.decode("id"), ref: try row.decode("ref"), claim: try row.decode("claim"),
            claimant: try row.decode("claimant"),
            claimantType: try row.decode("claimant_type", as: String?.self).flatMap(ClaimantType.init(rawValue:)),
            claimedAt: try row.decode("claimed_at"), verdict: verdict, rationale: try row.decode("rationale"),
            assessedAt: assessedAt, appearances: appearances)
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
