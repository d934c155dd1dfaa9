#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// One problem with an import: `FILE:LINE: field: problem`.
public struct ImportIssue: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var field: String
    public var problem: String
    /// Refused by a workflow rule of the database (exit 65) rather than malformed input (exit 64).
    public var isRule: Bool

    public init(line: Int, field: String, problem: String, isRule: Bool = false) {
        self.line = line
        self.field = field
        self.problem = problem
        self.isRule = isRule
    }

    public var description: String { "\(line): \(field): \(problem)" }
}

/// The columns of the staging table `verity_import_rows` (sql/definitions/70_import.sql),
/// in the order a staged row lists them.
enum StagingColumn: Int, CaseIterable {
    case line, kind, ref, handle, caseRef, sourceRef, byHandle, at, reason
    case name, email, role, active
    case claim, claimant, claimedAt, location, tags, priority, due
    case url, title, publisher, author, publishedAt, sourceKind, reliability, fileName, fileSha256, fileSize, archiveURL
    case stance, credibility, note, retractedAt, retractedBy, retractionReason
    case lead, toState, verdict, confidence, rationale, ensureState
    case restricted, restrictionReason
    case claimantType, linkRole
    case latitude, longitude, partial

    var sqlName: String {
        switch self {
        case .caseRef: return "case_ref"
        case .sourceRef: return "source_ref"
        case .byHandle: return "by_handle"
        case .claimedAt: return "claimed_at"
        case .publishedAt: return "published_at"
        case .sourceKind: return "source_kind"
        case .fileName: return "file_name"
        case .fileSha256: return "file_sha256"
        case .fileSize: return "file_size"
        case .archiveURL: return "archive_url"
        case .retractedAt: return "retracted_at"
        case .retractedBy: return "retracted_by"
        case .retractionReason: return "retraction_reason"
        case .toState: return "to_state"
        case .ensureState: return "ensure_state"
        case .restrictionReason: return "restriction_reason"
        case .claimantType: return "claimant_type"
        case .linkRole: return "link_role"
        default: return String(describing: self)
        }
    }

    static let copyStatement = "COPY verity_import_rows ("
        + allCases.map(\.sqlName).joined(separator: ", ") + ") FROM STDIN"
}

/// A row for the staging table, built field by field.
struct StagedRow {
    var values: [String?] = Array(repeating: nil, count: StagingColumn.allCases.count)

    init(line: Int, kind: String) {
        values[StagingColumn.line.rawValue] = String(line)
        values[StagingColumn.kind.rawValue] = kind
        values[StagingColumn.ensureState.rawValue] = "f"
        values[StagingColumn.partial.rawValue] = "f"
    }

    subscript(column: StagingColumn) -> String? {
        get { values[column.rawValue] }
        set { values[column.rawValue] = newValue }
    }
}

/// Turns one parsed record into staged rows, or into the problems it has.
/// Every check that needs no database happens here, with the field's name.
struct RecordValidator {
    /// The acting reviewer for records without `by` (`--as`).
    let defaultActor: String?
    /// Latest instant a record may carry (`at` is never in the future).
    let latest: Date

    static let types = ["reviewer", "case", "source", "evidence", "assignment", "transition", "assessment"]
    /// The patterns of the CHECK constraints in sql/migrations/001_baseline.sql, tested byte by byte
    /// (a regular expression per field would cost more than parsing the line).
    enum Pattern {
        case ref, handle, email, url

        func matches(_ value: String) -> Bool {
            let bytes = Array(value.utf8)
            func isAlnum(_ b: UInt8) -> Bool { (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) }
            func isSpace(_ b: UInt8) -> Bool { b == 32 || (9...13).contains(b) }
            switch self {
            case .ref:  // ^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$
                guard let first = bytes.first, isAlnum(first), bytes.count <= 64 else { return false }
                return bytes.dropFirst().allSatisfy { isAlnum($0) || $0 == 46 || $0 == 95 || $0 == 58 || $0 == 47 || $0 == 45 }
            case .handle:  // ^[a-z0-9._-]{1,64}$
                return (1...64).contains(bytes.count)
                    && bytes.allSatisfy { (48...57).contains($0) || (97...122).contains($0) || $0 == 46 || $0 == 95 || $0 == 45 }
            case .email:  // ^[^@\s]+@[^@\s]+$
                guard let at = bytes.firstIndex(of: 64), at > 0, at < bytes.count - 1 else { return false }
                return !bytes[(at + 1)...].contains(64) && !value.unicodeScalars.contains { $0.properties.isWhitespace }
            case .url:  // ^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$
                guard let first = bytes.first, (65...90).contains(first) || (97...122).contains(first),
                    let colon = bytes.firstIndex(of: 58), colon < bytes.count - 1
                else { return false }
                return bytes[1..<colon].allSatisfy { isAlnum($0) || $0 == 43 || $0 == 46 || $0 == 45 }
                    && !value.unicodeScalars.contains { $0.properties.isWhitespace }
            }
        }
    }

    static let allowedFields: [String: Set<String>] = [
        "reviewer": ["handle", "name", "email", "role", "active"],
        "case": ["ref", "claim", "claimant", "claimed_at", "location", "tags", "priority", "due", "restricted",
                 "restriction_reason", "claimant_type", "latitude", "longitude"],
        "source": ["ref", "url", "title", "publisher", "author", "published_at", "kind", "reliability", "file_name",
                   "file_sha256", "file_size", "archive_url", "cases"],
        "evidence": ["case", "source", "stance", "credibility", "note", "retracted_at", "retracted_by",
                     "retraction_reason"],
        "assignment": ["case", "reviewer", "lead"],
        "transition": ["case", "to", "reason"],
        "assessment": ["case", "verdict", "confidence", "rationale", "reason"],
    ]

    /// Collects the problems of one record while reading its fields.
    struct Fields {
        let line: Int
        var members: [String: JSONField] = [:]
        var issues: [ImportIssue] = []

        /// The limits of the record fields that are free text (FieldLimit: the database's).
        static let limits: [String: Int] = [
            "claim": FieldLimit.limit("cases", "claim").limit, "claimant": FieldLimit.limit("cases", "claimant").limit,
            "location": FieldLimit.limit("cases", "location").limit, "rationale": FieldLimit.limit("cases", "rationale").limit,
            "reason": FieldLimit.limit("case_history", "reason").limit,
            "restriction_reason": FieldLimit.limit("case_history", "reason").limit,
            "retraction_reason": FieldLimit.limit("evidence_notes", "retraction_reason").limit,
            "note": FieldLimit.limit("evidence_notes", "note").limit, "url": FieldLimit.limit("sources", "url").limit,
            "archive_url": FieldLimit.limit("sources", "archive_url").limit, "title": FieldLimit.limit("sources", "title").limit,
            "publisher": FieldLimit.limit("sources", "publisher").limit, "author": FieldLimit.limit("sources", "author").limit,
            "file_name": FieldLimit.limit("sources", "file_name").limit, "name": FieldLimit.limit("reviewers", "name").limit,
        ]

        mutating func problem(_ field: String, _ text: String) {
            issues.append(ImportIssue(line: line, field: field, problem: text))
        }

        mutating func string(_ name: String, required: Bool = false, nonEmpty: Bool = true) -> String? {
            switch members[name] {
            case nil, .null?:
                if required { problem(name, "is required") }
                return nil
            case .string(let value)?:
                if nonEmpty, value.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
                    problem(name, "must not be empty")
                    return nil
                }
                if value.utf8.contains(0) {
                    problem(name, "contains a NUL character, which cannot be stored")
                    return nil
                }
                if let limit = Self.limits[name], value.unicodeScalars.count > limit {
                    problem(name, "is too long: \(FieldLimit.grouped(value.unicodeScalars.count)) characters; the limit is \(FieldLimit.grouped(limit)) characters")
                    return nil
                }
                return value
            case let other?:
                problem(name, "must be a string, not \(other.kindName)")
                return nil
            }
        }

        mutating func matching(_ name: String, _ pattern: Pattern, required: Bool, explain: String) -> String? {
            guard let value = string(name, required: required) else { return nil }
            guard pattern.matches(value) else {
                problem(name, "\"\(value.prefix(80))\" is not valid: \(explain)")
                return nil
            }
            return value
        }

        mutating func ref(_ name: String, required: Bool = true) -> String? {
            guard let value = matching(
                name, Pattern.ref, required: required,
                explain: "use up to 64 letters, digits and . _ : / -, starting with a letter or digit")
            else { return nil }
            if Int(value) != nil {
                problem(name, "\"\(value)\" is only digits and would be mistaken for a case id; add letters, e.g. IZY-\(value)")
                return nil
            }
            return value
        }

        mutating func handle(_ name: String, required: Bool) -> String? {
            matching(name, Pattern.handle, required: required,
                     explain: "use 1-64 lowercase letters, digits, dots, underscores or dashes")
        }

        mutating func oneOf(_ name: String, _ values: [String], default fallback: String? = nil) -> String? {
            guard let value = string(name, required: fallback == nil) else { return fallback }
            guard values.contains(value) else {
                problem(name, "\"\(value.prefix(40))\" is not one of: \(values.joined(separator: ", "))")
                return nil
            }
            return value
        }

        mutating func integer(_ name: String, required: Bool, range: ClosedRange<Int>) -> Int? {
            switch members[name] {
            case nil, .null?:
                if required { problem(name, "is required") }
                return nil
            case .number(let text)?:
                guard let value = Int(text), range.contains(value) else {
                    problem(name, "must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(text.prefix(30))")
                    return nil
                }
                return value
            case let other?:
                problem(name, "must be a number, not \(other.kindName)")
                return nil
            }
        }

        mutating func bool(_ name: String, default fallback: Bool) -> Bool? {
            switch members[name] {
            case nil, .null?: return fallback
            case .bool(let value)?: return value
            case let other?:
                problem(name, "must be true or false, not \(other.kindName)")
                return nil
            }
        }

        /// WGS 84 decimal degrees from -limit to limit, as a JSON number (or a string of one, as CSV gives it),
        /// rounded to the six decimals the database keeps (so that a re-import compares equal).
        mutating func degrees(_ name: String, limit: Double) -> String? {
            let text: String
            switch members[name] {
            case nil, .null?: return nil
            case .number(let number)?: text = number
            case .string(let string)?: text = string.trimmed
            case let other?:
                problem(name, "must be a number of degrees, not \(other.kindName)")
                return nil
            }
            guard let value = Double(text), value.isFinite, !text.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }),
                abs(value) <= limit
            else {
                problem(name, "\"\(text.prefix(40))\" is not a \(name) in decimal degrees from -\(Int(limit)) to \(Int(limit)), such as \(name == "latitude" ? "49.2125" : "37.2569")")
                return nil
            }
            return NumberText.fixed(value, places: 6)
        }

        mutating func date(_ name: String) -> CalendarDate? {
            guard let text = string(name) else { return nil }
            guard let date = CalendarDate(text) else {
                problem(name, "\"\(text.prefix(40))\" is not a date; use YYYY-MM-DD")
                return nil
            }
            return date
        }

        mutating func timestamp(_ name: String, latest: Date) -> String? {
            guard let text = string(name) else { return nil }
            guard let instant = TimestampText.parse(text) else {
                problem(name, "\"\(text.prefix(40))\" is not a timestamp; use ISO 8601 such as 2022-09-16T12:00:00Z")
                return nil
            }
            guard instant <= latest else {
                problem(name, "\(text) is in the future; history can only record the past")
                return nil
            }
            return TimestampText.format(instant)
        }
    }

    /// Validates the JSON object of line `line` and returns its staged rows.
    func stage(_ value: JSONField, line: Int) -> (rows: [StagedRow], issues: [ImportIssue]) {
        guard case .object(let members) = value else {
            return ([], [ImportIssue(line: line, field: "record", problem: "must be a JSON object, not \(value.kindName)")])
        }
        var fields = Fields(line: line)
        for (key, member) in members { fields.members[key] = member }
        guard case .string(let type)? = fields.members["type"] else {
            let problem = fields.members["type"] == nil
                ? "is required: one of \(Self.types.joined(separator: ", "))"
                : "must be a string: one of \(Self.types.joined(separator: ", "))"
            return ([], [ImportIssue(line: line, field: "type", problem: problem)])
        }
        guard let allowed = Self.allowedFields[type] else {
            return ([], [ImportIssue(
                line: line, field: "type",
                problem: "unknown type \"\(type.prefix(40))\"; use one of \(Self.types.joined(separator: ", "))")])
        }
        for (key, _) in members where key != "type" && key != "by" && key != "at" && !allowed.contains(key) {
            fields.problem(String(key.prefix(40)), "is not a field of a \(type) record")
        }
        var row = StagedRow(line: line, kind: type)
        let by = fields.handle("by", required: false)
        let needsActor = type != "reviewer"
        if needsActor, by == nil, fields.members["by"] == nil || fields.members["by"] == .null, defaultActor == nil {
            fields.problem("by", "no acting reviewer: give \"by\" or pass --as HANDLE (or set VERITY_REVIEWER)")
        }
        row[.byHandle] = needsActor ? (by ?? defaultActor) : by
        row[.at] = fields.timestamp("at", latest: latest)
        var extra: [StagedRow] = []

        switch type {
        case "reviewer":
            row[.handle] = fields.handle("handle", required: true)
            row[.name] = fields.string("name", required: true)
            if let email = fields.string("email") {
                if !Pattern.email.matches(email) {
                    fields.problem("email", "\"\(email.prefix(80))\" is not an email address; use name@example.org")
                } else {
                    row[.email] = email
                }
            }
            row[.role] = fields.oneOf("role", ReviewerRole.allCases.map(\.rawValue), default: "reviewer")
            row[.active] = fields.bool("active", default: true).map { $0 ? "t" : "f" }
        case "case":
            row[.ref] = fields.ref("ref")
            row[.claim] = fields.string("claim", required: true)
            row[.claimant] = fields.string("claimant", required: true)
            row[.claimedAt] = fields.date("claimed_at")?.description
            row[.location] = fields.string("location", nonEmpty: false)
            row[.tags] = Self.arrayLiteral(tags(&fields))
            row[.priority] = fields.oneOf("priority", Priority.allCases.map(\.rawValue), default: "normal")
            row[.due] = fields.date("due")?.description
            row[.restricted] = fields.bool("restricted", default: false).map { $0 ? "t" : "f" }
            row[.restrictionReason] = fields.string("restriction_reason")
            if fields.members["claimant_type"] != nil, fields.members["claimant_type"] != .null {
                row[.claimantType] = fields.oneOf("claimant_type", ClaimantType.allCases.map(\.rawValue))
            }
            row[.latitude] = fields.degrees("latitude", limit: 90)
            row[.longitude] = fields.degrees("longitude", limit: 180)
            if (row[.latitude] == nil) != (row[.longitude] == nil), fields.issues.isEmpty {
                fields.problem(row[.latitude] == nil ? "latitude" : "longitude",
                               "is required with \(row[.latitude] == nil ? "longitude" : "latitude"): a place needs both")
            }
        case "source":
            row[.ref] = fields.ref("ref")
            row[.url] = fields.matching("url", .url, required: true, explain: "give a full address such as https://example.org/page")
            row[.title] = fields.string("title", required: true)
            row[.publisher] = fields.string("publisher", required: true)
            row[.author] = fields.string("author")
            row[.publishedAt] = fields.date("published_at")?.description
            row[.sourceKind] = fields.oneOf("kind", SourceKind.allCases.map(\.rawValue), default: "article")
            row[.reliability] = fields.oneOf("reliability", Reliability.allCases.map(\.rawValue), default: "F")
            row[.fileName] = fields.string("file_name")
            if let hash = fields.string("file_sha256") {
                if hash.count == 64, hash.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) {
                    row[.fileSha256] = hash
                } else {
                    fields.problem("file_sha256", "must be 64 lowercase hexadecimal digits (the output of sha256sum)")
                }
            } else if row[.fileName] != nil {
                fields.problem("file_sha256", "is required when file_name is given")
            }
            row[.fileSize] = fields.integer("file_size", required: false, range: 0...Int.max).map(String.init)
            row[.archiveURL] = fields.matching("archive_url", .url, required: false, explain: "give a full address")
            extra = links(&fields, source: row)
        case "evidence":
            row[.caseRef] = fields.ref("case")
            row[.sourceRef] = fields.ref("source", required: false)
            row[.stance] = fields.oneOf("stance", Stance.allCases.map(\.rawValue))
            row[.credibility] = fields.integer("credibility", required: true, range: Credibility.range).map(String.init)
            row[.note] = fields.string("note", required: true)
            row[.retractedAt] = fields.timestamp("retracted_at", latest: latest)
            row[.retractedBy] = fields.handle("retracted_by", required: false)
            row[.retractionReason] = fields.string("retraction_reason")
            if row[.retractionReason] == nil, fields.members["retraction_reason"] == nil,
                row[.retractedAt] != nil || row[.retractedBy] != nil
            {
                fields.problem("retraction_reason", "is required to retract a note")
            }
        case "assignment":
            row[.caseRef] = fields.ref("case")
            row[.handle] = fields.handle("reviewer", required: true)
            row[.lead] = fields.bool("lead", default: false).map { $0 ? "t" : "f" }
        case "transition":
            row[.caseRef] = fields.ref("case")
            if let target = fields.oneOf("to", ["disputed", "evidence-pending", "assessed", "claimed"]) {
                switch target {
                case "assessed": fields.problem("to", "a case is assessed with an \"assessment\" record (verdict, confidence, rationale)")
                case "claimed": fields.problem("to", "no case moves back to claimed; every case starts there")
                default: row[.toState] = target
                }
            }
            row[.reason] = fields.string("reason")
        case "assessment":
            row[.caseRef] = fields.ref("case")
            row[.toState] = "assessed"
            row[.verdict] = fields.oneOf("verdict", Verdict.allCases.map(\.rawValue))
            row[.confidence] = fields.integer("confidence", required: true, range: Credibility.range).map(String.init)
            row[.rationale] = fields.string("rationale", required: true)
            row[.reason] = fields.string("reason")
        default:
            break
        }
        return fields.issues.isEmpty ? ([row] + extra, []) : ([], fields.issues)
    }

    private func tags(_ fields: inout Fields) -> [String] {
        switch fields.members["tags"] {
        case nil, .null?: return []
        case .array(let elements)?:
            var result: [String] = []
            for element in elements {
                guard case .string(let tag) = element else {
                    fields.problem("tags", "must be an array of strings")
                    return []
                }
                let trimmed = tag.trimmed.lowercased()
                if let problem = Tag.problem(trimmed) {
                    fields.problem("tags", "\"\(Importer.visible(String(tag.prefix(80))))\": \(problem)")
                    return []
                }
                if !result.contains(trimmed) { result.append(trimmed) }
            }
            return result
        case let other?:
            fields.problem("tags", "must be an array of strings, not \(other.kindName)")
            return []
        }
    }

    /// `"cases": ["IZY-001", {"case": "IZY-002", "by": "analyst", "at": "..."}]`: one row per link.
    private func links(_ fields: inout Fields, source: StagedRow) -> [StagedRow] {
        guard let line = Int(source[.line] ?? "") else { return [] }
        let elements: [JSONField]
        switch fields.members["cases"] {
        case nil, .null?: return []
        case .array(let list)?: elements = list
        case let other?:
            fields.problem("cases", "must be an array of case references, not \(other.kindName)")
            return []
        }
        var rows: [StagedRow] = []
        for element in elements {
            var link = StagedRow(line: line, kind: "link")
            link[.sourceRef] = source[.ref]
            link[.byHandle] = source[.byHandle]
            link[.at] = source[.at]
            switch element {
            case .string:
                var single = Fields(line: line)
                single.members["cases"] = element
                link[.caseRef] = single.ref("cases")
                fields.issues += single.issues
            case .object(let members):
                var inner = Fields(line: line)
                for (key, value) in members {
                    inner.members[key] = value
                    if !["case", "by", "at", "role"].contains(key) {
                        inner.problem("cases", "a link has only case, role, by and at, not \(key.prefix(40))")
                    }
                }
                link[.caseRef] = inner.ref("case")
                if inner.members["role"] != nil, inner.members["role"] != .null {
                    link[.linkRole] = inner.oneOf("role", SourceRole.allCases.map(\.rawValue))
                }
                if let by = inner.handle("by", required: false) { link[.byHandle] = by }
                if let at = inner.timestamp("at", latest: latest) { link[.at] = at }
                fields.issues += inner.issues.map { ImportIssue(line: $0.line, field: "cases." + $0.field, problem: $0.problem) }
            default:
                fields.problem("cases", "must list case references (strings) or {\"case\": ...} objects")
            }
            rows.append(link)
        }
        return rows
    }

    /// A text[] literal for COPY: {"a","b"} with quotes and backslashes escaped.
    static func arrayLiteral(_ values: [String]) -> String {
        let quoted = values.map { (value: String) -> String in
            let escaped = value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
            return "\"" + escaped + "\""
        }
        return "{" + quoted.joined(separator: ",") + "}"
    }

    // MARK: CSV

    static let csvHeader = ["ref", "claim", "claimant", "claimed_at", "location", "tags", "priority", "due", "state"]

    /// A CSV record of a case: the case row and, for a state other than claimed, the row that reaches it.
    func stageCSV(_ record: [String], header: [String], line: Int) -> (rows: [StagedRow], issues: [ImportIssue]) {
        guard record.count == header.count else {
            return ([], [ImportIssue(
                line: line, field: "record",
                problem: "has \(record.count) fields but the header has \(header.count)")])
        }
        var fields = Fields(line: line)
        var json: [(String, JSONField)] = [("type", .string("case"))]
        var state = "claimed"
        for (name, cell) in zip(header, record) {
            // The `'` that Verity's CSV output puts before a would-be formula is not part of the value.
            let value = SpreadsheetFormulas.restored(cell)
            if value.isEmpty { continue }
            switch name {
            case "tags":
                json.append((name, .array(value.split(separator: ";", omittingEmptySubsequences: false).map { .string(String($0)) })))
            case "state":
                state = value
            default:
                json.append((name, .string(value)))
            }
        }
        var (rows, issues) = stage(.object(json), line: line)
        switch state {
        case "claimed": break
        case "disputed", "evidence-pending":
            if let row = rows.first {
                var step = StagedRow(line: line, kind: "transition")
                step[.caseRef] = row[.ref]
                step[.byHandle] = row[.byHandle]
                step[.toState] = state
                step[.reason] = state == "disputed" ? "imported from CSV as disputed" : nil
                step[.ensureState] = "t"
                rows.append(step)
            }
        case "assessed":
            fields.problem("state", "assessed cannot be reached from CSV: it needs a verdict and evidence; import an assessment record in JSON Lines, or use `verity case assess`")
        default:
            fields.problem("state", "\"\(state.prefix(40))\" is not one of: claimed, disputed, evidence-pending")
        }
        issues += fields.issues
        return issues.isEmpty ? (rows, []) : ([], issues)
    }
}
