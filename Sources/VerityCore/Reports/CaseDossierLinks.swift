#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The dossier's parts for typed case links, four-eyes proposals and the
/// Admiralty roll-up (kept apart from CaseDossier.swift, which they extend).
extension CaseDossier {
    /// Lines after the verdict: the grade roll-up, sign-off history, links.
    func linksAndFourEyesMarkdown() -> [String] {
        typealias F = ReportFormatting
        let md = Markdown.escape
        var out: [String] = ["", "Grades: \(md(grades.summary))."]
        if let canonical = canonicalCaseId {
            out += ["", "This case is a duplicate of case \(canonical): the state and verdict above are case \(canonical)'s"
                + (self.case.ownState.map { " (its own state: \($0.rawValue))" } ?? "") + "."]
        }
        if !proposals.isEmpty {
            out += ["", "### Four-eyes sign-off", ""]
            out.append(Markdown.table(
                ["proposed", "by", "verdict", "state", "decided by", "decided", "reason"],
                proposals.map { p in
                    [F.time(p.proposedAt), md(p.proposedBy), "\(p.verdict.rawValue) (\(p.confidence)/6)", p.state.rawValue,
                     md(p.decidedBy ?? "–"), p.decidedAt.map(F.time) ?? "–", md(p.reason ?? "")]
                }))
        }
        out += ["", "## Linked cases (\(links.count))", ""]
        if links.isEmpty {
            out.append("No linked cases.")
        } else {
            for link in links {
                out.append("- \(md(link.sentence)): \(md(link.reason))"
                    + " (\(md(link.linkedBy ?? "?")), \(F.time(link.linkedAt)))")
            }
        }
        return out
    }

    func linksAndFourEyesHTML() -> [HTML] {
        typealias F = ReportFormatting
        var out: [HTML] = [el("p", ["class": "rollup"], text: "Grades: \(grades.summary).")]
        if let canonical = canonicalCaseId {
            out.append(el("p", ["class": "note"], text: "This case is a duplicate of case \(canonical): the state and verdict above are case \(canonical)'s"
                + (self.case.ownState.map { " (its own state: \($0.rawValue))" } ?? "") + "."))
        }
        if !proposals.isEmpty {
            out.append(el("h3", text: "Four-eyes sign-off"))
            out.append(HTML.table(
                ["proposed", "by", "verdict", "state", "decided by", "decided", "reason"],
                proposals.map { p in
                    [el("span", ["class": "time"], text: F.time(p.proposedAt)), HTML.text(p.proposedBy),
                     HTML.text("\(p.verdict.rawValue) (\(p.confidence)/6)"), HTML.text(p.state.rawValue),
                     HTML.text(p.decidedBy ?? "–"), el("span", ["class": "time"], text: p.decidedAt.map(F.time) ?? "–"),
                     HTML.text(p.reason ?? "")]
                }))
        }
        out.append(el("h3", text: "Linked cases (\(links.count))"))
        if links.isEmpty {
            out.append(el("p", ["class": "note"], text: "No linked cases."))
        } else {
            out.append(el("ul", ["class": "links"], links.map { link in
                el("li", text: "\(link.sentence): \(link.reason) (\(link.linkedBy ?? "?"), \(F.time(link.linkedAt)))")
            }))
        }
        return out
    }
}

extension HistoryEntry {
    /// Words for the history rows of four-eyes and case links.
    func linkOrFourEyesSummary(_ text: (String) -> String?) -> String {
        let verdict = "\(text("verdict") ?? "?"), confidence \(text("confidence") ?? "?")"
        let other = (text("other_case_id") ?? "?") + (text("other_ref").map { " (\($0))" } ?? "")
        let incoming = text("direction") == "incoming"
        let kind = text("kind") ?? "?"
        switch action {
        case "propose-verdict": return "proposed verdict: \(verdict)"
        case "sign-off": return "signed off the verdict proposed by \(text("proposed_by") ?? "?"): \(verdict)"
        case "reject-verdict": return "sent back the verdict proposed by \(text("proposed_by") ?? "?"): \(verdict)"
        case "withdraw-verdict": return "withdrew the verdict proposed by \(text("proposed_by") ?? "?"): \(verdict)"
        case "link-case": return incoming ? "case \(other) linked to this case as \(kind)" : "linked as \(kind) case \(other)"
        default: return incoming ? "case \(other) unlinked from this case (\(kind))" : "unlinked \(kind) case \(other)"
        }
    }
}
