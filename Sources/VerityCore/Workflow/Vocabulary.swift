/// The words of Verity's model that users type and scripts read. Each is a
/// closed set, checked by the database as well (CHECK constraints in sql/).

/// The conclusion of an assessed case.
public enum Verdict: String, CaseIterable, Codable, Sendable {
    case `true`
    case mostlyTrue = "mostly-true"
    case mixed
    case mostlyFalse = "mostly-false"
    case `false`
    case unverifiable

    /// How a reader is told the verdict when the desk has not worded it otherwise
    /// (`verity config set label-mostly-false ...`): ClaimReview's `alternateName`.
    public var defaultLabel: String {
        switch self {
        case .true: return "True"
        case .mostlyTrue: return "Mostly true"
        case .mixed: return "Mixed"
        case .mostlyFalse: return "Mostly false"
        case .false: return "False"
        case .unverifiable: return "Unverifiable"
        }
    }

    /// Position on a 1-5 truth scale for ClaimReview-style ratings (nil for unverifiable).
    public var ratingValue: Int? {
        switch self {
        case .false: return 1
        case .mostlyFalse: return 2
        case .mixed: return 3
        case .mostlyTrue: return 4
        case .true: return 5
        case .unverifiable: return nil
        }
    }
}

/// Whether a case's claimant is a person or an organisation: the schema.org type of
/// ClaimReview's `itemReviewed.author` (hence the capitals).
public enum ClaimantType: String, CaseIterable, Codable, Sendable {
    case person = "Person"
    case organization = "Organization"
}

/// What a source is to a case it is linked to: where the claim appeared (the post, the
/// article quoting it) or what the desk used as evidence. ClaimReview lists only appearances.
public enum SourceRole: String, CaseIterable, Codable, Sendable {
    case appearance, evidence
}

public enum Priority: String, CaseIterable, Codable, Sendable {
    case low, normal, high, urgent
}

public enum ReviewerRole: String, CaseIterable, Codable, Sendable {
    case reviewer, editor, admin
}

public enum SourceKind: String, CaseIterable, Codable, Sendable {
    case article, statement, video, image, document
    case socialPost = "social-post"
    case dataset, other
}

/// Admiralty-system source reliability.
public enum Reliability: String, CaseIterable, Codable, Sendable {
    case A, B, C, D, E, F

    public var meaning: String {
        switch self {
        case .A: return "completely reliable"
        case .B: return "usually reliable"
        case .C: return "fairly reliable"
        case .D: return "not usually reliable"
        case .E: return "unreliable"
        case .F: return "reliability cannot be judged"
        }
    }
}

/// What an evidence note says about the claim.
public enum Stance: String, CaseIterable, Codable, Sendable {
    case supports, refutes, context
}

/// Admiralty-system information credibility, 1 (confirmed) to 6 (cannot be judged).
public enum Credibility {
    public static let range = 1...6

    public static func meaning(_ grade: Int) -> String {
        switch grade {
        case 1: return "confirmed by other sources"
        case 2: return "probably true"
        case 3: return "possibly true"
        case 4: return "doubtful"
        case 5: return "improbable"
        default: return "truth cannot be judged"
        }
    }
}

/// How sure the desk is of its verdict, on the same 1 to 6 grades as a note's credibility.
/// Worded about the verdict, never about the claim: "false, confidence 2/6" must not read
/// "(probably true)", which is what a note's credibility 2 means.
public enum Confidence {
    public static func wording(_ grade: Int) -> String {
        switch grade {
        case 1: return "verdict confirmed by independent sources"
        case 2: return "verdict probably right"
        case 3: return "verdict possibly right"
        case 4: return "verdict doubtful"
        case 5: return "verdict improbable"
        default: return "verdict cannot be judged"
        }
    }
}
