#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// A person on the desk.
public struct Reviewer: Codable, Sendable, Equatable {
    public var handle: String
    public var name: String
    public var email: String?
    public var role: ReviewerRole
    public var active: Bool
    public var createdAt: Date
    /// The database login role that acts as this reviewer, if any.
    public var login: String? = nil
}

/// A case as lists show it: the allegation, where it stands, and who holds it.
public struct CaseSummary: Codable, Sendable {
    public var id: Int
    public var ref: String?
    public var claim: String
    public var claimant: String
    public var claimedAt: CalendarDate?
    public var location: String?
    public var tags: [String]
    public var priority: Priority
    public var due: CalendarDate?
    public var state: CaseState
    public var verdict: Verdict?
    public var confidence: Int?
    public var rationale: String?
    public var assessedBy: String?
    public var assessedAt: Date?
    public var stateChangedAt: Date
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int
    /// Handles of the assigned reviewers, the lead first.
    public var reviewers: [String]
    public var lead: String?
    public var overdue: Bool
    /// Visible only to its assigned reviewers, editors and admins (graphic or personal material).
    public var restricted: Bool = false
    /// The case this one is directly a duplicate of (not encoded; see `canonicalCaseID`).
    public var duplicateOf: Int? = nil
    /// For a duplicate: the case it follows, whose state and verdict it shows.
    public var canonicalCaseID: Int? = nil
    /// For a duplicate: its own state, under the canonical case's shown in `state`.
    public var ownState: CaseState? = nil
    /// Four-eyes: a proposed verdict waits for a second reviewer's sign-off.
    public var awaitingSignOff = false
    /// Where it happened, WGS 84 decimal degrees (both or neither).
    public var latitude: Double? = nil
    public var longitude: Double? = nil

    enum CodingKeys: String, CodingKey {
        case id, ref, claim, claimant, claimedAt, location, tags, priority, due, state, verdict, confidence
        case rationale, assessedBy, assessedAt, stateChangedAt, createdAt, updatedAt, version, reviewers, lead, overdue
        case restricted
        case canonicalCaseID = "canonical_case_id"
        case ownState, awaitingSignOff, latitude, longitude
    }

    /// Absent values are written as null, so scripts see every field.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(ref, forKey: .ref)
        try c.encode(claim, forKey: .claim)
        try c.encode(claimant, forKey: .claimant)
        try c.encode(claimedAt, forKey: .claimedAt)
        try c.encode(location, forKey: .location)
        try c.encode(tags, forKey: .tags)
        try c.encode(priority, forKey: .priority)
        try c.encode(due, forKey: .due)
        try c.encode(state, forKey: .state)
        try c.encode(verdict, forKey: .verdict)
        try c.encode(confidence, forKey: .confidence)
        try c.encode(rationale, forKey: .rationale)
        try c.encode(assessedBy, forKey: .assessedBy)
        try c.encode(assessedAt, forKey: .assessedAt)
        try c.encode(stateChangedAt, forKey: .stateChangedAt)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(version, forKey: .version)
        try c.encode(reviewers, forKey: .reviewers)
        try c.encode(lead, forKey: .lead)
        try c.encode(overdue, forKey: .overdue)
        try c.encode(restricted, forKey: .restricted)
        try c.encode(canonicalCaseID, forKey: .canonicalCaseID)
        try c.encode(ownState, forKey: .ownState)
        try c.encode(awaitingSignOff, forKey: .awaitingSignOff)
        try c.encode(latitude, forKey: .latitude)
        try c.encode(longitude, forKey: .longitude)
    }

    /// "12" or "12 (IZY-001)", for messages.
    public var label: String { ref.map { "\(id) (\($0))" } ?? String(id) }

    /// "49.212500, 37.256900" (latitude, longitude; six decimals, as the desk keeps them), for people.
    public var coordinates: String? {
        guard let latitude, let longitude else { return nil }
        return NumberText.fixed(latitude, places: 6) + ", " + NumberText.fixed(longitude, places: 6)
    }
}

/// A case with everything linked to it, as `case show` prints it.
public struct CaseDetail: Encodable, Sendable {
    public var summary: CaseSummary
    public var sources: [Source]
    public var evidence: [EvidenceNote]
    public var history: [HistoryEntry]
    /// The transitions allowed from the current state.
    public var allowedNextStates: [CaseState]
    /// Active links to other cases, both directions.
    public var links: [CaseLink] = []
    /// The Admiralty grades of the non-retracted evidence, per stance.
    public var grades: GradeRollUp = GradeRollUp(grades: [])
    /// Four-eyes: every verdict proposed for the case, oldest first.
    public var proposals: [VerdictProposal] = []

    enum ExtraKeys: String, CodingKey { case sources, evidence, history, allowedNextStates, links, grades, proposals }

    public func encode(to encoder: Encoder) throws {
        try summary.encode(to: encoder)
        var c = encoder.container(keyedBy: ExtraKeys.self)
        try c.encode(sources, forKey: .sources)
        try c.encode(evidence, forKey: .evidence)
        try c.encode(history, forKey: .history)
        try c.encode(allowedNextStates, forKey: .allowedNextStates)
        try c.encode(links, forKey: .links)
        try c.encode(grades, forKey: .grades)
        try c.encode(proposals, forKey: .proposals)
    }
}

/// Where something was said or shown.
public struct Source: Codable, Sendable {
    public var id: Int
    public var ref: String?
    public var url: String
    public var title: String
    public var publisher: String
    public var author: String?
    public var publishedAt: CalendarDate?
    public var kind: SourceKind
    public var reliability: Reliability
    public var fileName: String?
    public var fileSha256: String?
    public var fileSize: Int?
    public var archiveURL: String?
    public var addedBy: String?
    public var createdAt: Date
    /// Ids of the cases the source is linked to.
    public var cases: [Int]
    /// Only for the sources of one case (`case show`): what the source is to that case, and whether
    /// the export infers it (docs/import-export.md, "Source roles") because nobody said it.
    public var role: SourceRole?
    public var roleInferred: Bool?

    enum CodingKeys: String, CodingKey {
        case id, ref, url, title, publisher, author, publishedAt, kind, reliability, fileName, fileSha256, fileSize
        case archiveURL = "archive_url"
        case addedBy, createdAt, cases, role, roleInferred
    }

    /// Absent values are written as null, so scripts see every field.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(ref, forKey: .ref)
        try c.encode(url, forKey: .url)
        try c.encode(title, forKey: .title)
        try c.encode(publisher, forKey: .publisher)
        try c.encode(author, forKey: .author)
        try c.encode(publishedAt, forKey: .publishedAt)
        try c.encode(kind, forKey: .kind)
        try c.encode(reliability, forKey: .reliability)
        try c.encode(fileName, forKey: .fileName)
        try c.encode(fileSha256, forKey: .fileSha256)
        try c.encode(fileSize, forKey: .fileSize)
        try c.encode(archiveURL, forKey: .archiveURL)
        try c.encode(addedBy, forKey: .addedBy)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(cases, forKey: .cases)
        try c.encodeIfPresent(role, forKey: .role)
        try c.encodeIfPresent(roleInferred, forKey: .roleInferred)
    }
}

/// What a source shows about a claim. Never edited; retraction keeps it in the record.
public struct EvidenceNote: Encodable, Sendable {
    public var id: Int
    public var caseID: Int
    public var sourceID: Int?
    /// Admiralty reliability of the cited source, if any.
    public var sourceReliability: Reliability?
    public var author: String
    public var stance: Stance
    public var credibility: Int
    public var note: String
    public var createdAt: Date
    public var retractedAt: Date?
    public var retractedBy: String?
    public var retractionReason: String?

    enum CodingKeys: String, CodingKey {
        case id
        case caseID = "case_id"
        case sourceID = "source_id"
        case sourceReliability, author, stance, credibility, note, createdAt, retractedAt, retractedBy, retractionReason
        case grade
    }

    /// Admiralty notation: reliability letter and credibility digit, e.g. "B2"; "-2" without a graded source.
    public var grade: String { (sourceReliability?.rawValue ?? "-") + String(credibility) }

    public var isRetracted: Bool { retractedAt != nil }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(caseID, forKey: .caseID)
        try c.encode(sourceID, forKey: .sourceID)
        try c.encode(sourceReliability, forKey: .sourceReliability)
        try c.encode(author, forKey: .author)
        try c.encode(stance, forKey: .stance)
        try c.encode(credibility, forKey: .credibility)
        try c.encode(grade, forKey: .grade)
        try c.encode(note, forKey: .note)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(retractedAt, forKey: .retractedAt)
        try c.encode(retractedBy, forKey: .retractedBy)
        try c.encode(retractionReason, forKey: .retractionReason)
    }
}

/// One row of a case's append-only history.
public struct HistoryEntry: Encodable, Sendable {
    public var id: Int
    public var caseID: Int
    public var at: Date
    public var actor: String?
    public var action: String
    public var fromState: CaseState?
    public var toState: CaseState?
    public var reason: String?
    /// The change's details as the database recorded them (a JSON object).
    public var details: JSONValue

    enum CodingKeys: String, CodingKey {
        case id
        case caseID = "case_id"
        case at, actor, action, fromState, toState, reason, details
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(caseID, forKey: .caseID)
        try c.encode(at, forKey: .at)
        try c.encode(actor, forKey: .actor)
        try c.encode(action, forKey: .action)
        try c.encode(fromState, forKey: .fromState)
        try c.encode(toState, forKey: .toState)
        try c.encode(reason, forKey: .reason)
        try c.encode(details, forKey: .details)
    }
}

/// A search hit: a case, source or evidence note whose text matches.
public struct SearchHit: Encodable, Sendable {
    public var kind: String
    public var id: Int
    public var caseID: Int?
    /// The case's reference (a case or note hit) or the source's (a source hit), when it has one.
    public var ref: String?
    public var rank: Double
    public var title: String
    /// The matching passage as plain text.
    public var snippet: String
    /// Where the matched words are in `snippet`: [start, end) in characters.
    public var matches: [[Int]]

    enum CodingKeys: String, CodingKey {
        case kind, id
        case caseID = "case_id"
        case ref, rank, title, snippet, matches
    }

    /// Every key is always present (null where a hit has no case or reference), so scripts can rely on them.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(id, forKey: .id)
        try c.encode(caseID, forKey: .caseID)
        try c.encode(ref, forKey: .ref)
        try c.encode(rank, forKey: .rank)
        try c.encode(title, forKey: .title)
        try c.encode(snippet, forKey: .snippet)
        try c.encode(matches, forKey: .matches)
    }

    /// A hit whose `marked` snippet has `start` and `stop` around each matched word.
    public init(kind: String, id: Int, caseID: Int?, ref: String?, rank: Double, title: String, marked: String, start: String, stop: String) {
        self.kind = kind
        self.id = id
        self.caseID = caseID
        self.ref = ref
        self.rank = rank
        self.title = title
        var plain = ""
        var matches: [[Int]] = []
        var count = 0
        var opened: Int?
        for character in marked {
            if String(character) == start {
                opened = count
            } else if String(character) == stop {
                if let from = opened { matches.append([from, count]) }
                opened = nil
            } else {
                plain.append(character)
                count += 1
            }
        }
        self.snippet = plain
        self.matches = matches
    }

    /// The snippet with each match between ⟦ and ⟧, for people.
    public var highlighted: String {
        var out = ""
        var index = 0
        var bounds = matches.makeIterator()
        var next = bounds.next()
        for character in snippet {
            if let range = next, index == range[0] { out += "⟦" }
            out.append(character)
            index += 1
            if let range = next, index == range[1] {
                out += "⟧"
                next = bounds.next()
            }
        }
        return out
    }
}
