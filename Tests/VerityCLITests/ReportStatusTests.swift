import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// One way of asking for the status report.
struct StatusScenario: Sendable, CustomStringConvertible {
    var asOf: String?
    var tag: String?
    var reviewer: String?
    var since: String?

    var description: String {
        "as-of \(asOf ?? "now")" + (tag.map { " tag \($0)" } ?? "") + (reviewer.map { " reviewer \($0)" } ?? "")
            + (since.map { " since \($0)" } ?? "")
    }

    var arguments: [String] {
        var result: [String] = []
        if let asOf { result += ["--as-of", asOf] }
        if let tag { result += ["--tag", tag] }
        if let reviewer { result += ["--reviewer", reviewer] }
        if let since { result += ["--since", since] }
        return result
    }
}

/// The report's figures, computed by the test's own SQL: correlated subqueries
/// over the history (or today's rows when the report is not historical),
/// written independently of the report's DISTINCT ON and temporary tables.
struct ExpectedStatus {
    struct StateRow { var state: String; var count: Int; var share: Double }
    struct WorkloadRow { var reviewer: String?; var counts: [Int]; var total: Int }
    struct VerdictRow { var verdict: String; var count: Int; var mean: Double?; var median: Double?; var byConfidence: [Int] }
    struct AgingRow { var state: String; var count: Int; var median: Double?; var p90: Double?; var max: Double? }
    struct CaseRow { var id: Int; var ref: String?; var state: String; var days: Double; var due: String? }
    struct WeekRow { var week: String; var opened: Int; var assessed: Int }

    var total = 0
    var states: [StateRow] = []
    var workload: [WorkloadRow] = []
    var verdicts: [VerdictRow] = []
    var aging: [AgingRow] = []
    var oldest: [CaseRow] = []
    var overdue: [CaseRow] = []
    var overdueTotal = 0
    var weeks: [WeekRow] = []
    var flowOpened = 0
    var flowAssessed = 0
    var medianToAssess: Double?
    var activity: [(id: Int, action: String)] = []

    static let openStates = ["claimed", "disputed", "evidence-pending"]
    static let allStates = openStates + ["assessed"]

    static func compute(_ db: Connection, at: Date, historical: Bool, tag: String?, reviewer: String?, since: Date?) throws -> ExpectedStatus {
        let scope: Query
        if historical {
            scope = """
                CREATE TEMP TABLE scope AS
                WITH per_case AS (
                    SELECT c.id, c.ref, c.claim,
                           (SELECT h.to_state FROM case_history h WHERE h.case_id = c.id AND h.to_state IS NOT NULL
                               AND h.at <= \(at) ORDER BY h.at DESC, h.id DESC LIMIT 1) AS state,
                           (SELECT h.at FROM case_history h WHERE h.case_id = c.id AND h.to_state IS NOT NULL
                               AND h.at <= \(at) ORDER BY h.at DESC, h.id DESC LIMIT 1) AS since,
                           (SELECT h.details FROM case_history h WHERE h.case_id = c.id AND h.to_state IS NOT NULL
                               AND h.at <= \(at) ORDER BY h.at DESC, h.id DESC LIMIT 1) AS last_details,
                           (SELECT h.at FROM case_history h WHERE h.case_id = c.id AND h.action = 'open') AS opened,
                           (SELECT CASE h.action WHEN 'open' THEN h.details -> 'due' ELSE h.details -> 'due' -> 'to' END
                              FROM case_history h WHERE h.case_id = c.id AND h.action IN ('open', 'update')
                               AND h.details ? 'due' AND h.at <= \(at) ORDER BY h.at DESC, h.id DESC LIMIT 1) AS due_json,
                           (SELECT CASE h.action WHEN 'open' THEN h.details -> 'tags' ELSE h.details -> 'tags' -> 'to' END
                              FROM case_history h WHERE h.case_id = c.id AND h.action IN ('open', 'update')
                               AND h.details ? 'tags' AND h.at <= \(at) ORDER BY h.at DESC, h.id DESC LIMIT 1) AS tags_json,
                           ARRAY(SELECT r.handle FROM reviewers r
                                  WHERE (SELECT h.action FROM case_history h WHERE h.case_id = c.id
                                            AND h.action IN ('assign', 'unassign') AND h.details ->> 'reviewer' = r.handle
                                            AND h.at <= \(at) ORDER BY h.at DESC, h.id DESC LIMIT 1) = 'assign'
                                  ORDER BY r.handle) AS reviewers
                      FROM cases c
                )
                    SELECT id, ref, claim, state, since, opened, (due_json #>> '{}')::date AS due, reviewers,
                           CASE WHEN state = 'assessed' THEN last_details ->> 'verdict' END AS verdict,
                           CASE WHEN state = 'assessed' THEN (last_details ->> 'confidence')::int END AS confidence
                      FROM per_case
                     WHERE state IS NOT NULL
                       AND (\(tag)::text IS NULL OR coalesce(tags_json, '[]') ? \(tag))
                       AND (\(reviewer)::text IS NULL OR \(reviewer) = ANY (reviewers))
                """
        } else {
            scope = """
                CREATE TEMP TABLE scope AS
                    SELECT c.id, c.ref, c.claim, c.state, c.state_changed_at AS since, c.created_at AS opened, c.due,
                           ARRAY(SELECT r.handle FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
                                  WHERE a.case_id = c.id ORDER BY r.handle) AS reviewers,
                           c.verdict, c.confidence::int AS confidence
                      FROM cases c
                     WHERE (\(tag)::text IS NULL OR \(tag) = ANY (c.tags))
                       AND (\(reviewer)::text IS NULL OR EXISTS (
                            SELECT 1 FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
                             WHERE a.case_id = c.id AND r.handle = \(reviewer)))
                """
        }
        try db.query("DROP TABLE IF EXISTS scope")
        try db.query(scope)
        var e = ExpectedStatus()
        e.total = try db.query(" SELECT count(*) AS n FROM scope")[0].decode("n")
        for state in allStates {
            let n: Int = try db.query(" SELECT count(*) AS n FROM scope WHERE state = \(state)")[0].decode("n")
            e.states.append(.init(state: state, count: n, share: e.total == 0 ? 0 : (Double(n) / Double(e.total) * 10000).rounded() / 10000))
        }
        e.workload = try db.query(
            """
             SELECT r AS reviewer, count(*) FILTER (WHERE state = 'claimed') AS a, count(*) FILTER (WHERE state = 'disputed') AS b,
                    count(*) FILTER (WHERE state = 'evidence-pending') AS c, count(*) FILTER (WHERE state = 'assessed') AS d,
                    count(*) AS total
               FROM scope LEFT JOIN LATERAL unnest(scope.reviewers) AS r ON true
              GROUP BY r ORDER BY r NULLS LAST
            """
        ).rows.map { row in
            .init(reviewer: try row.decode("reviewer"), counts: try ["a", "b", "c", "d"].map { try row.decode($0) }, total: try row.decode("total"))
        }
        for verdict in Verdict.allCases.map(\.rawValue) {
            let row = try db.query(
                """
                 SELECT count(*) AS n, round(avg(confidence), 2)::float8 AS mean,
                        percentile_cont(0.5) WITHIN GROUP (ORDER BY confidence) AS median,
                        array_to_string(ARRAY(SELECT count(s2.id) FROM generate_series(1, 6) g
                                                LEFT JOIN scope s2 ON s2.confidence = g AND s2.verdict = \(verdict) AND s2.state = 'assessed'
                                               GROUP BY g ORDER BY g), ',') AS by_confidence
                   FROM scope WHERE state = 'assessed' AND verdict = \(verdict)
                """)[0]
            e.verdicts.append(
                .init(
                    verdict: verdict, count: try row.decode("n"), mean: try row.decode("mean"), median: try row.decode("median"),
                    byConfidence: try row.decode("by_confidence", as: String.self).split(separator: ",").map { Int($0)! }))
        }
        for state in openStates {
            let row = try db.query(
                """
                 WITH ages AS (SELECT extract(epoch FROM \(at)::timestamptz - since) / 86400 AS d FROM scope WHERE state = \(state))
                 SELECT count(*) AS n,
                        round((percentile_cont(0.5) WITHIN GROUP (ORDER BY d))::numeric, 2)::float8 AS median,
                        round((percentile_cont(0.9) WITHIN GROUP (ORDER BY d))::numeric, 2)::float8 AS p90,
                        round(max(d)::numeric, 2)::float8 AS max
                   FROM ages
                """)[0]
            e.aging.append(
                .init(state: state, count: try row.decode("n"), median: try row.decode("median"), p90: try row.decode("p90"),
                      max: try row.decode("max")))
        }
        e.oldest = try db.query(
            """
             SELECT id, ref, state, round((extract(epoch FROM \(at)::timestamptz - since) / 86400)::numeric, 2)::float8 AS days
               FROM scope WHERE state <> 'assessed' ORDER BY since, id LIMIT 10
            """
        ).rows.map { .init(id: try $0.decode("id"), ref: try $0.decode("ref"), state: try $0.decode("state"), days: try $0.decode("days"), due: nil) }
        let overdueQuery: Query = """
             SELECT id, ref, state, due::text AS due, ((\(at)::timestamptz AT TIME ZONE 'UTC')::date - due)::float8 AS days
               FROM scope WHERE state <> 'assessed' AND due < (\(at)::timestamptz AT TIME ZONE 'UTC')::date ORDER BY due, id
            """
        e.overdue = try db.query(overdueQuery).rows.map {
            .init(id: try $0.decode("id"), ref: try $0.decode("ref"), state: try $0.decode("state"), days: try $0.decode("days"), due: try $0.decode("due"))
        }
        e.overdueTotal = e.overdue.count
        let first: Query = "date_trunc('week', coalesce(\(since)::timestamptz, \(at)::timestamptz - interval '77 days'))"
        e.weeks = try db.query(
            """
             SELECT w::date::text AS week,
                    (SELECT count(*) FROM scope WHERE opened >= w AND opened < w + interval '7 days' AND opened <= \(at)) AS opened,
                    (SELECT count(*) FROM case_history h JOIN scope ON scope.id = h.case_id
                      WHERE h.action = 'assess' AND h.at >= w AND h.at < w + interval '7 days' AND h.at <= \(at)) AS assessed
               FROM generate_series(
             """ + first + """
             , \(at)::timestamptz, interval '1 week') AS w ORDER BY w
            """
        ).rows.map { .init(week: try $0.decode("week"), opened: try $0.decode("opened"), assessed: try $0.decode("assessed")) }
        let flow = try db.query(
            """
             SELECT (SELECT count(*) FROM scope WHERE opened >= 
            """ + first + """
             AND opened <= \(at)) AS opened,
                    count(*) AS assessed,
                    round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM h.at - scope.opened) / 86400))::numeric, 2)::float8 AS median
               FROM case_history h JOIN scope ON scope.id = h.case_id
              WHERE h.action = 'assess' AND h.at <= \(at) AND h.at >= 
            """ + first)[0]
        e.flowOpened = try flow.decode("opened")
        e.flowAssessed = try flow.decode("assessed")
        e.medianToAssess = try flow.decode("median")
        e.activity = try db.query(
            """
             SELECT h.id, h.action FROM case_history h JOIN scope ON scope.id = h.case_id
              WHERE h.at <= \(at) AND (\(since)::timestamptz IS NULL OR h.at >= \(since))
              ORDER BY h.at DESC, h.id DESC LIMIT 20
            """
        ).rows.map { (try $0.decode("id"), try $0.decode("action")) }
        return e
    }
}

/// Reads the tidy CSV form: `section,subject,state,metric,value`.
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var iterator = Array(text).makeIterator()
    var pending: Character? = nil
    while let c = pending ?? iterator.next() {
        pending = nil
        if quoted {
            if c == "\"" {
                if let next = iterator.next() {
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else { quoted = false }
            } else { field.append(c) }
        } else if c == "\"" { quoted = true }
        else if c == "," { row.append(field); field = "" }
        else if c == "\n" { row.append(field); rows.append(row); row = []; field = "" }
        else { field.append(c) }
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}

@Suite("verity report status")
struct ReportStatusTests {
    static let scenarios: [StatusScenario] = [
        StatusScenario(),
        StatusScenario(asOf: "2022-09-17T12:00:00+03:00"),
        StatusScenario(asOf: "2022-09-20"),
        StatusScenario(asOf: "2022-09-21T18:30:00Z", tag: "izium"),
        StatusScenario(asOf: "2022-09-22T05:00:00-05:00", reviewer: "bob"),
        StatusScenario(asOf: "2022-09-30T12:00:00Z", since: "2022-08-01"),
        StatusScenario(asOf: "2022-09-23T12:00:00+02:00", tag: "graves"),
    ]

    @Test("every figure, in every format, matches the test's own SQL", arguments: scenarios)
    func figuresMatch(_ scenario: StatusScenario) throws {
        let desk = try IziumDesk.shared()
        let base = ["report", "status", "--database-url", desk.url] + scenario.arguments
        let json = verity(base + ["--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let report = try #require(try json.json() as? [String: Any])
        let asOfText = try #require(report["as_of"] as? String)
        let asOf = try #require(TimestampText.parse(asOfText))
        if let text = scenario.asOf {
            #expect(asOf == TimestampText.parse(text), "as_of is the instant asked for")
            #expect(report["historical"] as? Bool == true)
        }
        let since = scenario.since.flatMap { TimestampText.parse($0) }
        let e = try ExpectedStatus.compute(
            try desk.connect(), at: asOf, historical: scenario.asOf != nil, tag: scenario.tag, reviewer: scenario.reviewer, since: since)
        #expect(e.total > 0, "the scenario counts some cases")

        try checkJSON(report, e)
        try checkCSV(verity(base + ["--format", "csv"]), e, asOf: scenario.asOf == nil ? nil : asOf)
        let markdown = verity(base)
        #expect(markdown.status == 0, "\(markdown.stderr)")
        checkMarkdown(markdown.stdout, e)
        let html = verity(base + ["--format", "html"])
        #expect(html.status == 0, "\(html.stderr)")
        checkHTML(html.stdout, e)
    }

    func checkJSON(_ report: [String: Any], _ e: ExpectedStatus) throws {
        #expect(report["total"] as? Int == e.total)
        let states = try #require(report["states"] as? [[String: Any]])
        #expect(states.map { $0["state"] as? String } == e.states.map(\.state))
        #expect(states.map { $0["count"] as? Int } == e.states.map(\.count))
        #expect(states.map { $0["share"] as? Double } == e.states.map(\.share))

        let workload = try #require(report["workload"] as? [[String: Any]])
        #expect(workload.map { $0["reviewer"] as? String } == e.workload.map(\.reviewer))
        #expect(workload.map { w in ["claimed", "disputed", "evidence_pending", "assessed"].map { w[$0] as? Int ?? -1 } } == e.workload.map(\.counts))
        #expect(workload.map { $0["total"] as? Int } == e.workload.map(\.total))
        #expect(workload.contains { $0["reviewer"] is NSNull } == e.workload.contains { $0.reviewer == nil }, "unassigned cases have reviewer null")

        let verdicts = try #require(report["verdicts"] as? [[String: Any]])
        #expect(verdicts.map { $0["verdict"] as? String } == e.verdicts.map(\.verdict))
        #expect(verdicts.map { $0["count"] as? Int } == e.verdicts.map(\.count))
        #expect(verdicts.map { $0["mean_confidence"] as? Double } == e.verdicts.map(\.mean))
        #expect(verdicts.map { $0["median_confidence"] as? Double } == e.verdicts.map(\.median))
        #expect(verdicts.map { $0["by_confidence"] as? [Int] } == e.verdicts.map(\.byConfidence))

        let aging = try #require(report["aging"] as? [[String: Any]])
        #expect(aging.map { $0["state"] as? String } == ExpectedStatus.openStates)
        #expect(aging.map { $0["count"] as? Int } == e.aging.map(\.count))
        #expect(aging.map { $0["median_days"] as? Double } == e.aging.map(\.median))
        #expect(aging.map { $0["p90_days"] as? Double } == e.aging.map(\.p90))
        #expect(aging.map { $0["max_days"] as? Double } == e.aging.map(\.max))

        let oldest = try #require(report["oldest"] as? [[String: Any]])
        #expect(oldest.map { $0["id"] as? Int } == e.oldest.map(\.id))
        #expect(oldest.map { $0["days_in_state"] as? Double } == e.oldest.map(\.days))
        #expect(oldest.map { $0["state"] as? String } == e.oldest.map(\.state))

        #expect(report["overdue_total"] as? Int == e.overdueTotal)
        let overdue = try #require(report["overdue"] as? [[String: Any]])
        #expect(overdue.map { $0["id"] as? Int } == e.overdue.map(\.id))
        #expect(overdue.map { $0["due"] as? String } == e.overdue.map(\.due))
        #expect(overdue.map { ($0["days_overdue"] as? Int).map(Double.init) } == e.overdue.map(\.days))

        let flow = try #require(report["flow"] as? [String: Any])
        let weeks = try #require(flow["weeks"] as? [[String: Any]])
        #expect(weeks.map { $0["week_start"] as? String } == e.weeks.map(\.week))
        #expect(weeks.map { $0["opened"] as? Int } == e.weeks.map(\.opened))
        #expect(weeks.map { $0["assessed"] as? Int } == e.weeks.map(\.assessed))
        #expect(flow["opened"] as? Int == e.flowOpened)
        #expect(flow["assessed"] as? Int == e.flowAssessed)
        #expect(flow["median_days_to_assess"] as? Double == e.medianToAssess)
        #expect(flow["first_week"] as? String == e.weeks.first?.week)

        let activity = try #require(report["recent_activity"] as? [[String: Any]])
        #expect(activity.map { $0["id"] as? Int } == e.activity.map(\.id))
        #expect(activity.map { $0["action"] as? String } == e.activity.map(\.action))
    }

    func checkCSV(_ result: CLIResult, _ e: ExpectedStatus, asOf: Date?) throws {
        #expect(result.status == 0, "\(result.stderr)")
        let rows = parseCSV(result.stdout)
        #expect(rows.first == ["section", "subject", "state", "metric", "value"])
        #expect(rows.dropFirst().allSatisfy { $0.count == 5 }, "every row has five fields")
        var value: [String: String] = [:]
        for row in rows.dropFirst() where row.count == 5 { value[row[0...3].joined(separator: "|")] = row[4] }
        func number(_ v: Double?) -> String { v.map { String($0) } ?? "" }
        if let asOf { #expect(value["report|||as_of"] == TimestampText.format(asOf)) }
        #expect(value["total|||count"] == String(e.total))
        for s in e.states {
            #expect(value["states||\(s.state)|count"] == String(s.count))
            #expect(value["states||\(s.state)|share"].flatMap(Double.init) == s.share)
        }
        for w in e.workload {
            for (index, state) in ExpectedStatus.allStates.enumerated() {
                #expect(value["workload|\(w.reviewer ?? "")|\(state)|count"] == String(w.counts[index]))
            }
            #expect(value["workload|\(w.reviewer ?? "")||total"] == String(w.total))
        }
        for v in e.verdicts {
            #expect(value["verdicts|\(v.verdict)||count"] == String(v.count))
            #expect(value["verdicts|\(v.verdict)||mean_confidence"] == number(v.mean))
            #expect(value["verdicts|\(v.verdict)||median_confidence"] == number(v.median))
            for (index, n) in v.byConfidence.enumerated() {
                #expect(value["verdicts|\(v.verdict)||confidence_\(index + 1)"] == String(n))
            }
        }
        for a in e.aging {
            #expect(value["aging||\(a.state)|count"] == String(a.count))
            #expect(value["aging||\(a.state)|median_days"] == number(a.median))
            #expect(value["aging||\(a.state)|p90_days"] == number(a.p90))
            #expect(value["aging||\(a.state)|max_days"] == number(a.max))
        }
        for (rank, c) in e.oldest.enumerated() {
            #expect(value["oldest|\(c.id)|\(c.state)|rank"] == String(rank + 1))
            #expect(value["oldest|\(c.id)|\(c.state)|days_in_state"] == String(c.days))
        }
        #expect(value["overdue|||total"] == String(e.overdueTotal))
        for c in e.overdue {
            #expect(value["overdue|\(c.id)|\(c.state)|due"] == c.due)
            #expect(value["overdue|\(c.id)|\(c.state)|days_overdue"] == String(Int(c.days)))
        }
        for w in e.weeks {
            #expect(value["flow_week|\(w.week)||opened"] == String(w.opened))
            #expect(value["flow_week|\(w.week)||assessed"] == String(w.assessed))
        }
        #expect(value["flow|||opened"] == String(e.flowOpened))
        #expect(value["flow|||assessed"] == String(e.flowAssessed))
        #expect(value["flow|||median_days_to_assess"] == number(e.medianToAssess))
        let activity = rows.filter { $0.first == "activity" && $0[3] == "action" }
        #expect(activity.map { Int($0[1]) ?? 0 } == e.activity.map(\.id))
    }

    func checkMarkdown(_ text: String, _ e: ExpectedStatus) {
        typealias F = ReportFormatting
        #expect(text.contains("Total: **\(e.total)** \(e.total == 1 ? "case" : "cases")."))
        for s in e.states { #expect(text.contains("| \(s.state) | \(s.count) | \(F.percent(s.share)) |"), "\(s.state)") }
        for w in e.workload {
            let name = w.reviewer ?? "(no reviewer)"
            #expect(text.contains("| \(name) | " + w.counts.map(String.init).joined(separator: " | ") + " | \(w.total) |"), "\(name)")
        }
        for v in e.verdicts {
            #expect(text.contains("| \(v.verdict) | \(v.count) | \(F.grade(v.mean)) | \(F.grade(v.median)) |"), "\(v.verdict)")
        }
        for a in e.aging {
            #expect(text.contains("| \(a.state) | \(a.count) | \(F.days(a.median)) | \(F.days(a.p90)) | \(F.days(a.max)) |"), "\(a.state)")
        }
        for c in e.oldest {
            #expect(text.contains(" | \(c.state) | ") && text.contains(" | \(F.days(c.days)) | "), "oldest \(c.id)")
        }
        #expect(text.contains("## Overdue (\(e.overdueTotal))"))
        for c in e.overdue {
            let label = Markdown.escape(F.caseLabel(id: c.id, ref: c.ref))
            #expect(text.contains("| \(label) | \(c.state) | \(c.due ?? "") | \(Int(c.days)) |"), "overdue \(c.id)")
        }
        for w in e.weeks { #expect(text.contains("| \(w.week) | \(w.opened) | \(w.assessed) |"), "week \(w.week)") }
        #expect(text.contains("Opened: **\(e.flowOpened)**, assessed: **\(e.flowAssessed)**, median days from opened to assessed: **\(F.days(e.medianToAssess))**."))
        #expect(!text.contains("<script>"), "hostile text is escaped in Markdown")
    }

    func checkHTML(_ text: String, _ e: ExpectedStatus) {
        typealias F = ReportFormatting
        let num = { (s: String) in "<td class=\"num\">\(s)</td>" }
        for s in e.states { #expect(text.contains(">\(s.state)</span></td>" + num(String(s.count)) + num(F.percent(s.share))), "\(s.state)") }
        for w in e.workload {
            let name = w.reviewer.map { "<td>\($0)</td>" } ?? "<td><em>(no reviewer)</em></td>"
            #expect(text.contains(name + w.counts.map { num(String($0)) }.joined() + "<td class=\"num\"><strong>\(w.total)</strong></td>"))
        }
        for v in e.verdicts {
            #expect(text.contains("<td>\(v.verdict)</td>" + num(String(v.count)) + num(F.grade(v.mean)) + num(F.grade(v.median))))
        }
        for a in e.aging {
            #expect(text.contains(">\(a.state)</span></td>" + num(String(a.count)) + num(F.days(a.median)) + num(F.days(a.p90)) + num(F.days(a.max))))
        }
        for c in e.oldest { #expect(text.contains(num(F.days(c.days))), "oldest \(c.id)") }
        #expect(text.contains("<h2>Overdue (\(e.overdueTotal))</h2>"))
        for c in e.overdue {
            #expect(text.contains("<td><span class=\"time\">\(c.due ?? "")</span></td><td class=\"num\"><strong>\(Int(c.days))</strong></td>"), "overdue \(c.id)")
        }
        for w in e.weeks { #expect(text.contains("<td>\(w.week)</td>" + num(String(w.opened)) + num(String(w.assessed)))) }
        #expect(text.contains("Opened: \(e.flowOpened); assessed: \(e.flowAssessed); median days from opened to assessed: \(F.days(e.medianToAssess))."))
        #expect(text.contains("<b>\(e.total)</b><span>cases</span>"))
    }

    @Test("the HTML report is well-formed, self-contained, script-free and escapes hostile text")
    func htmlIsSafe() throws {
        let desk = try IziumDesk.shared()
        let result = verity(["report", "status", "--database-url", desk.url, "--format", "html", "--as-of", "2022-09-23T00:00:00Z"])
        #expect(result.status == 0, "\(result.stderr)")
        let html = result.stdout
        try ReportHTMLCheck.wellFormed(html)
        ReportHTMLCheck.selfContained(html)
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;single&#39; | pipe"))
        #expect(html.contains("<svg"), "charts are inline SVG")
        #expect(html.contains("@media print"))
    }

    @Test("--output writes the report to a file")
    func outputFile() throws {
        let desk = try IziumDesk.shared()
        let path = NSTemporaryDirectory() + "verity-report-\(UUID().uuidString).html"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = verity(["report", "status", "--database-url", desk.url, "--format", "html", "--output", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written.hasPrefix("<!DOCTYPE html>"))
    }

    @Test("a report without --as-of equals one as of the same instant rebuilt from the history")
    func nowMatchesHistory() throws {
        let desk = try IziumDesk.shared()
        let now = verity(["report", "status", "--database-url", desk.url, "--format", "json"])
        let object = try #require(try now.json() as? [String: Any])
        let asOf = try #require(object["as_of"] as? String)
        let rebuilt = verity(["report", "status", "--database-url", desk.url, "--format", "json", "--as-of", asOf])
        let other = try #require(try rebuilt.json() as? [String: Any])
        for key in ["total", "duplicates", "states", "workload", "verdicts", "aging", "oldest", "overdue", "overdue_total", "flow", "recent_activity"] {
            #expect(NSDictionary(dictionary: [key: object[key] ?? NSNull()]).isEqual(to: [key: other[key] ?? NSNull()]), "\(key)")
        }
    }

    @Test("bad or future --as-of values are usage errors; an unknown --reviewer is not found")
    func badInstants() throws {
        let desk = try IziumDesk.shared()
        let bad = verity(["report", "status", "--database-url", desk.url, "--as-of", "20 September"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--as-of \"20 September\" is not a date or timestamp"))
        let future = verity(["report", "status", "--database-url", desk.url, "--as-of", "2999-01-01"])
        #expect(future.status == 64)
        #expect(future.stderr.contains("in the future"))
        let unknown = verity(["report", "status", "--database-url", desk.url, "--reviewer", "nobody"])
        #expect(unknown.status == 66)
        #expect(unknown.stderr.contains("no reviewer \"nobody\""))
    }

    @Test("an unknown --tag is not found, like an unknown --reviewer; a known one filters")
    func unknownTag() throws {
        let desk = try IziumDesk.shared()
        let unknown = verity(["report", "status", "--database-url", desk.url, "--tag", "nosuchtag"])
        #expect(unknown.status == 66)
        #expect(unknown.stderr.contains("no case has or had the tag \"nosuchtag\" (--tag)"), "\(unknown.stderr)")
        #expect(verity(["report", "status", "--database-url", desk.url, "--tag", "izium"]).status == 0)
    }
}

/// Checks shared by the status report and the dossier.
enum ReportHTMLCheck {
    static func wellFormed(_ html: String) throws {
        // XML has no DOCTYPE html declaration for the parser to need; drop it, parse the rest.
        let body = html.replacingOccurrences(of: "<!DOCTYPE html>", with: "")
        let parser = XMLParser(data: Data(body.utf8))
        let ok = parser.parse()
        #expect(ok, "HTML is well-formed XML: \(parser.parserError.map { "\($0)" } ?? "") at line \(parser.lineNumber)")
    }

    static func selfContained(_ html: String) {
        #expect(!html.lowercased().contains("<script"), "no script")
        for attribute in ["src=", "href="] {
            for part in html.components(separatedBy: attribute).dropFirst() {
                #expect(!part.prefix(12).lowercased().contains("http"), "\(attribute) points nowhere outside the file")
                #expect(!part.prefix(3).contains("//"), "no protocol-relative \(attribute)")
            }
        }
        #expect(!html.contains("url("), "the style sheet fetches nothing")
        #expect(!html.contains("@import"))
    }
}
