#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// What `report status` covers: the instant it describes and which cases it counts.
public struct StatusReportRequest: Sendable {
    /// The instant the report describes; nil means now. A past instant rebuilds
    /// every figure from the append-only history as it stood then.
    public var asOf: Date?
    /// Only cases this reviewer was assigned to (at `asOf`).
    public var reviewer: String?
    /// Only cases carrying this tag (at `asOf`).
    public var tag: String?
    /// Start of the flow window and of the recent activity; default: the 12 weeks up to `asOf`.
    public var since: Date?
    public var oldestLimit = 10
    public var overdueLimit = 50
    public var activityLimit = 20

    public init(asOf: Date? = nil, reviewer: String? = nil, tag: String? = nil, since: Date? = nil) {
        self.asOf = asOf
        self.reviewer = reviewer
        self.tag = tag
        self.since = since
    }
}

/// An optional that JSON always shows, as null when absent, so that scripts see
/// every documented field.
@propertyWrapper
public struct Nullable<Value: Encodable & Sendable>: Encodable, Sendable {
    public var wrappedValue: Value?
    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

/// The desk at a glance: every figure computed by the database at one instant.
/// JSON field names are documented in docs/reports.md and are stable.
public struct StatusReport: Encodable, Sendable {
    public struct Filters: Encodable, Sendable {
        @Nullable public var reviewer: String?
        @Nullable public var tag: String?
        @Nullable public var since: Date?
    }

    public struct StateCount: Encodable, Sendable {
        public var state: CaseState
        public var count: Int
        /// Fraction of all counted cases, 0 to 1, four decimals.
        public var share: Double
    }

    /// One reviewer's cases by state; `reviewer` is null for cases nobody is assigned to.
    public struct WorkloadRow: Encodable, Sendable {
        @Nullable public var reviewer: String?
        public var claimed: Int
        public var disputed: Int
        public var evidencePending: Int
        public var assessed: Int
        public var total: Int

        public func count(_ state: CaseState) -> Int {
            switch state {
            case .claimed: return claimed
            case .disputed: return disputed
            case .evidencePending: return evidencePending
            case .assessed: return assessed
            }
        }
    }

    public struct VerdictCount: Encodable, Sendable {
        public var verdict: Verdict
        public var count: Int
        @Nullable public var meanConfidence: Double?
        @Nullable public var medianConfidence: Double?
        /// Cases with confidence 1 ... 6 (index 0 is confidence 1).
        public var byConfidence: [Int]
    }

    /// Time spent so far in an open state, in days (two decimals).
    public struct StateAging: Encodable, Sendable {
        public var state: CaseState
        public var count: Int
        @Nullable public var medianDays: Double?
        @Nullable public var p90Days: Double?
        @Nullable public var maxDays: Double?
    }

    public struct AgingCase: Encodable, Sendable {
        public var id: Int
        @Nullable public var ref: String?
        public var claim: String
        public var state: CaseState
        public var stateSince: Date
        public var openedAt: Date
        public var daysInState: Double
        public var reviewers: [String]
    }

    public struct OverdueCase: Encodable, Sendable {
        public var id: Int
        @Nullable public var ref: String?
        public var claim: String
        public var state: CaseState
        public var due: CalendarDate
        public var daysOverdue: Int
        public var reviewers: [String]
    }

    public struct WeekFlow: Encodable, Sendable {
        /// The Monday (UTC) the week starts on.
        public var weekStart: CalendarDate
        public var opened: Int
        public var assessed: Int
    }

    public struct Flow: Encodable, Sendable {
        public var firstWeek: CalendarDate
        public var lastWeek: CalendarDate
        public var weeks: [WeekFlow]
        public var opened: Int
        /// Assessments recorded in the window (a reopened case assessed again counts twice).
        public var assessed: Int
        /// Median days from opening to each assessment recorded in the window.
        @Nullable public var medianDaysToAssess: Double?
    }

    public struct ActivityEntry: Encodable, Sendable {
        public var id: Int
        public var caseId: Int
        @Nullable public var caseRef: String?
        public var at: Date
        @Nullable public var actor: String?
        public var action: String
        @Nullable public var fromState: CaseState?
        @Nullable public var toState: CaseState?
        @Nullable public var reason: String?
        public var details: JSONValue
    }

    /// The instant the figures describe ("now" for aging and overdue).
    public var asOf: Date
    /// When the report was made.
    public var generatedAt: Date
    /// True when `asOf` was given: figures come from the history, not today's rows.
    public var historical: Bool
    public var filters: Filters
    public var total: Int
    /// Duplicates (duplicate-of links) in the scope, counted with their canonical case and not in `total`.
    public var duplicates: Int
    public var states: [StateCount]
    public var workload: [WorkloadRow]
    public var verdicts: [VerdictCount]
    public var aging: [StateAging]
    public var oldest: [AgingCase]
    public var overdueTotal: Int
    public var overdue: [OverdueCase]
    public var flow: Flow
    public var recentActivity: [ActivityEntry]
}

extension Desk {
    /// Builds the status report. Every figure is an aggregate computed by
    /// PostgreSQL; only small, capped result sets reach this process, so memory
    /// does not grow with the number of cases.
    ///
    /// The report only reads: each section is one query that starts from the same
    /// common table expressions (`report_cases`, `report_assignments`, see
    /// `reportScope`), inside one REPEATABLE READ READ ONLY transaction, so all
    /// sections see the same desk and the report runs on a hot standby too.
    public func statusReport(_ request: StatusReportRequest = StatusReportRequest()) throws -> StatusReport {
        try db.transaction(.repeatableRead) { db in
            try db.execute(unsafeSQL: "SET TRANSACTION READ ONLY")
            let now: Date = try db.query("SELECT now() AS now")[0].decode("now")
            if let asOf = request.asOf, asOf > now.addingTimeInterval(60) {
                throw VerityError.usage(
                    "--as-of \(TimestampText.format(asOf)) is in the future; a report describes the desk now or in the past",
                    hint: "leave out --as-of for the desk as it is now")
            }
            let at = request.asOf ?? now
            if let since = request.since, since > at {
                throw VerityError.usage(
                    "--since \(TimestampText.format(since)) is after the report's instant \(TimestampText.format(at))",
                    hint: "give a --since before --as-of (or before now)")
            }
            let scope = reportScope(request, at: at)
            let report = StatusReport(
                asOf: at, generatedAt: now, historical: request.asOf != nil,
                filters: .init(reviewer: request.reviewer, tag: request.tag, since: request.since),
                total: 0, duplicates: try reportDuplicates(db, request, at: at), states: try reportStates(db, scope), workload: try reportWorkload(db, scope),
                verdicts: try reportVerdicts(db, scope), aging: try reportAging(db, scope, at: at),
                oldest: try reportOldest(db, scope, at: at, limit: request.oldestLimit),
                overdueTotal: 0, overdue: [], flow: try reportFlow(db, scope, at: at, since: request.since),
                recentActivity: try reportActivity(db, scope, at: at, since: request.since, limit: request.activityLimit))
            var result = report
            result.total = report.states.reduce(0) { $0 + $1.count }
            let overdue = try reportOverdue(db, scope, at: at, limit: request.overdueLimit)
            result.overdueTotal = overdue.total
            result.overdue = overdue.cases
            return result
        }
    }

    /// The start of every section's query: `WITH report_assignments AS (case_id,
    /// reviewer), report_cases AS (one row per counted case: id, ref, claim, state,
    /// state_since, opened_at, due, verdict, confidence)`, as they are now or as they
    /// stood at `at`. A section adds its own expressions after a comma, or its SELECT.
    ///
    /// Which cases the report counts is decided here and only here: the conditions
    /// of `report_cases` (one row per case, so a case is never counted twice).
    func reportScope(_ request: StatusReportRequest, at: Date, duplicatesOnly: Bool = false) -> Query {
        func counted(_ notDuplicate: Query) -> Query { duplicatesOnly ? "NOT " + notDuplicate : notDuplicate }
        if request.asOf == nil {
            var conditions: [Query] = ["true", counted(Self.notDuplicate("c.id"))]
            if let tag = request.tag.map(Tag.matching) { conditions.append("\(tag) = ANY (c.tags)") }
            if let reviewer = request.reviewer {
                conditions.append("EXISTS (SELECT 1 FROM report_assignments a WHERE a.case_id = c.id AND a.reviewer = \(reviewer))")
            }
            return """
                WITH report_assignments AS (
                    SELECT a.case_id, r.handle AS reviewer
                      FROM case_assignments a JOIN reviewers r ON r.id = a.reviewer_id
                ), report_cases AS (
                    SELECT c.id, c.ref, c.claim, c.state, c.state_changed_at AS state_since, c.created_at AS opened_at,
                           c.due, c.verdict, c.confidence::int AS confidence
                      FROM cases c
                     WHERE \(Query.joined(conditions, separator: " AND "))
                )
                """
        }
        var conditions: [Query] = ["true", counted(Self.notDuplicate("t.case_id", at: at))]
        if let tag = request.tag.map(Tag.matching) { conditions.append("coalesce(f.fields -> 'tags', '[]'::jsonb) ? \(tag)") }
        if let reviewer = request.reviewer {
            conditions.append("EXISTS (SELECT 1 FROM report_assignments a WHERE a.case_id = t.case_id AND a.reviewer = \(reviewer))")
        }
        // Assignments at `at`: the last assign/unassign row of each (case, reviewer).
        // State at `at`: the to_state of the last transition row at or before it
        // (the open row counts: it enters claimed). The verdict is that row's, when
        // it is an assessment. Due date and tags: the open row's, overlaid by the
        // last update row that changed them.
        return """
            WITH report_assignments AS (
                SELECT case_id, reviewer FROM (
                    SELECT DISTINCT ON (h.case_id, h.details ->> 'reviewer')
                           h.case_id, h.details ->> 'reviewer' AS reviewer, h.action
                      FROM case_history h
                     WHERE h.action IN ('assign', 'unassign') AND h.at <= \(at)
                     ORDER BY h.case_id, h.details ->> 'reviewer', h.at DESC, h.id DESC
                ) latest
                 WHERE action = 'assign'
            ), report_last_transition AS (
                SELECT DISTINCT ON (h.case_id) h.case_id, h.to_state AS state, h.at AS state_since, h.details
                  FROM case_history h
                 WHERE h.to_state IS NOT NULL AND h.at <= \(at)
                 ORDER BY h.case_id, h.at DESC, h.id DESC
            ), report_opened AS (
                SELECT h.case_id, min(h.at) AS opened_at
                  FROM case_history h
                 WHERE h.action = 'open' AND h.at <= \(at)
                 GROUP BY h.case_id
            ), report_field_values AS (
                SELECT DISTINCT ON (h.case_id, e.key) h.case_id, e.key,
                       CASE WHEN h.action = 'open' THEN e.value ELSE e.value -> 'to' END AS value
                  FROM case_history h CROSS JOIN LATERAL jsonb_each(h.details) e
                 WHERE h.action IN ('open', 'update') AND h.at <= \(at) AND e.key IN ('due', 'tags')
                 ORDER BY h.case_id, e.key, h.at DESC, h.id DESC
            ), report_fields AS (
                SELECT case_id, jsonb_object_agg(key, value) AS fields FROM report_field_values GROUP BY case_id
            ), report_cases AS MATERIALIZED (
                SELECT t.case_id AS id, c.ref, c.claim, t.state, t.state_since, o.opened_at,
                       (f.fields ->> 'due')::date AS due,
                       CASE WHEN t.state = 'assessed' THEN t.details ->> 'verdict' END AS verdict,
                       CASE WHEN t.state = 'assessed' THEN (t.details ->> 'confidence')::int END AS confidence
                  FROM report_last_transition t
                  JOIN report_opened o ON o.case_id = t.case_id
                  JOIN cases c ON c.id = t.case_id
                  LEFT JOIN report_fields f ON f.case_id = t.case_id
                 WHERE \(Query.joined(conditions, separator: " AND "))
            )
            """
    }

    /// How many duplicates the scope folds into their canonical cases, so that a total of 12
    /// in a desk of 13 says why.
    private func reportDuplicates(_ db: Connection, _ request: StatusReportRequest, at: Date) throws -> Int {
        try db.query(reportScope(request, at: at, duplicatesOnly: true) + "\nSELECT count(*)::int AS n FROM report_cases")[0]
            .decode("n")
    }

    private func reportStates(_ db: Connection, _ scope: Query) throws -> [StatusReport.StateCount] {
        try db.query(
            scope + """

            SELECT s.state, count(rc.id) AS count,
                   coalesce(round(count(rc.id)::numeric / nullif(sum(count(rc.id)) OVER (), 0), 4), 0)::float8 AS share
              FROM case_states s LEFT JOIN report_cases rc ON rc.state = s.state
             GROUP BY s.state, s.position
             ORDER BY s.position
            """
        ).rows.map { row in
            .init(state: try Self.state(row, "state"), count: try row.decode("count"), share: try row.decode("share"))
        }
    }

    private func reportWorkload(_ db: Connection, _ scope: Query) throws -> [StatusReport.WorkloadRow] {
        try db.query(
            scope + """

            SELECT a.reviewer,
                   count(*) FILTER (WHERE rc.state = 'claimed') AS claimed,
                   count(*) FILTER (WHERE rc.state = 'disputed') AS disputed,
                   count(*) FILTER (WHERE rc.state = 'evidence-pending') AS evidence_pending,
                   count(*) FILTER (WHERE rc.state = 'assessed') AS assessed,
                   count(*) AS total
              FROM report_cases rc LEFT JOIN report_assignments a ON a.case_id = rc.id
             GROUP BY a.reviewer
             ORDER BY a.reviewer NULLS LAST
            """
        ).rows.map { row in
            .init(
                reviewer: try row.decode("reviewer"), claimed: try row.decode("claimed"),
                disputed: try row.decode("disputed"), evidencePending: try row.decode("evidence_pending"),
                assessed: try row.decode("assessed"), total: try row.decode("total"))
        }
    }

    private func reportVerdicts(_ db: Connection, _ scope: Query) throws -> [StatusReport.VerdictCount] {
        let scale = Query.joined(
            Verdict.allCases.enumerated().map { index, verdict in "(\(verdict.rawValue), \(index))" }, separator: ", ")
        return try db.query(
            scope + """

            SELECT v.verdict, count(rc.id) AS count,
                   round(avg(rc.confidence), 2)::float8 AS mean_confidence,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY rc.confidence) AS median_confidence,
                   ARRAY[count(*) FILTER (WHERE rc.confidence = 1), count(*) FILTER (WHERE rc.confidence = 2),
                         count(*) FILTER (WHERE rc.confidence = 3), count(*) FILTER (WHERE rc.confidence = 4),
                         count(*) FILTER (WHERE rc.confidence = 5), count(*) FILTER (WHERE rc.confidence = 6)
                   ]::text[] AS by_confidence
              FROM (VALUES \(scale)) AS v (verdict, position)
              LEFT JOIN report_cases rc ON rc.verdict = v.verdict AND rc.state = 'assessed'
             GROUP BY v.verdict, v.position
             ORDER BY v.position
            """
        ).rows.map { row in
            .init(
                verdict: Verdict(rawValue: try row.decode("verdict")) ?? .unverifiable, count: try row.decode("count"),
                meanConfidence: try row.decode("mean_confidence"), medianConfidence: try row.decode("median_confidence"),
                byConfidence: try row.decode("by_confidence", as: [String].self).map { Int($0) ?? 0 })
        }
    }

    private func reportAging(_ db: Connection, _ scope: Query, at: Date) throws -> [StatusReport.StateAging] {
        try db.query(
            scope + """

            , ages AS (
                SELECT rc.state, extract(epoch FROM \(at)::timestamptz - rc.state_since) / 86400 AS days
                  FROM report_cases rc
            )
            SELECT s.state, count(a.days) AS count,
                   round((percentile_cont(0.5) WITHIN GROUP (ORDER BY a.days))::numeric, 2)::float8 AS median_days,
                   round((percentile_cont(0.9) WITHIN GROUP (ORDER BY a.days))::numeric, 2)::float8 AS p90_days,
                   round(max(a.days)::numeric, 2)::float8 AS max_days
              FROM case_states s LEFT JOIN ages a ON a.state = s.state
             WHERE s.is_open
             GROUP BY s.state, s.position
             ORDER BY s.position
            """
        ).rows.map { row in
            .init(
                state: try Self.state(row, "state"), count: try row.decode("count"),
                medianDays: try row.decode("median_days"), p90Days: try row.decode("p90_days"),
                maxDays: try row.decode("max_days"))
        }
    }

    private static let reportReviewers: Query = """
        coalesce((SELECT array_agg(a.reviewer ORDER BY a.reviewer) FROM report_assignments a
                   WHERE a.case_id = rc.id), '{}') AS reviewers
        """

    private func reportOldest(_ db: Connection, _ scope: Query, at: Date, limit: Int) throws -> [StatusReport.AgingCase] {
        try db.query(
            scope + """

            SELECT rc.id, rc.ref, rc.claim, rc.state, rc.state_since, rc.opened_at,
                   round((extract(epoch FROM \(at)::timestamptz - rc.state_since) / 86400)::numeric, 2)::float8 AS days_in_state,
            """ + Self.reportReviewers + """

              FROM report_cases rc
             WHERE rc.state IN (SELECT state FROM case_states WHERE is_open)
             ORDER BY rc.state_since, rc.id
             LIMIT \(limit)
            """
        ).rows.map { row in
            .init(
                id: try row.decode("id"), ref: try row.decode("ref"), claim: try row.decode("claim"),
                state: try Self.state(row, "state"), stateSince: try row.decode("state_since"),
                openedAt: try row.decode("opened_at"), daysInState: try row.decode("days_in_state"),
                reviewers: try row.decode("reviewers"))
        }
    }

    private func reportOverdue(_ db: Connection, _ scope: Query, at: Date, limit: Int) throws -> (total: Int, cases: [StatusReport.OverdueCase]) {
        let today: Query = "(\(at)::timestamptz AT TIME ZONE 'UTC')::date"
        let total: Int = try db.query(
            scope + " SELECT count(*) AS n FROM report_cases rc WHERE rc.state <> 'assessed' AND rc.due < \(today)"
        )[0].decode("n")
        let cases = try db.query(
            scope + """

            SELECT rc.id, rc.ref, rc.claim, rc.state, rc.due, \(today) - rc.due AS days_overdue,
            """ + Self.reportReviewers + """

              FROM report_cases rc
             WHERE rc.state <> 'assessed' AND rc.due < \(today)
             ORDER BY rc.due, rc.id
             LIMIT \(limit)
            """
        ).rows.map { row in
            StatusReport.OverdueCase(
                id: try row.decode("id"), ref: try row.decode("ref"), claim: try row.decode("claim"),
                state: try Self.state(row, "state"), due: try row.decode("due"),
                daysOverdue: try row.decode("days_overdue"), reviewers: try row.decode("reviewers"))
        }
        return (total, cases)
    }

    private func reportFlow(_ db: Connection, _ scope: Query, at: Date, since: Date?) throws -> StatusReport.Flow {
        // Weeks are ISO weeks (Monday) in UTC, the session's time zone.
        let bounds: Query = scope + """

            , bounds AS (
                SELECT date_trunc('week', coalesce(\(since), \(at)::timestamptz - interval '11 weeks')) AS first_week,
                       date_trunc('week', \(at)::timestamptz) AS last_week
            ), events AS (
                SELECT date_trunc('week', h.at) AS week, h.action, h.at, rc.opened_at
                  FROM case_history h JOIN report_cases rc ON rc.id = h.case_id
                 WHERE h.action IN ('open', 'assess') AND h.at <= \(at)
                   AND h.at >= (SELECT first_week FROM bounds)
            )
            """
        let weeks = try db.query(
            bounds + """

            SELECT w.week::date AS week_start,
                   count(e.action) FILTER (WHERE e.action = 'open') AS opened,
                   count(e.action) FILTER (WHERE e.action = 'assess') AS assessed
              FROM bounds b
             CROSS JOIN LATERAL generate_series(b.first_week, b.last_week, interval '1 week') AS w (week)
              LEFT JOIN events e ON e.week = w.week
             GROUP BY w.week
             ORDER BY w.week
            """
        ).rows.map { row in
            StatusReport.WeekFlow(
                weekStart: try row.decode("week_start"), opened: try row.decode("opened"), assessed: try row.decode("assessed"))
        }
        let summary = try db.query(
            bounds + """

            SELECT (SELECT first_week::date FROM bounds) AS first_week, (SELECT last_week::date FROM bounds) AS last_week,
                   count(*) FILTER (WHERE action = 'open') AS opened,
                   count(*) FILTER (WHERE action = 'assess') AS assessed,
                   round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM at - opened_at) / 86400)
                          FILTER (WHERE action = 'assess'))::numeric, 2)::float8 AS median_days_to_assess
              FROM events
            """)[0]
        return StatusReport.Flow(
            firstWeek: try summary.decode("first_week"), lastWeek: try summary.decode("last_week"), weeks: weeks,
            opened: try summary.decode("opened"), assessed: try summary.decode("assessed"),
            medianDaysToAssess: try summary.decode("median_days_to_assess"))
    }

    private func reportActivity(_ db: Connection, _ scope: Query, at: Date, since: Date?, limit: Int) throws -> [StatusReport.ActivityEntry] {
        try db.query(
            scope + """

            SELECT h.id, h.case_id, rc.ref, h.at, r.handle AS actor, h.action, h.from_state, h.to_state, h.reason,
                   h.details::text AS details
              FROM case_history h
              JOIN report_cases rc ON rc.id = h.case_id
              LEFT JOIN reviewers r ON r.id = h.actor_id
             WHERE h.at <= \(at) AND (\(since)::timestamptz IS NULL OR h.at >= \(since))
             ORDER BY h.at DESC, h.id DESC
             LIMIT \(limit)
            """
        ).rows.map { row in
            .init(
                id: try row.decode("id"), caseId: try row.decode("case_id"), caseRef: try row.decode("ref"),
                at: try row.decode("at"), actor: try row.decode("actor"), action: try row.decode("action"),
                fromState: try row.decode("from_state", as: String?.self).flatMap(CaseState.init(rawValue:)),
                toState: try row.decode("to_state", as: String?.self).flatMap(CaseState.init(rawValue:)),
                reason: try row.decode("reason"), details: JSONValue(parsing: try row.decode("details")))
        }
    }

    private static func state(_ row: Row, _ column: String) throws -> CaseState {
        let text: String = try row.decode(column)
        guard let state = CaseState(rawValue: text) else {
            throw PostgresError(kind: .decoding, message: "unknown case state \"\(text)\" in column \(column)")
        }
        return state
    }
}
