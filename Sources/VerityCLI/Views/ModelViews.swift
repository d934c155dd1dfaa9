#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient
import VerityCore

/// How each record prints as a table row, CSV row or JSON. One place per record.
enum ModelViews {
    static func date(_ value: CalendarDate?) -> String { value?.description ?? "" }

    /// Prints records as a JSON array, CSV with a header, or an aligned table
    /// (`empty` when there are none): the one way every list command prints.
    static func printList<Item: Encodable>(
        _ items: [Item], format: OutputFormat, header: [String], row: (Item) -> [String], empty: String
    ) {
        let console = Console.current
        switch format {
        case .json: console.print(JSONOutput.encode(items))
        case .csv: console.print(CSVOutput.render(header: header, rows: items.map(row)))
        case .table: console.print(items.isEmpty ? empty : TableOutput.render(header: header, rows: items.map(row)))
        }
    }
    /// A time in a table or CSV row, to the second ("2022-09-16T10:00:00Z"); JSON keeps every digit.
    static func time(_ value: Date?) -> String {
        guard let value else { return "" }
        let full = TimestampText.format(value)
        guard let dot = full.firstIndex(of: ".") else { return full }
        return String(full[..<dot]) + "Z"
    }

    // MARK: cases

    static let caseHeader = ["id", "ref", "state", "priority", "due", "claimant", "claim", "reviewers", "verdict"]

    static func caseRow(_ c: CaseSummary) -> [String] {
        [String(c.id), c.ref ?? "", c.state.rawValue + (c.canonicalCaseID.map { " (dup of \($0))" } ?? "")
            + (c.restricted ? " (restricted)" : "") + (c.awaitingSignOff ? " (awaiting sign-off)" : ""), c.priority.rawValue, date(c.due) + (c.overdue ? " (overdue)" : ""),
         c.claimant, c.claim, c.reviewers.joined(separator: " "), c.verdict.map { "\($0.rawValue) (\(c.confidence ?? 0))" } ?? ""]
    }

    static let caseCSVHeader = [
        "id", "ref", "claim", "claimant", "claimed_at", "location", "tags", "priority", "due", "state", "verdict",
        "confidence", "reviewers", "created_at", "updated_at",
    ]

    static func caseCSVRow(_ c: CaseSummary) -> [String] {
        [String(c.id), c.ref ?? "", c.claim, c.claimant, date(c.claimedAt), c.location ?? "", c.tags.joined(separator: ";"),
         c.priority.rawValue, date(c.due), c.state.rawValue, c.verdict?.rawValue ?? "", c.confidence.map(String.init) ?? "",
         c.reviewers.joined(separator: ";"), time(c.createdAt), time(c.updatedAt)]
    }

    static func printCases(_ cases: [CaseSummary], format: OutputFormat) {
        let console = Console.current
        switch format {
        case .json: console.print(JSONOutput.encode(cases))
        case .csv: console.print(CSVOutput.render(header: caseCSVHeader, rows: cases.map(caseCSVRow)))
        case .table:
            if cases.isEmpty {
                console.print("No cases match.")
            } else {
                console.print(TableOutput.render(header: caseHeader, rows: cases.map(caseRow)))
                console.print("\(cases.count) case\(cases.count == 1 ? "" : "s")")
            }
        }
    }

    /// A changed case: a sentence for people, the whole object for programs.
    static func printCase(_ c: CaseSummary, format: OutputFormat, sentence: String) {
        switch format {
        case .json: Console.current.print(JSONOutput.encode(c))
        case .csv: Console.current.print(CSVOutput.render(header: caseCSVHeader, rows: [caseCSVRow(c)]))
        case .table:
            Console.current.print(sentence)
            if let canonical = c.duplicateOf, c.canonicalCaseID == nil {
                // A change to a duplicate changes its own state; everywhere else it is shown with its canonical case's.
                Console.current.print(
                    "It is a duplicate of case \(canonical): `case show`, lists and reports show the canonical case's state and verdict.")
            }
            printCaseFields(c)
        }
    }

    static func printCaseFields(_ c: CaseSummary) {
        let console = Console.current
        var fields: [(String, String)] = [
            ("case", c.label), ("state", styledState(c.state)), ("claim", c.claim), ("claimant", c.claimant),
        ]
        if let at = c.claimedAt { fields.append(("claimed at", at.description)) }
        if let location = c.location { fields.append(("location", location)) }
        if let place = c.coordinates { fields.append(("coordinates", place)) }
        if !c.tags.isEmpty { fields.append(("tags", c.tags.joined(separator: ", "))) }
        fields.append(("priority", c.priority.rawValue))
        if c.restricted { fields.append(("restricted", "yes: assigned reviewers, editors and admins only")) }
        if let due = c.due { fields.append(("due", due.description + (c.overdue ? " (overdue)" : ""))) }
        fields.append(("reviewers", c.reviewers.isEmpty ? "none" : c.reviewers.map { $0 == c.lead ? "\($0) (lead)" : $0 }.joined(separator: ", ")))
        if let verdict = c.verdict {
            fields.append(("verdict", "\(verdict.rawValue), confidence \(c.confidence.map { "\($0)/6 (\(Confidence.wording($0)))" } ?? "?"), by \(c.assessedBy ?? "?") at \(time(c.assessedAt))"))
            fields.append(("rationale", c.rationale ?? ""))
        }
        for (name, value) in fields {
            console.print(TableOutput.field(name, value))
        }
    }

    static func styledState(_ state: CaseState) -> String {
        guard Console.current.usesColour else { return state.rawValue }
        let colour: String
        switch state {
        case .claimed: colour = "33"
        case .disputed: colour = "31"
        case .evidencePending: colour = "36"
        case .assessed: colour = "32"
        }
        return "\u{1B}[\(colour)m\(state.rawValue)\u{1B}[0m"
    }

    // MARK: reviewers

    static func printReviewers(_ reviewers: [Reviewer], format: OutputFormat) {
        printList(
            reviewers, format: format, header: ["handle", "name", "email", "role", "active"],
            row: { [$0.handle, $0.name, $0.email ?? "", $0.role.rawValue, $0.active ? "yes" : "no"] },
            empty: "No reviewers yet.")
    }

    // MARK: sources

    static let sourceHeader = ["id", "ref", "kind", "reliability", "publisher", "published", "title", "url", "sha256", "cases"]

    static func sourceRow(_ s: Source) -> [String] {
        [String(s.id), s.ref ?? "", s.kind.rawValue, s.reliability.rawValue, s.publisher, date(s.publishedAt), s.title,
         s.url, s.fileSha256 ?? "", s.cases.map(String.init).joined(separator: " ")]
    }

    /// A source's role for a case: "appearance", or "appearance (inferred)" when nobody said it.
    static func role(_ s: Source) -> String {
        guard let role = s.role else { return "" }
        return role.rawValue + (s.roleInferred == true ? " (inferred)" : "")
    }

    static func printSources(_ sources: [Source], format: OutputFormat) {
        printList(sources, format: format, header: sourceHeader, row: sourceRow, empty: "No sources yet.")
    }

    static func printSource(_ s: Source, format: OutputFormat, sentence: String? = nil) {
        switch format {
        case .json: Console.current.print(JSONOutput.encode(s))
        case .csv: Console.current.print(CSVOutput.render(header: sourceHeader, rows: [sourceRow(s)]))
        case .table:
            if let sentence { Console.current.print(sentence) }
            var fields: [(String, String)] = [
                ("source", String(s.id) + (s.ref.map { " (\($0))" } ?? "")), ("title", s.title), ("publisher", s.publisher),
                ("url", s.url), ("kind", s.kind.rawValue), ("reliability", "\(s.reliability.rawValue) (\(s.reliability.meaning))"),
            ]
            if let author = s.author { fields.append(("author", author)) }
            if let published = s.publishedAt { fields.append(("published", published.description)) }
            if let file = s.fileName {
                fields.append(("file", "\(file), \(s.fileSize ?? 0) bytes"))
                fields.append(("sha256", s.fileSha256 ?? ""))
            }
            if let archive = s.archiveURL { fields.append(("archive", archive)) }
            fields.append(("cases", s.cases.isEmpty ? "none" : s.cases.map(String.init).joined(separator: ", ")))
            for (name, value) in fields {
                Console.current.print(TableOutput.field(name, value, labelWidth: 12))
            }
        }
    }

    // MARK: evidence

    static let evidenceHeader = ["id", "case", "stance", "grade", "source", "author", "note", "retracted"]

    static func evidenceRow(_ e: EvidenceNote) -> [String] {
        [String(e.id), String(e.caseID), e.stance.rawValue, e.grade, e.sourceID.map(String.init) ?? "", e.author, e.note,
         e.retractedAt.map { "yes (\(e.retractionReason ?? ""), \(time($0)))" } ?? ""]
    }

    static func printEvidence(_ notes: [EvidenceNote], format: OutputFormat) {
        printList(notes, format: format, header: evidenceHeader, row: evidenceRow, empty: "No evidence notes yet.")
    }

    // MARK: history

    static let historyHeader = ["at", "actor", "action", "from", "to", "reason", "details"]

    static func historyRow(_ h: HistoryEntry) -> [String] {
        [time(h.at), h.actor ?? "", h.action, h.fromState?.rawValue ?? "", h.toState?.rawValue ?? "", h.reason ?? "",
         h.details.summary]
    }

    static func printHistory(_ entries: [HistoryEntry], format: OutputFormat) {
        printList(entries, format: format, header: historyHeader, row: historyRow, empty: "No history.")
    }

    // MARK: records of sources and reviewers

    static let recordHeader = ["seq", "at", "actor", "db user", "action", "changes"]

    static func recordRow(_ r: RecordChange) -> [String] {
        [String(r.seq), time(r.at), r.actor ?? "", r.dbUser, r.action, r.changes.summary]
    }

    static func printRecord(_ changes: [RecordChange], format: OutputFormat) {
        printList(changes, format: format, header: recordHeader, row: recordRow, empty: "No recorded changes.")
    }
}
