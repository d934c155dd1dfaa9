/// The Admiralty grades an assessment rests on, counted per stance:
/// "2 × B2, 1 × C3 supporting; 1 × E5 refuting".
///
/// A grade is the cited source's reliability letter (F, "cannot be judged",
/// when the note cites no source) and the note's credibility digit. Retracted
/// notes are left out. Context notes are counted in `context` but not in the
/// summary sentence: they neither support nor refute the claim.
public struct GradeRollUp: Encodable, Sendable, Equatable {
    public struct GradeCount: Encodable, Sendable, Equatable {
        public var grade: String
        public var count: Int

        public init(grade: String, count: Int) {
            self.grade = grade
            self.count = count
        }
    }

    public var supporting: [GradeCount]
    public var refuting: [GradeCount]
    public var context: [GradeCount]
    public var summary: String

    /// Rolls up `notes` (any order; retracted ones are skipped).
    public init(notes: [EvidenceNote]) {
        self.init(grades: notes.filter { !$0.isRetracted }.map { note in
            (note.stance, (note.sourceReliability ?? .F).rawValue + String(note.credibility))
        })
    }

    /// Rolls up (stance, grade) pairs; the pure core of `init(notes:)`.
    public init(grades: [(Stance, String)]) {
        func counts(_ stance: Stance) -> [GradeCount] {
            var tally: [String: Int] = [:]
            for (s, grade) in grades where s == stance { tally[grade, default: 0] += 1 }
            // Best grade first: A before F, 1 before 6.
            return tally.keys.sorted().map { GradeCount(grade: $0, count: tally[$0]!) }
        }
        supporting = counts(.supports)
        refuting = counts(.refutes)
        context = counts(.context)
        var parts: [String] = []
        for (name, list) in [("supporting", supporting), ("refuting", refuting)] where !list.isEmpty {
            parts.append(list.map { "\($0.count) × \($0.grade)" }.joined(separator: ", ") + " " + name)
        }
        summary = parts.isEmpty ? "no supporting or refuting evidence" : parts.joined(separator: "; ")
    }
}
