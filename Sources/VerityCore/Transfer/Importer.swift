#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The formats `verity import` reads.
public enum ImportFormat: String, CaseIterable, Sendable {
    case jsonl, csv
    case claimreview
    /// Other tools' exports, mapped to Verity's records (Transfer/Formats/).
    case atlosCSV = "atlos-csv", checkCSV = "check-csv"
}

/// What an import changed (or, in a dry run, would change), per record type.
public struct ImportSummary: Sendable, Equatable {
    public struct Counts: Sendable, Equatable {
        public var kind: String
        public var created: Int
        public var updated: Int
        public var unchanged: Int
    }

    public var records: Int
    public var counts: [Counts]
    public var dryRun: Bool
    /// Archive rows that a desk in use holds otherwise or not at all: an archive is
    /// restored only into an empty desk, so these were not written.
    public var archiveRowsNotRestored = 0
    /// Whether the file's archive was restored (into an empty desk).
    public var restoredArchive = false
    /// The database logins the restored reviewers name: roles of the old server, which this
    /// server may not have (or may have for someone else).
    public var restoredLogins: [String] = []

    public func counts(_ kind: String) -> Counts {
        counts.first { $0.kind == kind } ?? Counts(kind: kind, created: 0, updated: 0, unchanged: 0)
    }

    /// True when nothing was created or updated.
    public var changedNothing: Bool { counts.allSatisfy { $0.created == 0 && $0.updated == 0 } }

    /// Record types in the order the import applies them.
    public static let kindOrder = ["reviewer", "case", "source", "link", "assignment", "evidence", "transition", "assessment"]
}

/// An import refused: every problem found (up to a limit), and nothing written.
public struct ImportFailure: Error, Sendable {
    public var issues: [ImportIssue]
    /// True when more problems were found than are listed.
    public var truncated: Bool

    /// A workflow rule refused something (exit 65); otherwise the input is invalid (exit 64).
    public var isRuleViolation: Bool { !issues.isEmpty && issues.allSatisfy(\.isRule) }
}

/// How far an import has got, for progress output.
public struct ImportProgress: Sendable {
    public var records: Int
    public var bytesRead: Int
    public var totalBytes: Int?
    public var elapsed: TimeInterval
    /// "reading" while streaming, then "applying".
    public var phase: String
}

/// Bulk import: streams a JSON Lines or CSV file into a staging table with
/// COPY, then applies it with the set-based functions of sql/definitions/70_import.sql,
/// all in one transaction. Any problem rolls everything back.
public struct Importer {
    public let db: Connection
    public var maxIssues = 50
    /// How `--format claimreview` turns reviews into records (Formats/ClaimReviewFeed.swift).
    public var claimReview = ClaimReviewFeed.Options()

    public init(connection: Connection) { db = connection }

    /// Imports `reader`'s lines. `actor` acts for records without `by`; without it, a reviewer
    /// connected with their own login acts, as in every other command.
    /// Throws `ImportFailure` with line-numbered problems; writes nothing then.
    public func run(
        _ reader: LineReader, format: ImportFormat, actor: String?, dryRun: Bool,
        progress: ((ImportProgress) -> Void)? = nil
    ) throws -> ImportSummary {
        let started = Date()
        let actor = try Desk(connection: db).actingReviewer(actor)
        let validator = RecordValidator(defaultActor: actor, latest: Date().addingTimeInterval(60))
        var issues: [ImportIssue] = []
        var truncated = false
        var records = 0
        var lastReport = started

        func report(_ phase: String, force: Bool = false) {
            guard let progress else { return }
            let now = Date()
            guard force || now.timeIntervalSince(lastReport) >= 0.25 else { return }
            lastReport = now
            progress(ImportProgress(
                records: records, bytesRead: reader.bytesRead, totalBytes: reader.totalBytes,
                elapsed: now.timeIntervalSince(started), phase: phase))
        }

        func note(_ found: [ImportIssue]) {
            for issue in found {
                if issues.count >= maxIssues {
                    truncated = true
                    return
                }
                issues.append(issue)
            }
        }

        // An export's "archive" records (sql/definitions/72_archive.sql): kept aside, then restored
        // into an empty desk, where the records after them are only compared with the restored desk;
        // into a desk in use, compared with what it holds while the records are merged as always.
        let archive = ArchiveSpool()
        defer { archive.remove() }
        var restoring = false
        var recordDigests: [(line: Int, digest: LineDigest)] = []
        var firstStagedLine: Int?

        let outcome: Result<ImportSummary, Error> = Result {
            try db.transaction { db in
                let deskEmpty: Bool = try format == .jsonl
                    && db.query("SELECT verity_archive_desk_empty() AS empty")[0].decode("empty")
                try db.query("SELECT verity_import_stage()")
                try db.copyIn(Query(unsafeSQL: StagingColumn.copyStatement)) { writer in
                    switch format {
                    case .jsonl:
                        while let bytes = try reader.nextLine() {
                            if issues.count >= maxIssues {
                                truncated = true
                                break
                            }
                            let line = reader.lineNumber
                            if bytes.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
                            records += 1
                            let value: JSONField
                            do {
                                value = try JSONLineParser.parse(bytes)
                            } catch let failure as JSONLineParser.Failure {
                                note([ImportIssue(line: line, field: "json", problem: "\(failure.problem) (column \(failure.column))")])
                                continue
                            }
                            if case .object(let members) = value, members.contains(where: { $0.0 == "type" && $0.1 == .string("archive") }) {
                                try archive.append(line: line, bytes)
                                if deskEmpty { restoring = true }
                                continue
                            }
                            if restoring {
                                recordDigests.append((line, LineDigest(bytes)))
                                continue
                            }
                            if firstStagedLine == nil { firstStagedLine = line }
                            let (rows, found) = validator.stage(value, line: line)
                            note(found)
                            if issues.isEmpty { for row in rows { try writer.writeRow(row.values) } }
                            report("reading")
                        }
                    case .csv, .atlosCSV, .checkCSV:
                        // Verity's own columns, or an Atlos or Check export's mapped to its records.
                        var foreign = format.foreignCSV
                        var csv = CSVReader(reader)
                        var header: [String]?
                        while issues.count < maxIssues {
                            let next: (line: Int, fields: [String])?
                            do {
                                next = try csv.next()
                            } catch let failure as CSVReader.Failure {
                                note([ImportIssue(line: failure.line, field: "csv", problem: failure.problem)])
                                break
                            }
                            guard let (line, fields) = next else { break }
                            guard let known = header else {
                                header = fields.map { $0.trimmed }
                                note(foreign?.readHeader(fields, line: line) ?? Self.checkHeader(header!, line: line))
                                continue
                            }
                            records += 1
                            let (rows, found) =
                                foreign?.stage(fields, line: line, validator: validator)
                                ?? validator.stageCSV(fields, header: known, line: line)
                            note(found)
                            if issues.isEmpty { for row in rows { try writer.writeRow(row.values) } }
                            report("reading")
                        }
                        if header == nil {
                            let empty = "the file is empty; it needs a header row: \(RecordValidator.csvHeader.joined(separator: ","))"
                            note([ImportIssue(line: 1, field: "csv", problem: foreign?.missingHeader ?? empty)])
                        }
                        if issues.count >= maxIssues { truncated = true }
                    case .claimreview:
                        var document: [UInt8] = []
                        while let line = try reader.nextLine() { document += line + [10] }
                        let feed = ClaimReviewFeed.records(document, options: claimReview)
                        note(feed.issues)
                        for record in feed.records where issues.count < maxIssues {
                            records += 1
                            let (rows, found) = validator.stage(record.value, line: record.line)
                            note(found.map { ImportIssue(line: $0.line, field: record.fieldNames[$0.field] ?? $0.field, problem: $0.problem) })
                            if issues.isEmpty { for row in rows { try writer.writeRow(row.values) } }
                        }
                    }
                }
                report("applying", force: true)
                if !issues.isEmpty { throw ImportFailure(issues: issues, truncated: truncated) }
                if !archive.isEmpty {
                    try archive.finishWriting()
                    try db.query("SELECT verity_archive_stage()")
                    try db.copyIn(Query(unsafeSQL: "COPY pg_temp.verity_archive_rows (line, record) FROM STDIN")) { writer in
                        try archive.forEach { line, text in try writer.writeRow([String(line), text]) }
                    }
                }
                if restoring {
                    if let line = firstStagedLine {
                        throw ImportFailure(issues: [ImportIssue(
                            line: line, field: "type",
                            problem: "comes before the archive records; in an archive the records follow the \"archive\" rows, as `verity export` writes them")],
                            truncated: false)
                    }
                    // The import lock of verity_import_check (nothing is staged), under which a dry run may
                    // make the sequences transactional.
                    try db.query("SELECT verity_import_check()")
                    if dryRun { try db.query("SELECT verity_import_dry_run()") }
                    let tables = try apply(db, "SELECT kind, created, updated, unchanged FROM verity_archive_restore()")
                    try checkRecords(db, against: recordDigests)
                    // What the restored desk holds, counted as the records that describe it.
                    let described = try db.query(
                        """
                        SELECT (SELECT count(*) FROM reviewers) AS reviewer, (SELECT count(*) FROM cases) AS "case",
                               (SELECT count(*) FROM sources) AS source, (SELECT count(*) FROM case_sources) AS link,
                               (SELECT count(*) FROM case_assignments) AS assignment,
                               (SELECT count(*) FROM evidence_notes) AS evidence,
                               (SELECT count(*) FROM case_history WHERE to_state IS NOT NULL AND action NOT IN ('open', 'assess')) AS transition,
                               (SELECT count(*) FROM case_history WHERE action = 'assess') AS assessment
                        """)[0]
                    let counts = try ImportSummary.kindOrder.map {
                        ImportSummary.Counts(kind: $0, created: try described.decode($0, as: Int.self), updated: 0, unchanged: 0)
                    } + tables
                    var summary = ImportSummary(records: records, counts: counts, dryRun: dryRun)
                    summary.restoredArchive = true
                    summary.restoredLogins = try db.query("SELECT login FROM reviewers WHERE login IS NOT NULL ORDER BY login")
                        .rows.map { try $0.decode("login", as: String.self) }
                    if dryRun { throw DryRunRollback(summary: summary) }
                    return summary
                }
                // Unknown references and duplicate keys are reported together; only a clean
                // import is applied, so that the rules' refusals are about real records. The
                // check first takes the lock under which one import at a time checks and applies.
                let unresolved: Int = try db.query("SELECT verity_import_check() AS n")[0].decode("n")
                // A dry run's rollback also gives back the ids its inserts drew
                // (sql/definitions/75_import_dry_run.sql says why this is safe).
                if dryRun { try db.query("SELECT verity_import_dry_run()") }
                let counts = unresolved == 0 ? try apply(db) : []
                let found = try db.query(
                    """
                    SELECT line, field, problem, is_rule FROM verity_import_errors ORDER BY line, field
                     LIMIT \(maxIssues + 1)
                    """)
                if found.rowCount > 0 {
                    let all = try found.rows.map {
                        ImportIssue(
                            line: try $0.decode("line"), field: try $0.decode("field"),
                            problem: try $0.decode("problem"), isRule: try $0.decode("is_rule"))
                    }
                    throw ImportFailure(issues: Array(all.prefix(maxIssues)), truncated: all.count > maxIssues)
                }
                var summary = ImportSummary(records: records, counts: counts, dryRun: dryRun)
                if !archive.isEmpty {
                    for compared in try apply(db, "SELECT kind, created, updated, unchanged FROM verity_archive_compare()") {
                        if compared.kind.hasSuffix(" (not restored)") {
                            summary.archiveRowsNotRestored += compared.unchanged
                        } else {
                            summary.counts.append(compared)
                        }
                    }
                }
                if dryRun { throw DryRunRollback(summary: summary) }
                return summary
            }
        }
        switch outcome {
        case .success(let summary): return summary
        case .failure(let rollback as DryRunRollback): return rollback.summary
        case .failure(let error as PostgresError):
            throw Self.concurrentChange(error) ?? error
        case .failure(let error): throw error
        }
    }

    /// The key of the lock that verity_import_check takes, under which one import at a
    /// time checks and applies ("vimport" in ASCII; the migrations' lock is "verity").
    public static let applyLockKey: Int = 0x76_696D_706F_7274

    /// A duplicate key, serialization failure or deadlock while applying is another
    /// writer's change made at the same time (`reviewer add`, `case open --ref`, an
    /// import not holding the lock): the check before the apply already refused
    /// duplicates within the file and against the desk. Running it again is the fix
    /// (exit 75), not editing the file (64).
    static func concurrentChange(_ error: PostgresError) -> VerityError? {
        guard let state = error.sqlState,
            [SQLState.uniqueViolation, .serializationFailure, .deadlockDetected].contains(state)
        else { return nil }
        let said = error.message + (error.detail.map { " (\($0))" } ?? "")
        return .conflict(
            "another change to the desk was made at the same time as this import and wrote the same record first; "
                + "nothing was imported (the database said: \(said))",
            hint: "run the import again: it is all or nothing, and will take the other change into account")
    }

    private struct DryRunRollback: Error { let summary: ImportSummary }

    /// After a restore: the records that follow the archive must be exactly what the restored
    /// desk exports (the same desk, described for people and scripts), line by line.
    private func checkRecords(_ db: Connection, against digests: [(line: Int, digest: LineDigest)]) throws {
        var exporter = Exporter(connection: db)
        exporter.withArchive = false
        var index = 0
        var differing: Int?
        var pending = [UInt8]()
        let output = ChunkedOutput(chunkSize: 64 * 1024) { text in
            pending.append(contentsOf: text.utf8)
            var start = 0
            while let newline = pending[start...].firstIndex(of: 10) {
                let digest = LineDigest(pending[start..<newline])
                if differing == nil, index >= digests.count || digests[index].digest != digest {
                    differing = index < digests.count ? digests[index].line : (digests.last?.line ?? 0) + 1
                }
                index += 1
                start = newline + 1
            }
            pending.removeFirst(start)
        }
        try exporter.run(to: output)
        if differing == nil, index < digests.count { differing = digests[index].line }
        if let line = differing {
            throw ImportFailure(issues: [ImportIssue(
                line: line, field: "record",
                problem: "is not what the archive before it restores (from this line on, the records and the archive "
                    + "describe different desks): the file was edited after `verity export` wrote it; "
                    + "restore the file as it was written, or import the records without the \"archive\" lines")],
                truncated: false)
        }
    }

    /// Runs the apply function; a refusal raised inside it names its line.
    private func apply(
        _ db: Connection, _ sql: String? = nil
    ) throws -> [ImportSummary.Counts] {
        let result: ResultSet
        do {
            result = try db.query(Query(unsafeSQL: sql ?? "SELECT kind, created, updated, unchanged FROM verity_import_apply(\(maxIssues))"))
        } catch let error as PostgresError where error.kind == .server {
            if let conflict = Self.concurrentChange(error) { throw conflict }
            guard let detail = error.detail, detail.hasPrefix("import line ") else { throw error }
            let digits = detail.dropFirst("import line ".count).prefix { $0.isNumber }
            let rest = detail.dropFirst("import line ".count + digits.count)
                .drop { $0 == ";" || $0 == " " }
            // A workflow rule (VR) or a right the connected role lacks: a refusal (exit 65).
            let isRule = error.sqlState?.errorClass == "VR" || error.sqlState == .insufficientPrivilege
            var problem = error.message + (rest.isEmpty ? "" : " (\(rest))")
            if let hint = error.hint, !hint.isEmpty { problem += "; hint: \(hint)" }
            throw ImportFailure(
                issues: [ImportIssue(line: Int(digits) ?? 0, field: "record", problem: problem, isRule: isRule)],
                truncated: false)
        }
        var counts = try result.rows.map {
            ImportSummary.Counts(
                kind: try $0.decode("kind"), created: try $0.decode("created"), updated: try $0.decode("updated"),
                unchanged: try $0.decode("unchanged"))
        }
        if sql == nil { counts.sort {
            (ImportSummary.kindOrder.firstIndex(of: $0.kind) ?? 99) < (ImportSummary.kindOrder.firstIndex(of: $1.kind) ?? 99)
        } }
        return counts
    }

    /// The text with every invisible or control character written as `\u{XXXX}`, so that a
    /// message about "ref" that fails to match shows the zero-width space or mark inside it.
    static func visible(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned, .surrogate:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func checkHeader(_ header: [String], line: Int) -> [ImportIssue] {
        var issues: [ImportIssue] = []
        for name in header where !RecordValidator.csvHeader.contains(name) {
            issues.append(ImportIssue(
                line: line, field: "header",
                problem: "unknown column \"\(Self.visible(String(name.prefix(40))))\"; the columns are \(RecordValidator.csvHeader.joined(separator: ","))"))
        }
        for name in ["ref", "claim", "claimant"] where !header.contains(name) {
            issues.append(ImportIssue(line: line, field: "header", problem: "the column \"\(name)\" is required"))
        }
        if Set(header).count != header.count {
            issues.append(ImportIssue(line: line, field: "header", problem: "a column is named twice"))
        }
        return issues
    }
}

/// An import's archive records, kept aside in a temporary file while the file is read (they
/// go to their own COPY afterwards), so that memory stays flat whatever the desk's size.
final class ArchiveSpool {
    private var path: String?
    private var handle: POSIXFile?
    private var buffer = Data()
    private var lines: [Int] = []

    var isEmpty: Bool { lines.isEmpty }

    func append(line: Int, _ bytes: [UInt8]) throws {
        if handle == nil {
            let file = POSIXFile.temporaryDirectory + "verity-archive-\(getpid())-\(UUID().uuidString).jsonl"
            let opened: POSIXFile
            do {
                opened = try POSIXFile.open(writing: file, mode: 0o600)
            } catch {
                throw VerityError(.failure, "cannot write a temporary file in \(POSIXFile.temporaryDirectory) for the import's archive records: \(error.reason)")
            }
            path = file
            handle = opened
        }
        lines.append(line)
        buffer.append(contentsOf: bytes)
        buffer.append(10)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { (bytes) throws(POSIXFile.Failure) in try handle?.write(bytes) }
        buffer.removeAll(keepingCapacity: true)
    }

    func finishWriting() throws {
        try flush()
        handle?.close()
        handle = nil
    }

    /// Every record with its line in the import file, in file order.
    func forEach(_ body: (Int, String) throws -> Void) throws {
        guard let path else { return }
        let reader = try LineReader(path: path)
        var index = 0
        while let bytes = try reader.nextLine() {
            guard index < lines.count else { break }
            try body(lines[index], String(decoding: bytes, as: UTF8.self))
            index += 1
        }
    }

    func remove() {
        handle?.close()
        if let path { try? FileManager.default.removeItem(atPath: path) }
    }
}

/// The first 128 bits of a line's SHA-256, kept per record line of a restored archive (16 bytes,
/// not a 64-character string, so that a large desk's lines fit in little memory).
struct LineDigest: Equatable {
    var high: UInt64
    var low: UInt64

    init<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let hex = Array(bytes).withUnsafeBytes { SHA256Hasher.hex(of: $0) }
        high = UInt64(hex.prefix(16), radix: 16) ?? 0
        low = UInt64(hex.dropFirst(16).prefix(16), radix: 16) ?? 0
    }
}
