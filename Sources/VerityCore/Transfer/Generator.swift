#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, fast generator whose
/// sequence depends only on its seed, on every platform and Swift version.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<bound without modulo bias worth caring about here (bound ≪ 2^64).
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// A deterministic synthetic dataset in the import format: reviewers, cases in
/// every state with plausible histories over the year before a fixed reference
/// date, sources, evidence notes, assignments, and some overdue cases. The same
/// seed and size always give the same bytes.
public struct DatasetGenerator {
    public var cases: Int
    public var seed: UInt64
    /// Every timestamp lies before this instant (2025-06-30T00:00:00Z).
    public static let referenceDate = Date(timeIntervalSince1970: 1_751_241_600)

    public init(cases: Int, seed: UInt64 = 1) {
        self.cases = cases
        self.seed = seed
    }

    static let claimants = [
        "Ministry of Defence spokesperson", "Regional governor", "Opposition party leader", "City mayor",
        "Foreign ministry", "Human rights ombudsman", "Police press office", "Army general staff",
        "Anonymous social media account", "Local broadcaster",
    ]
    static let places = ["Kharkiv region", "Donetsk region", "Kherson", "Odesa", "Mykolaiv", "Zaporizhzhia", "Kyiv", "Sumy"]
    static let subjects = ["a shelled hospital", "a destroyed bridge", "civilian casualties", "a mass grave", "a downed aircraft",
                           "an evacuation convoy", "a power plant strike", "a prisoner exchange"]
    static let verbs = ["reports", "denies", "confirms", "alleges", "disputes"]
    static let tags = ["shelling", "casualties", "infrastructure", "disinformation", "video", "satellite", "official", "viral"]
    static let publishers = ["Reuters", "AFP", "AP", "BBC", "Ukrainska Pravda", "TASS", "Meduza", "Kyiv Independent"]
    static let kinds = ["article", "statement", "video", "image", "document", "social-post", "dataset"]
    static let verdicts = ["true", "mostly-true", "mixed", "mostly-false", "false", "unverifiable"]

    /// Writes the dataset line by line through `output`.
    public func write(to output: ChunkedOutput) throws {
        var random = SplitMix64(seed: seed)
        let reference = Int(Self.referenceDate.timeIntervalSince1970)
        func stamp(_ seconds: Int) -> String { TimestampText.format(Date(timeIntervalSince1970: TimeInterval(seconds))) }
        func day(_ seconds: Int) -> String {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            return String(TimestampText.format(date).prefix(10))
        }

        // Reviewers: two desk roles and a pool that grows with the dataset.
        let poolSize = max(8, min(500, cases / 200))
        var reviewers = ["editor", "analyst"]
        let yearAgo = stamp(reference - 400 * 86_400)
        for handle in ["editor", "analyst"] {
            var json = JSONLineWriter()
            json.field("type", "reviewer")
            json.field("handle", handle)
            json.field("name", handle == "editor" ? "Desk editor" : "Desk analyst")
            json.field("role", handle == "editor" ? "editor" : "reviewer")
            json.field("at", yearAgo)
            try output.append(json.line())
        }
        for number in 1...poolSize {
            let handle = "reviewer-\(Self.pad(number, 3))"
            reviewers.append(handle)
            var json = JSONLineWriter()
            json.field("type", "reviewer")
            json.field("handle", handle)
            json.field("name", "Reviewer \(number)")
            json.field("email", "\(handle)@desk.example.org")
            json.field("role", number % 10 == 0 ? "editor" : "reviewer")
            json.field("at", yearAgo)
            try output.append(json.line())
        }

        let sourceGroup = 4
        for index in 0..<cases {
            let ref = "GEN-\(Self.pad(index + 1, 7))"
            let sourceRef = "GEN-S-\(Self.pad(index / sourceGroup + 1, 6))"
            let opened = reference - 40 * 86_400 - random.below(325 * 86_400)
            let opener = random.pick(reviewers)
            var clock = opened

            var json = JSONLineWriter()
            json.field("type", "case")
            json.field("ref", ref)
            json.field("claim", "\(random.pick(Self.claimants)) \(random.pick(Self.verbs)) \(random.pick(Self.subjects)) in \(random.pick(Self.places)) (item \(index + 1))")
            json.field("claimant", random.pick(Self.claimants))
            json.field("claimed_at", day(opened - random.below(5) * 86_400))
            json.field("location", random.pick(Self.places))
            var caseTags: [String] = []
            for _ in 0...random.below(3) {
                let tag = random.pick(Self.tags)
                if !caseTags.contains(tag) { caseTags.append(tag) }
            }
            json.field("tags", caseTags)
            json.field("priority", random.pick(["low", "normal", "normal", "normal", "high", "urgent"]))
            switch random.below(10) {
            case 0..<3: break
            case 3..<7: json.field("due", day(opened + (7 + random.below(54)) * 86_400))  // overdue unless assessed
            default: json.field("due", day(reference + (2000 + random.below(400)) * 86_400))
            }
            json.field("by", opener)
            json.field("at", stamp(opened))
            try output.append(json.line())

            if index % sourceGroup == 0 {
                var source = JSONLineWriter()
                let number = index / sourceGroup + 1
                source.field("type", "source")
                source.field("ref", sourceRef)
                source.field("url", "https://news.example.org/\(number)")
                source.field("title", "Report \(number) on \(random.pick(Self.subjects))")
                source.field("publisher", random.pick(Self.publishers))
                source.field("published_at", day(opened))
                source.field("kind", random.pick(Self.kinds))
                source.field("reliability", random.pick(["A", "B", "C", "D", "E", "F"]))
                if random.chance(30) {
                    source.field("file_name", "report-\(number).html")
                    var hash = ""
                    for _ in 0..<4 { hash += Self.hex(random.next()) }
                    source.field("file_sha256", hash)
                    source.field("file_size", 1000 + random.below(2_000_000))
                }
                source.field("by", opener)
                source.field("at", stamp(opened))
                let members = (index..<min(index + sourceGroup, cases)).map { "GEN-\(Self.pad($0 + 1, 7))" }
                source.field("cases", members)
                try output.append(source.line())
            }

            // Who works the case.
            var assigned: [String] = []
            if random.chance(75) {
                for position in 0...random.below(2) {
                    let reviewer = random.pick(Array(reviewers.dropFirst(2)))
                    if assigned.contains(reviewer) { continue }
                    assigned.append(reviewer)
                    clock += 600 + random.below(3600)
                    var assignment = JSONLineWriter()
                    assignment.field("type", "assignment")
                    assignment.field("case", ref)
                    assignment.field("reviewer", reviewer)
                    assignment.field("lead", position == 0)
                    assignment.field("by", "editor")
                    assignment.field("at", stamp(clock))
                    try output.append(assignment.line())
                }
            }

            // Where it ends: claimed, disputed, evidence-pending, assessed, or reopened after assessment.
            let roll = random.below(100)
            let target: String
            switch roll {
            case 0..<20: target = "claimed"
            case 20..<40: target = "disputed"
            case 40..<65: target = "evidence-pending"
            case 65..<95: target = "assessed"
            default: target = "reopened"
            }
            let worker = assigned.first ?? "editor"
            let notes = target == "assessed" || target == "reopened" ? 1 + random.below(3) : random.below(3)
            for _ in 0..<notes {
                clock += 3600 + random.below(86_400)
                var note = JSONLineWriter()
                note.field("type", "evidence")
                note.field("case", ref)
                if random.chance(80) { note.field("source", sourceRef) }
                note.field("stance", random.pick(["supports", "refutes", "context"]))
                note.field("credibility", 1 + random.below(6))
                note.field("note", "Checked against \(random.pick(Self.publishers)) footage: \(random.pick(Self.subjects)) (\(ref))")
                note.field("by", worker)
                note.field("at", stamp(clock))
                try output.append(note.line())
            }

            func transition(_ to: String, reason: String?) throws {
                clock += 3600 + random.below(3 * 86_400)
                var step = JSONLineWriter()
                step.field("type", "transition")
                step.field("case", ref)
                step.field("to", to)
                step.field("by", worker)
                step.field("at", stamp(clock))
                step.field("reason", reason)
                try output.append(step.line())
            }
            if target == "claimed" { continue }
            let viaDispute = target == "disputed" || random.chance(40)
            if viaDispute { try transition("disputed", reason: "Contradicted by \(random.pick(Self.claimants))") }
            if target == "disputed" { continue }
            try transition("evidence-pending", reason: nil)
            if target == "evidence-pending" { continue }
            clock += 3600 + random.below(5 * 86_400)
            var assessment = JSONLineWriter()
            assessment.field("type", "assessment")
            assessment.field("case", ref)
            assessment.field("verdict", random.pick(Self.verdicts))
            assessment.field("confidence", 1 + random.below(6))
            assessment.field("rationale", "Weighed \(notes) evidence note\(notes == 1 ? "" : "s") against the claim.")
            assessment.field("by", worker)
            assessment.field("at", stamp(clock))
            try output.append(assessment.line())
            if target == "reopened" { try transition("evidence-pending", reason: "New footage contradicts the assessment") }
        }
        try output.flush()
    }

    static func pad(_ number: Int, _ width: Int) -> String {
        let text = String(number)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
