#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// The status report for people (Markdown, HTML) and as one tidy CSV table.
extension StatusReport {
    var headline: String { historical ? "Desk status as of \(ReportFormatting.time(asOf))" : "Desk status" }

    var filterSummary: String {
        var parts: [String] = []
        if let reviewer = filters.reviewer { parts.append("reviewer \(reviewer)") }
        if let tag = filters.tag { parts.append("tag \(tag)") }
        if let since = filters.since { parts.append("since \(ReportFormatting.time(since))") }
        return parts.isEmpty ? "all cases" : parts.joined(separator: ", ")
    }

    var openCount: Int { states.filter { $0.state.isOpen }.reduce(0) { $0 + $1.count } }

    /// " (and 1 duplicate, counted with its canonical case)", or nothing: why the total is less than the desk's cases.
    var duplicatesNote: String {
        duplicates == 0 ? "" : " (and \(duplicates) duplicate\(duplicates == 1 ? "" : "s"), counted with \(duplicates == 1 ? "its" : "their") canonical case)"
    }

    static let workloadHeader = ["reviewer"] + CaseState.allCases.map(\.rawValue) + ["total"]
    static let unassignedLabel = "(no reviewer)"

    func verdictConfidence(_ v: VerdictCount) -> String {
        v.byConfidence.enumerated().filter { $0.element > 0 }.map { "\($0.offset + 1):\($0.element)" }.joined(separator: " ")
    }

    static func activityChange(_ entry: ActivityEntry) -> String {
        if let from = entry.fromState, let to = entry.toState { return "\(from.rawValue) → \(to.rawValue)" }
        if let to = entry.toState { return "→ \(to.rawValue)" }
        if case .object(let details) = entry.details {
            if let link = CaseLink.activityText(details) { return link }
            if case .string(let reviewer)? = details["reviewer"] { return reviewer }
            if case .string(let title)? = details["title"] { return title }
            if case .number(let note)? = details["note_id"] { return "note \(Int(note))" }
        }
        return ""
    }

    // MARK: Markdown

    public func markdown() -> String {
        typealias F = ReportFormatting
        let md = Markdown.escape
        var out: [String] = []
        out.append("# \(headline)")
        out.append("")
        out.append("As of \(F.time(asOf)), \(md(filterSummary)); generated \(F.time(generatedAt)). Total: **\(total)** \(total == 1 ? "case" : "cases")\(duplicatesNote).")
        out.append("")
        out.append("## Cases by state")
        out.append("")
        out.append(
            Markdown.table(
                ["state", "cases", "share"],
                states.map { [$0.state.rawValue, String($0.count), F.percent($0.share)] } + [["total", String(total), F.percent(total > 0 ? 1 : 0)]],
                numeric: [1, 2]))
        out.append("")
        out.append("## Workload")
        out.append("")
        out.append(
            workload.isEmpty
                ? "No cases."
                : Markdown.table(
                    Self.workloadHeader,
                    workload.map { row in
                        [md(row.reviewer ?? Self.unassignedLabel)] + CaseState.allCases.map { String(row.count($0)) } + [String(row.total)]
                    }, numeric: Set(1...5)))
        out.append("")
        out.append("## Verdicts")
        out.append("")
        out.append(
            Markdown.table(
                ["verdict", "cases", "mean confidence", "median confidence", "by confidence"],
                verdicts.map {
                    [$0.verdict.rawValue, String($0.count), F.grade($0.meanConfidence), F.grade($0.medianConfidence), verdictConfidence($0)]
                }, numeric: [1, 2, 3]))
        out.append("")
        out.append("Confidence is the Admiralty scale: 1 confirmed ... 6 cannot be judged.")
        out.append("")
        out.append("## Aging (days in the current state)")
        out.append("")
        out.append(
            Markdown.table(
                ["state", "cases", "median", "p90", "max"],
                aging.map { [$0.state.rawValue, String($0.count), F.days($0.medianDays), F.days($0.p90Days), F.days($0.maxDays)] },
                numeric: [1, 2, 3, 4]))
        out.append("")
        out.append("### Oldest open cases")
        out.append("")
        out.append(
            oldest.isEmpty
                ? "No open cases."
                : Markdown.table(
                    ["case", "state", "since", "days", "reviewers", "claim"],
                    oldest.map {
                        [md(F.caseLabel(id: $0.id, ref: $0.ref)), $0.state.rawValue, F.time($0.stateSince), F.days($0.daysInState),
                         md($0.reviewers.joined(separator: ", ")), md($0.claim)]
                    }, numeric: [3]))
        out.append("")
        out.append("## Overdue (\(overdueTotal))")
        out.append("")
        if overdue.isEmpty {
            out.append("No overdue cases.")
        } else {
            out.append(
                Markdown.table(
                    ["case", "state", "due", "days overdue", "reviewers", "claim"],
                    overdue.map {
                        [md(F.caseLabel(id: $0.id, ref: $0.ref)), $0.state.rawValue, $0.due.description, String($0.daysOverdue),
                         md($0.reviewers.joined(separator: ", ")), md($0.claim)]
                    }, numeric: [3]))
            if overdueTotal > overdue.count { out.append("\nShowing the \(overdue.count) most overdue of \(overdueTotal).") }
        }
        out.append("")
        out.append("## Flow (weeks from \(flow.firstWeek) to \(flow.lastWeek), UTC)")
        out.append("")
        out.append(
            "Opened: **\(flow.opened)**, assessed: **\(flow.assessed)**, median days from opened to assessed: **\(F.days(flow.medianDaysToAssess))**.")
        out.append("")
        out.append(
            Markdown.table(
                ["week of", "opened", "assessed"],
                flow.weeks.map { [$0.weekStart.description, String($0.opened), String($0.assessed)] }, numeric: [1, 2]))
        out.append("")
        out.append("## Recent activity")
        out.append("")
        out.append(
            recentActivity.isEmpty
                ? "No activity."
                : Markdown.table(
                    ["at", "case", "who", "action", "change", "reason"],
                    recentActivity.map {
                        [F.time($0.at), md(F.caseLabel(id: $0.caseId, ref: $0.caseRef)), md($0.actor ?? "–"), $0.action,
                         md(Self.activityChange($0)), md($0.reason ?? "")]
                    }))
        return out.joined(separator: "\n")
    }

    // MARK: CSV

    /// Columns of the CSV form: one row per figure.
    public static let csvHeader = ["section", "subject", "state", "metric", "value"]

    /// One figure per row (`section, subject, state, metric, value`), documented in docs/reports.md.
    public func csvRows() -> [[String]] {
        func number(_ value: Double?) -> String { value.map { String($0) } ?? "" }
        var rows: [[String]] = []
        rows.append(["report", "", "", "as_of", TimestampText.format(asOf)])
        rows.append(["report", "", "", "generated_at", TimestampText.format(generatedAt)])
        rows.append(["report", "", "", "historical", String(historical)])
        rows.append(["report", "", "", "reviewer", filters.reviewer ?? ""])
        rows.append(["report", "", "", "tag", filters.tag ?? ""])
        rows.append(["report", "", "", "since", filters.since.map(TimestampText.format) ?? ""])
        rows.append(["total", "", "", "count", String(total)])
        rows.append(["total", "", "", "duplicates", String(duplicates)])
        for s in states {
            rows.append(["states", "", s.state.rawValue, "count", String(s.count)])
            rows.append(["states", "", s.state.rawValue, "share", String(s.share)])
        }
        for w in workload {
            for state in CaseState.allCases {
                rows.append(["workload", w.reviewer ?? "", state.rawValue, "count", String(w.count(state))])
            }
            rows.append(["workload", w.reviewer ?? "", "", "total", String(w.total)])
        }
        for v in verdicts {
            rows.append(["verdicts", v.verdict.rawValue, "", "count", String(v.count)])
            rows.append(["verdicts", v.verdict.rawValue, "", "mean_confidence", number(v.meanConfidence)])
            rows.append(["verdicts", v.verdict.rawValue, "", "median_confidence", number(v.medianConfidence)])
            for (index, count) in v.byConfidence.enumerated() {
                rows.append(["verdicts", v.verdict.rawValue, "", "confidence_\(index + 1)", String(count)])
            }
        }
        for a in aging {
            rows.append(["aging", "", a.state.rawValue, "count", String(a.count)])
            rows.append(["aging", "", a.state.rawValue, "median_days", number(a.medianDays)])
            rows.append(["aging", "", a.state.rawValue, "p90_days", number(a.p90Days)])
            rows.append(["aging", "", a.state.rawValue, "max_days", number(a.maxDays)])
        }
        for (rank, c) in oldest.enumerated() {
            let subject = String(c.id)
            rows.append(["oldest", subject, c.state.rawValue, "rank", String(rank + 1)])
            rows.append(["oldest", subject, c.state.rawValue, "ref", c.ref ?? ""])
            rows.append(["oldest", subject, c.state.rawValue, "state_since", TimestampText.format(c.stateSince)])
            rows.append(["oldest", subject, c.state.rawValue, "days_in_state", String(c.daysInState)])
            rows.append(["oldest", subject, c.state.rawValue, "reviewers", c.reviewers.joined(separator: ";")])
            rows.append(["oldest", subject, c.state.rawValue, "claim", c.claim])
        }
        rows.append(["overdue", "", "", "total", String(overdueTotal)])
        for (rank, c) in overdue.enumerated() {
            let subject = String(c.id)
            rows.append(["overdue", subject, c.state.rawValue, "rank", String(rank + 1)])
            rows.append(["overdue", subject, c.state.rawValue, "ref", c.ref ?? ""])
            rows.append(["overdue", subject, c.state.rawValue, "due", c.due.description])
            rows.append(["overdue", subject, c.state.rawValue, "days_overdue", String(c.daysOverdue)])
            rows.append(["overdue", subject, c.state.rawValue, "reviewers", c.reviewers.joined(separator: ";")])
            rows.append(["overdue", subject, c.state.rawValue, "claim", c.claim])
        }
        rows.append(["flow", "", "", "first_week", flow.firstWeek.description])
        rows.append(["flow", "", "", "last_week", flow.lastWeek.description])
        rows.append(["flow", "", "", "opened", String(flow.opened)])
        rows.append(["flow", "", "", "assessed", String(flow.assessed)])
        rows.append(["flow", "", "", "median_days_to_assess", number(flow.medianDaysToAssess)])
        for week in flow.weeks {
            rows.append(["flow_week", week.weekStart.description, "", "opened", String(week.opened)])
            rows.append(["flow_week", week.weekStart.description, "", "assessed", String(week.assessed)])
        }
        for (rank, entry) in recentActivity.enumerated() {
            let subject = String(entry.id)
            rows.append(["activity", subject, entry.toState?.rawValue ?? "", "rank", String(rank + 1)])
            rows.append(["activity", subject, entry.toState?.rawValue ?? "", "at", TimestampText.format(entry.at)])
            rows.append(["activity", subject, entry.toState?.rawValue ?? "", "case_id", String(entry.caseId)])
            rows.append(["activity", subject, entry.toState?.rawValue ?? "", "actor", entry.actor ?? ""])
            rows.append(["activity", subject, entry.toState?.rawValue ?? "", "action", entry.action])
            rows.append(["activity", subject, entry.toState?.rawValue ?? "", "reason", entry.reason ?? ""])
        }
        return rows
    }

    // MARK: HTML

    /// One self-contained page: inline CSS, inline SVG charts, no script, nothing fetched.
    public func html() -> String {
        typealias F = ReportFormatting
        let t = HTML.text
        func num(_ value: Int) -> HTML { t(String(value)) }
        func statePill(_ state: CaseState) -> HTML {
            el("span", ["class": "pill", "style": "background:\(ReportCharts.colour(state))"], text: state.rawValue)
        }
        func caseCell(_ id: Int, _ ref: String?) -> HTML { el("span", ["class": "case"], text: F.caseLabel(id: id, ref: ref)) }
        func timeCell(_ date: Date) -> HTML { el("span", ["class": "time"], text: F.time(date)) }

        let kpis = el(
            "div", ["class": "kpis"],
            [
                ("cases", String(total)), ("open", String(openCount)),
                ("assessed", String(states.first { $0.state == .assessed }?.count ?? 0)),
                ("overdue", String(overdueTotal)), ("median days to assess", F.days(flow.medianDaysToAssess)),
            ].map { label, value in el("div", ["class": "kpi"], [el("b", text: value), el("span", text: label)]) })

        let stateSection = el(
            "section", [:],
            [
                el("h2", text: "Cases by state"),
                ReportCharts.horizontalBars(
                    states.map { .init(label: $0.state.rawValue, value: Double($0.count), valueText: "\($0.count) · \(F.percent($0.share))", colour: ReportCharts.colour($0.state)) },
                    title: "Cases by state"),
                HTML.table(
                    ["state", "cases", "share"],
                    states.map { [statePill($0.state), num($0.count), t(F.percent($0.share))] }
                        + [[el("strong", text: "total"), el("strong", text: String(total)), t(F.percent(total > 0 ? 1 : 0))]],
                    numeric: [1, 2]),
            ])

        let workloadSection = el(
            "section", [:],
            [
                el("h2", text: "Workload"),
                el("p", ["class": "note"], text: "Cases by reviewer and state; a case with two reviewers counts for each."),
                workload.isEmpty
                    ? el("p", text: "No cases.")
                    : HTML.table(
                        Self.workloadHeader,
                        workload.map { row in
                            [row.reviewer.map { t($0) } ?? el("em", text: Self.unassignedLabel)]
                                + CaseState.allCases.map { num(row.count($0)) } + [el("strong", text: String(row.total))]
                        }, numeric: Set(1...5)),
            ])

        let verdictSection = el(
            "section", [:],
            [
                el("h2", text: "Verdicts"),
                HTML.table(
                    ["verdict", "cases", "mean confidence", "median confidence", "by confidence"],
                    verdicts.map {
                        [t($0.verdict.rawValue), num($0.count), t(F.grade($0.meanConfidence)), t(F.grade($0.medianConfidence)),
                         t(verdictConfidence($0))]
                    }, numeric: [1, 2, 3]),
                el("p", ["class": "note"], text: "Confidence on the Admiralty scale: 1 confirmed … 6 cannot be judged; “by confidence” lists grade:cases."),
            ])

        let agingSection = el(
            "section", [:],
            [
                el("h2", text: "Aging"),
                el("p", ["class": "note"], text: "Days each open case has spent in its current state so far (bars: median, 90th percentile, maximum)."),
                ReportCharts.aging(aging, title: "Days in current state"),
                HTML.table(
                    ["state", "cases", "median", "p90", "max"],
                    aging.map { [statePill($0.state), num($0.count), t(F.days($0.medianDays)), t(F.days($0.p90Days)), t(F.days($0.maxDays))] },
                    numeric: [1, 2, 3, 4]),
            ])

        let oldestSection = el(
            "section", [:],
            [
                el("h2", text: "Oldest open cases"),
                el("p", ["class": "note"], text: "The open cases longest in their current state."),
                oldest.isEmpty
                    ? el("p", text: "No open cases.")
                    : HTML.table(
                        ["case", "state", "in state since", "days", "reviewers", "claim"],
                        oldest.map {
                            [caseCell($0.id, $0.ref), statePill($0.state), timeCell($0.stateSince), t(F.days($0.daysInState)),
                             t($0.reviewers.joined(separator: ", ")), el("span", ["class": "claim"], text: $0.claim)]
                        }, numeric: [3]),
            ])

        var overdueChildren = [el("h2", text: "Overdue (\(overdueTotal))")]
        if overdue.isEmpty {
            overdueChildren.append(el("p", text: "No overdue cases."))
        } else {
            overdueChildren.append(
                HTML.table(
                    ["case", "state", "due", "days overdue", "reviewers", "claim"],
                    overdue.map {
                        [caseCell($0.id, $0.ref), statePill($0.state), el("span", ["class": "time"], text: $0.due.description),
                         el("strong", text: String($0.daysOverdue)),
                         t($0.reviewers.joined(separator: ", ")), el("span", ["class": "claim"], text: $0.claim)]
                    }, numeric: [3]))
            if overdueTotal > overdue.count {
                overdueChildren.append(el("p", ["class": "note"], text: "Showing the \(overdue.count) most overdue of \(overdueTotal)."))
            }
        }

        let flowSection = el(
            "section", [:],
            [
                el("h2", text: "Flow"),
                el("p", ["class": "note"],
                  text: "Cases opened and assessed per week (weeks start on Monday, UTC), \(flow.firstWeek) to \(flow.lastWeek). Opened: \(flow.opened); assessed: \(flow.assessed); median days from opened to assessed: \(F.days(flow.medianDaysToAssess))."),
                ReportCharts.weeklyFlow(flow.weeks, title: "Cases opened and assessed per week"),
                el("details", [:], [
                    el("summary", text: "Weekly figures"),
                    HTML.table(
                        ["week of", "opened", "assessed"],
                        flow.weeks.map { [t($0.weekStart.description), num($0.opened), num($0.assessed)] }, numeric: [1, 2]),
                ]),
            ])

        let activitySection = el(
            "section", [:],
            [
                el("h2", text: "Recent activity"),
                recentActivity.isEmpty
                    ? el("p", text: "No activity.")
                    : HTML.table(
                        ["at", "case", "who", "action", "change", "reason"],
                        recentActivity.map {
                            [timeCell($0.at), caseCell($0.caseId, $0.caseRef), t($0.actor ?? "–"), t($0.action),
                             t(Self.activityChange($0)), t($0.reason ?? "")]
                        }),
            ])

        let header = el(
            "header", [:],
            [
                el("div", ["class": "wrap"], [
                    el("p", ["class": "eyebrow"], text: "Verity · verification desk"),
                    el("h1", text: headline),
                    el("p", ["class": "meta"],
                      text: "As of \(F.time(asOf)) · \(filterSummary) · generated \(F.time(generatedAt))"
                        + (historical ? " · rebuilt from the case history" : "")
                        + (duplicates == 0 ? "" : " · \(total) \(total == 1 ? "case" : "cases")\(duplicatesNote)")),
                ])
            ])
        let body: [HTML] = [
            header,
            el("main", ["class": "wrap"], [
                kpis,
                el("div", ["class": "grid"], [stateSection, agingSection]),
                flowSection,
                workloadSection,
                verdictSection,
                el("section", [:], overdueChildren),
                oldestSection,
                activitySection,
            ]),
        ]
        return HTML.page(title: headline, style: ReportStyle.css, body: body)
    }
}

/// The style sheet every HTML report shares: screen and print.
enum ReportStyle {
    static let css = """
        :root { --ink: #1c2331; --muted: #5d6677; --line: #e4e7ed; --bg: #f4f5f8; --card: #ffffff; --accent: #2b4c7e; }
        * { box-sizing: border-box; }
        html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        body { margin: 0; background: var(--bg); color: var(--ink);
               font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        .wrap { max-width: 1120px; margin: 0 auto; padding: 0 32px; }
        header { background: #1c2331; color: #fff; padding: 26px 0 22px; border-bottom: 4px solid var(--accent); }
        header h1 { margin: 2px 0 4px; font-size: 28px; font-weight: 650; letter-spacing: -0.01em; }
        .eyebrow { margin: 0; text-transform: uppercase; letter-spacing: 0.12em; font-size: 12px; color: #aab4c8; }
        .meta { margin: 0; color: #cfd6e4; font-size: 14px; }
        main.wrap { padding-top: 22px; padding-bottom: 40px; }
        section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px;
                  margin: 0 0 18px; break-inside: avoid; box-shadow: 0 1px 2px rgba(20, 30, 50, 0.04); min-width: 0; }
        h2 { margin: 0 0 12px; font-size: 17px; font-weight: 650; }
        h3 { margin: 18px 0 8px; font-size: 15px; font-weight: 650; }
        .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
        .grid > section { margin-bottom: 18px; }
        .kpis { display: flex; gap: 14px; margin: 0 0 18px; flex-wrap: wrap; }
        .kpi { flex: 1 1 150px; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 18px; }
        .kpi b { display: block; font-size: 30px; font-weight: 650; line-height: 1.1; font-variant-numeric: tabular-nums; }
        .kpi span { color: var(--muted); font-size: 13px; }
        table { width: 100%; border-collapse: collapse; font-size: 13.5px; margin-top: 8px; }
        th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase;
             letter-spacing: 0.04em; border-bottom: 2px solid var(--line); padding: 6px 8px; }
        td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top; overflow-wrap: anywhere; }
        .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .pill { display: inline-block; padding: 1px 9px; border-radius: 999px; color: #fff; font-size: 12px; font-weight: 600;
                white-space: nowrap; }
        .case { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; white-space: nowrap; }
        .claim { color: #2a3140; }
        .time { white-space: nowrap; font-variant-numeric: tabular-nums; }
        .note { color: var(--muted); font-size: 13px; margin: 0 0 8px; }
        details summary { cursor: pointer; color: var(--muted); font-size: 13px; margin-top: 8px; }
        svg.chart { display: block; margin: 6px 0 4px; max-width: 100%; height: auto; }
        svg .lbl { font-size: 13px; fill: #2a3140; }
        svg .val { font-size: 12px; fill: #5d6677; font-variant-numeric: tabular-nums; }
        svg .small { font-size: 11px; }
        svg .axis { font-size: 11px; fill: #7a8394; }
        svg .grid { stroke: #e4e7ed; stroke-width: 1; }
        @media (max-width: 820px) { .grid { grid-template-columns: 1fr; } }
        @media print {
            body { background: #fff; font-size: 11pt; }
            .wrap { max-width: none; padding: 0; }
            header { background: #fff; color: #000; border-bottom: 2px solid #000; padding: 0 0 8px; }
            .eyebrow, .meta { color: #333; }
            section, .kpi { box-shadow: none; border-color: #bbb; break-inside: avoid; page-break-inside: avoid; }
            .grid { grid-template-columns: 1fr 1fr; }
            details > *:not(summary) { display: block; }
            details summary { display: none; }
            a { color: #000; text-decoration: none; }
        }
        """
}
