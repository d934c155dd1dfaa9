#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// Everything an editor or a lawyer needs about one case: the claim, the
/// timeline from the history, the sources with their hashes, the evidence by
/// stance with Admiralty grades, the reviewers, and the verdict.
public struct CaseDossier: Encodable, Sendable {
    public struct AssignedReviewer: Encodable, Sendable {
        public var handle: String
        @Nullable public var name: String?
        @Nullable public var role: ReviewerRole?
        public var lead: Bool
    }

    public struct StanceGroup: Encodable, Sendable {
        public var stance: Stance
        public var notes: [EvidenceNote]
    }

    public struct Conclusion: Encodable, Sendable {
        public var verdict: Verdict
        @Nullable public var ratingValue: Int?
        public var confidence: Int
        public var confidenceMeaning: String
        public var rationale: String
        @Nullable public var assessedBy: String?
        @Nullable public var assessedAt: Date?
    }

    public var generatedAt: Date
    public var `case`: CaseSummary
    public var reviewers: [AssignedReviewer]
    public var sources: [Source]
    /// Notes grouped by stance (supports, refutes, context), retracted ones included and marked.
    public var evidence: [StanceGroup]
    public var timeline: [HistoryEntry]
    @Nullable public var verdict: Conclusion?
    /// Active links to other cases; for a duplicate, the case it follows.
    public var links: [CaseLink] = []
    @Nullable public var canonicalCaseId: Int? = nil
    /// The Admiralty grades the assessment rests on.
    public var grades = GradeRollUp(grades: [])
    /// Four-eyes: verdicts proposed, signed off, rejected or withdrawn.
    public var proposals: [VerdictProposal] = []
}

extension Desk {
    public func caseDossier(_ key: CaseKey) throws -> CaseDossier {
        let detail = try showCase(key)
        let summary = detail.summary
        let reviewers = try summary.reviewers.map { handle in
            let known = try reviewer(handle)
            return CaseDossier.AssignedReviewer(handle: handle, name: known?.name, role: known?.role, lead: handle == summary.lead)
        }
        let groups = Stance.allCases.map { stance in
            CaseDossier.StanceGroup(stance: stance, notes: detail.evidence.filter { $0.stance == stance })
        }
        var conclusion: CaseDossier.Conclusion?
        if let verdict = summary.verdict, let confidence = summary.confidence {
            conclusion = .init(
                verdict: verdict, ratingValue: verdict.ratingValue, confidence: confidence,
                confidenceMeaning: Confidence.wording(confidence), rationale: summary.rationale ?? "",
                assessedBy: summary.assessedBy, assessedAt: summary.assessedAt)
        }
        let now: Date = try db.query("SELECT now() AS now")[0].decode("now")
        return CaseDossier(
            generatedAt: now, case: summary, reviewers: reviewers, sources: detail.sources, evidence: groups,
            // Imported history may have been recorded out of order: the timeline follows `at`.
            timeline: detail.history.sorted { ($0.at, $0.id) < ($1.at, $1.id) }, verdict: conclusion,
            links: detail.links, canonicalCaseId: summary.canonicalCaseID, grades: detail.grades,
            proposals: detail.proposals)
    }
}

extension HistoryEntry {
    /// What the entry did, in words: "claimed → disputed", "assigned alice (lead)".
    public var summaryText: String {
        var details: [String: JSONValue] = [:]
        if case .object(let object) = self.details { details = object }
        func text(_ key: String) -> String? {
            switch details[key] {
            case .string(let s)?: return s
            case .number(let n)?: return n.rounded() == n ? String(Int(n)) : String(n)
            case .bool(let b)?: return String(b)
            default: return nil
            }
        }
        switch action {
        case "open": return "opened" + (toState.map { " as \($0.rawValue)" } ?? "")
        case "assign": return "assigned \(text("reviewer") ?? "?")" + (text("lead") == "true" ? " (lead)" : "")
        case "unassign": return "removed \(text("reviewer") ?? "?")"
        case "link-source":
            return "linked source \(text("source_id") ?? "?")" + (text("role").map { " as \($0)" } ?? "")
                + (text("title").map { ": \($0)" } ?? "")
        case "source-role":
            return "source \(text("source_id") ?? "?") is \(text("to") ?? "?")" + (text("from").map { " (was \($0))" } ?? "")
        case "add-evidence":
            return "evidence note \(text("note_id") ?? "?") (\(text("stance") ?? "?"), credibility \(text("credibility") ?? "?"))"
        case "retract-evidence": return "retracted evidence note \(text("note_id") ?? "?")"
        case "update": return "changed " + details.keys.sorted().joined(separator: ", ")
        case "restrict": return "restricted to its assigned reviewers, editors and admins"
        case "unrestrict": return "restriction lifted"
        case "propose-verdict", "sign-off", "reject-verdict", "withdraw-verdict", "link-case", "unlink-case":
            return linkOrFourEyesSummary(text)
        default:
            var result = "\(fromState?.rawValue ?? "?") → \(toState?.rawValue ?? "?")"
            if action == "assess", let verdict = text("verdict") {
                result += ": \(verdict), confidence \(text("confidence") ?? "?")"
            }
            return result
        }
    }
}

extension CaseDossier {
    var title: String { "Case \(self.case.label)" }

    func sourceName(_ id: Int?) -> String? {
        guard let id, let source = sources.first(where: { $0.id == id }) else { return nil }
        return "\(source.publisher): \(source.title)"
    }

    // MARK: Markdown

    public func markdown() -> String {
        typealias F = ReportFormatting
        let md = Markdown.escape
        let c = self.case
        var out: [String] = []
        out.append("# \(md(title))")
        out.append("")
        out.append("> \(md(c.claim))")
        out.append("")
        out.append("- **Claimant:** \(md(c.claimant))")
        out.append("- **Claimed on:** \(F.date(c.claimedAt))")
        if let location = c.location { out.append("- **Location:** \(md(location))") }
        if let place = c.coordinates { out.append("- **Coordinates:** \(place)") }
        out.append("- **State:** \(c.state.rawValue) (since \(F.time(c.stateChangedAt)))")
        out.append("- **Priority:** \(c.priority.rawValue)" + (c.due.map { ", due \($0)" + (c.overdue ? " (overdue)" : "") } ?? ""))
        if !c.tags.isEmpty { out.append("- **Tags:** \(md(c.tags.joined(separator: ", ")))") }
        out.append("- **Opened:** \(F.time(c.createdAt))")
        out.append("")
        out.append("## Verdict")
        out.append("")
        if let verdict {
            out.append("**\(verdict.verdict.rawValue)**, confidence \(verdict.confidence)/6 (\(verdict.confidenceMeaning))"
                + ", by \(md(verdict.assessedBy ?? "?")) on \(verdict.assessedAt.map(F.time) ?? "?").")
            out.append("")
            out.append("Rationale: \(md(verdict.rationale))")
        } else {
            out.append("Not assessed yet.")
        }
        out.append(contentsOf: linksAndFourEyesMarkdown())
        out.append("")
        out.append("## Reviewers")
        out.append("")
        if reviewers.isEmpty {
            out.append("Nobody is assigned.")
        } else {
            for r in reviewers {
                out.append("- \(md(r.handle))" + (r.name.map { " (\(md($0)))" } ?? "") + (r.role.map { ", \($0.rawValue)" } ?? "") + (r.lead ? ", lead" : ""))
            }
        }
        out.append("")
        out.append("## Sources (\(sources.count))")
        out.append("")
        if sources.isEmpty {
            out.append("No sources linked.")
        } else {
            out.append(
                Markdown.table(
                    ["id", "publisher", "title", "date", "kind", "reliability", "url", "SHA-256"],
                    sources.map { s in
                        [String(s.id), md(s.publisher), md(s.title), F.date(s.publishedAt), s.kind.rawValue,
                         "\(s.reliability.rawValue) (\(s.reliability.meaning))", md(s.url), s.fileSha256.map { "`\($0)`" } ?? "–"]
                    }))
        }
        out.append("")
        out.append("## Evidence")
        for group in evidence {
            out.append("")
            out.append("### \(group.stance.rawValue.capitalized) (\(group.notes.count))")
            out.append("")
            if group.notes.isEmpty {
                out.append("None.")
                continue
            }
            for note in group.notes {
                var line = "- **\(note.grade)** \(md(note.note))"
                if let name = sourceName(note.sourceID) { line += " (source \(note.sourceID ?? 0), \(md(name)))" }
                line += " by \(md(note.author)), \(F.time(note.createdAt))"
                if let retracted = note.retractedAt {
                    line += ". **Retracted** \(F.time(retracted)) by \(md(note.retractedBy ?? "?")): \(md(note.retractionReason ?? ""))"
                }
                out.append(line)
            }
        }
        out.append("")
        out.append("Grades in Admiralty notation: source reliability A-F (\"-\" without a source), information credibility 1-6.")
        out.append("")
        out.append("Grades the assessment rests on (F without a source; retracted notes left out): \(md(grades.summary)).")
        out.append("")
        out.append("## Timeline")
        out.append("")
        out.append(
            Markdown.table(
                ["at", "who", "action", "what", "why"],
                timeline.map { [F.time($0.at), md($0.actor ?? "–"), $0.action, md($0.summaryText), md($0.reason ?? "")] }))
        out.append("")
        out.append("Generated \(F.time(generatedAt)) by Verity from the case's append-only history.")
        return out.joined(separator: "\n")
    }

    // MARK: HTML

    /// The dossier as one HTML page. With `printing`, the page for paper: print CSS with the
    /// case and page numbers on every page, the provenance footer and a signature block.
    public func html(printing: DossierPrint? = nil) -> String {
        typealias F = ReportFormatting
        let t = HTML.text
        let c = self.case
        func field(_ name: String, _ value: String) -> [HTML] { [el("dt", text: name), el("dd", text: value)] }
        var facts: [HTML] = field("Claimant", c.claimant) + field("Claimed on", F.date(c.claimedAt))
        if let location = c.location { facts += field("Location", location) }
        if let place = c.coordinates { facts += field("Coordinates", place) }
        facts += field("State", "\(c.state.rawValue) since \(F.time(c.stateChangedAt))")
        facts += field("Priority", c.priority.rawValue + (c.due.map { ", due \($0)" + (c.overdue ? " (overdue)" : "") } ?? ""))
        if !c.tags.isEmpty { facts += field("Tags", c.tags.joined(separator: ", ")) }
        facts += field("Opened", F.time(c.createdAt))

        var verdictChildren = [el("h2", text: "Verdict")]
        if let verdict {
            verdictChildren.append(
                el("p", [:], [
                    el("span", ["class": "pill", "style": "background:#2b4c7e"], text: verdict.verdict.rawValue),
                    t(" confidence \(verdict.confidence)/6 (\(verdict.confidenceMeaning)), by \(verdict.assessedBy ?? "?") on \(verdict.assessedAt.map(F.time) ?? "?")"),
                ]))
            verdictChildren.append(el("blockquote", text: verdict.rationale))
        } else {
            verdictChildren.append(el("p", text: "Not assessed yet."))
        }
        verdictChildren.append(contentsOf: linksAndFourEyesHTML())

        let reviewerSection = el("section", [:], [
            el("h2", text: "Reviewers"),
            reviewers.isEmpty
                ? el("p", text: "Nobody is assigned.")
                : el("ul", [:], reviewers.map { r in
                    el("li", text: r.handle + (r.name.map { " (\($0))" } ?? "") + (r.role.map { ", \($0.rawValue)" } ?? "") + (r.lead ? ", lead" : ""))
                }),
        ])

        let sourceSection = el("section", [:], [
            el("h2", text: "Sources (\(sources.count))"),
            sources.isEmpty
                ? el("p", text: "No sources linked.")
                : HTML.table(
                    ["id", "publisher", "title", "date", "kind", "reliability", "SHA-256"],
                    sources.map { s in
                        [t(String(s.id)), t(s.publisher), el("span", [:], [t(s.title), el("br"), el("span", ["class": "url"], text: s.url)]),
                         el("span", ["class": "time"], text: F.date(s.publishedAt)), el("span", ["class": "time"], text: s.kind.rawValue),
                         t("\(s.reliability.rawValue) – \(s.reliability.meaning)"),
                         el("span", ["class": "hash"], text: s.fileSha256 ?? "–")]
                    }),
        ])

        var evidenceChildren = [el("h2", text: "Evidence")]
        for group in evidence {
            evidenceChildren.append(el("h3", text: "\(group.stance.rawValue.capitalized) (\(group.notes.count))"))
            if group.notes.isEmpty {
                evidenceChildren.append(el("p", ["class": "note"], text: "None."))
                continue
            }
            evidenceChildren.append(
                el("ul", ["class": "evidence"], group.notes.map { note in
                    var parts: [HTML] = [el("span", ["class": "grade"], text: note.grade), t(" " + note.note)]
                    var meta = "by \(note.author), \(F.time(note.createdAt))"
                    if let name = sourceName(note.sourceID) { meta = "source \(note.sourceID ?? 0) (\(name)), " + meta }
                    parts.append(el("div", ["class": "note"], text: meta))
                    if let retracted = note.retractedAt {
                        parts.append(el("div", ["class": "retracted"],
                                       text: "Retracted \(F.time(retracted)) by \(note.retractedBy ?? "?"): \(note.retractionReason ?? "")"))
                    }
                    return el("li", note.isRetracted ? ["class": "is-retracted"] : [:], parts)
                }))
        }
        evidenceChildren.append(
            el("p", ["class": "note"], text: "Grades in Admiralty notation: source reliability A–F (“-” without a source) and information credibility 1–6."))
        evidenceChildren.append(
            el("p", ["class": "rollup"], text: "Grades the assessment rests on (F without a source; retracted notes left out): \(grades.summary)."))

        let timelineSection = el("section", [:], [
            el("h2", text: "Timeline"),
            HTML.table(
                ["at", "who", "action", "what", "why"],
                timeline.map { [el("span", ["class": "time"], text: F.time($0.at)), t($0.actor ?? "–"), t($0.action), t($0.summaryText), t($0.reason ?? "")] }),
        ])

        let body: [HTML] = [
            el("header", [:], [
                el("div", ["class": "wrap"], [
                    el("p", ["class": "eyebrow"], text: "Verity · case dossier"),
                    el("h1", text: title),
                    el("p", ["class": "meta"], text: "Generated \(F.time(generatedAt)) from the case's append-only history"),
                ])
            ]),
            el("main", ["class": "wrap"], [
                el("section", [:], [el("h2", text: "Claim"), el("blockquote", ["class": "claim-quote"], text: c.claim), el("dl", [:], facts)]),
                el("section", [:], verdictChildren),
                reviewerSection, sourceSection, el("section", [:], evidenceChildren), timelineSection,
            ] + (printing?.closingSections() ?? [])),
        ]
        let style = ReportStyle.css + ReportStyle.dossierCSS + (printing?.css(caseLabel: self.case.ref ?? String(self.case.id)) ?? "")
        return HTML.page(title: title, style: style, body: body)
    }
}

extension ReportStyle {
    static let dossierCSS = """

        blockquote { margin: 4px 0 12px; padding: 8px 16px; border-left: 4px solid var(--accent); background: #f6f8fb; }
        .claim-quote { font-size: 18px; }
        dl { display: grid; grid-template-columns: 140px 1fr; gap: 4px 12px; margin: 0; }
        dt { color: var(--muted); } dd { margin: 0; }
        .url, .hash { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11.5px; color: var(--muted); overflow-wrap: anywhere; }
        ul.evidence { list-style: none; padding: 0; margin: 0; }
        ul.evidence li { padding: 8px 0; border-bottom: 1px solid var(--line); }
        .grade { display: inline-block; min-width: 34px; text-align: center; font-weight: 700; border: 1px solid var(--ink);
                 border-radius: 4px; padding: 0 4px; margin-right: 6px; font-family: ui-monospace, Menlo, monospace; }
        .is-retracted { opacity: 0.6; }
        .retracted { color: #c4453c; font-size: 13px; }
        """
}
