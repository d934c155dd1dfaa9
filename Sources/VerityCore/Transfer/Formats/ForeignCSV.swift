#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The CSV export of another tool (Atlos, Meedan Check), read as Verity's own import
/// records: each row becomes `case`, `source` and `evidence` records and the step that
/// reaches its state, which `RecordValidator` checks and the import engine applies. So the
/// rules, the all-or-nothing transaction, the dry run and idempotency are the engine's,
/// the same as for JSON Lines. docs/import-export.md documents each mapping.
protocol ForeignCSVMapping {
    /// The export's header and its required columns.
    var table: ForeignTable { get set }
    /// One data row, read by column name, as Verity records, or the problems it has (named by
    /// the tool's column).
    mutating func map(_ cell: ForeignCells, line: Int, validator: RecordValidator) -> (rows: [StagedRow], issues: [ImportIssue])
    /// The problem of a file without a header row.
    var missingHeader: String { get }
}

extension ForeignCSVMapping {
    /// Checks the header row (the file's first record); returns its problems.
    mutating func readHeader(_ header: [String], line: Int) -> [ImportIssue] { table.readHeader(header, line: line) }

    /// One data row as Verity records; nothing for any row of a file whose header was refused.
    mutating func stage(_ record: [String], line: Int, validator: RecordValidator) -> (rows: [StagedRow], issues: [ImportIssue]) {
        if table.refused { return ([], []) }
        switch table.cells(record, line: line) {
        case .success(let cells): return map(cells, line: line, validator: validator)
        case .failure(let issue): return ([], [issue])
        }
    }
}

extension ImportFormat {
    /// The mapping of a format that is another tool's CSV export, or nil.
    var foreignCSV: (any ForeignCSVMapping)? {
        switch self {
        case .atlosCSV: return AtlosCSV()
        case .checkCSV: return CheckCSV()
        default: return nil
        }
    }
}

/// What one row of a foreign export becomes, record by record, before validation.
struct ForeignRow {
    let line: Int
    /// The Verity field of each record and the tool's column it came from, for messages
    /// (`FILE:LINE: description: is required`, not `claim`).
    var columnOf: [String: String] = [:]
    var caseRecord: [(String, JSONField)] = [("type", .string("case"))]
    var sources: [(url: String, column: String, kind: String)] = []
    var notes: [String] = []
    var state = "claimed"
    var stateReason: String?
    var issues: [ImportIssue] = []
    /// The column of a required case field that a row may leave empty (no record field then).
    var columnOfMissing: [String: String] = [:]

    init(line: Int) { self.line = line }

    mutating func set(_ field: String, _ value: JSONField, from column: String) {
        caseRecord.append((field, value))
        columnOf[field] = column
    }

    mutating func problem(_ column: String, _ text: String) {
        issues.append(ImportIssue(line: line, field: column, problem: text))
    }

    /// The case, its sources and links, its notes and its state, validated as import records.
    /// `knownSources`: the source refs of earlier rows, which later rows only link.
    func stage(validator: RecordValidator, knownSources: inout Set<String>) -> (rows: [StagedRow], issues: [ImportIssue]) {
        var issues = self.issues
        var rows: [StagedRow] = []
        func rename(_ found: [ImportIssue], _ map: [String: String]) -> [ImportIssue] {
            found.map { ImportIssue(line: $0.line, field: map[$0.field] ?? $0.field, problem: $0.problem, isRule: $0.isRule) }
        }
        let (caseRows, caseIssues) = validator.stage(.object(caseRecord), line: line)
        // (a column the mapping already found wanting is not reported again under its Verity name)
        let named = Set(issues.map(\.field))
        issues += rename(caseIssues, columnOf).filter { !named.contains($0.field) && !named.contains(columnOfMissing[$0.field] ?? "") }
        guard var caseRow = caseRows.first, let ref = caseRow[.ref] else { return ([], issues) }
        // The tool has no claimant, location, priority or due: an existing case keeps the desk's.
        caseRow[.partial] = "t"
        rows += [caseRow] + caseRows.dropFirst()
        var linked: Set<String> = []
        for source in sources {
            let sourceRef = Self.sourceRef(source.url)
            guard linked.insert(sourceRef).inserted else { continue }
            if knownSources.contains(sourceRef) {
                var link = StagedRow(line: line, kind: "link")
                link[.sourceRef] = sourceRef
                link[.caseRef] = ref
                link[.byHandle] = caseRow[.byHandle]
                rows.append(link)
                continue
            }
            let host = URLComponents(string: source.url)?.host ?? "unknown"
            let record: JSONField = .object([
                ("type", .string("source")), ("ref", .string(sourceRef)), ("url", .string(source.url)),
                ("title", .string(String(source.url.prefix(FieldLimit.limit("sources", "title").limit)))),
                ("publisher", .string(host)), ("kind", .string(source.kind)), ("cases", .array([.string(ref)])),
            ])
            let (sourceRows, sourceIssues) = validator.stage(record, line: line)
            issues += rename(sourceIssues, ["url": source.column, "title": source.column, "publisher": source.column])
            if sourceIssues.isEmpty { knownSources.insert(sourceRef) }
            rows += sourceRows
        }
        for note in notes {
            let record: JSONField = .object([
                ("type", .string("evidence")), ("case", .string(ref)), ("stance", .string("context")),
                ("credibility", .number("6")), ("note", .string(note)),
            ])
            let (noteRows, noteIssues) = validator.stage(record, line: line)
            issues += noteIssues
            rows += noteRows
        }
        if state != "claimed" {
            var step = StagedRow(line: line, kind: "transition")
            step[.caseRef] = ref
            step[.byHandle] = caseRow[.byHandle]
            step[.toState] = state
            step[.reason] = stateReason
            step[.ensureState] = "t"
            rows.append(step)
        }
        return issues.isEmpty ? (rows, []) : ([], issues)
    }

    /// A source's reference from its address alone, so that the same address in two rows,
    /// two files or two tools' exports is one source.
    static func sourceRef(_ url: String) -> String {
        "url-" + SHA256Digest.hex(of: url).prefix(16)
    }

    /// The kind of source an address is, from its host.
    static func sourceKind(_ url: String) -> String {
        guard var host = URLComponents(string: url)?.host?.lowercased() else { return "other" }
        if host.hasPrefix("www.") { host = String(host.dropFirst(4)) }
        if ["youtube.com", "youtu.be", "m.youtube.com", "vimeo.com", "rumble.com"].contains(host) { return "video" }
        let social = ["twitter.com", "x.com", "t.me", "facebook.com", "m.facebook.com", "instagram.com", "tiktok.com",
                      "vk.com", "ok.ru", "reddit.com", "threads.net", "bsky.app", "mastodon.social", "truthsocial.com"]
        return social.contains(host) ? "social-post" : "other"
    }

    /// Splits a list the tool joined with ", " (tags, assignments); empty items are dropped.
    static func list(_ text: String) -> [String] {
        text.components(separatedBy: ",").map { $0.trimmed }.filter { !$0.isEmpty }
    }
}

/// Header checks shared by the foreign formats.
// A row's problem is what reading it can fail with.
extension ImportIssue: Error {}

/// One data row's cells by their column's name, each with the tool's formula guard taken off.
struct ForeignCells {
    private var values: [String: String] = [:]

    /// The row's cells, or the problem of a row whose field count is not the header's.
    static func read(_ record: [String], header: [String], line: Int) -> Result<ForeignCells, ImportIssue> {
        guard record.count == header.count else {
            return .failure(ImportIssue(
                line: line, field: "record", problem: "has \(record.count) fields but the header has \(header.count)"))
        }
        var cells = ForeignCells()
        for (name, cell) in zip(header, record) { cells.values[name] = SpreadsheetFormulas.restored(cell) }
        return .success(cells)
    }

    /// The cell of column `name`, trimmed; nil when the column is missing or the cell empty.
    func callAsFunction(_ name: String) -> String? {
        guard let value = values[name]?.trimmed, !value.isEmpty else { return nil }
        return value
    }
}

/// A foreign export's header row, and its data rows read by column name against it.
struct ForeignTable {
    let required: [String]
    /// How problems name the file's kind ("an Atlos export").
    let format: String
    private(set) var header: [String] = []
    /// A header with problems is reported once, not again by every row.
    private(set) var refused = false

    init(required: [String], format: String) {
        self.required = required
        self.format = format
    }

    /// Takes the header row; its problems: a column named twice, a required column missing.
    mutating func readHeader(_ row: [String], line: Int) -> [ImportIssue] {
        header = row.map { $0.trimmed }
        var issues: [ImportIssue] = []
        var seen: Set<String> = []
        for name in header where !seen.insert(name).inserted {
            issues.append(ImportIssue(line: line, field: "header", problem: "the column \"\(Importer.visible(String(name.prefix(40))))\" is named twice"))
        }
        for name in required where !header.contains(name) {
            issues.append(ImportIssue(
                line: line, field: "header",
                problem: "the column \"\(name)\" is required in \(format); is this file that tool's export? (see docs/import-export.md)"))
        }
        refused = !issues.isEmpty
        return issues
    }

    /// A data row's cells, or the problem of a row whose field count is not the header's.
    func cells(_ record: [String], line: Int) -> Result<ForeignCells, ImportIssue> {
        ForeignCells.read(record, header: header, line: line)
    }
}
