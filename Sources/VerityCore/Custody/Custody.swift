#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// What happened to a source's file, after the Berkeley Protocol's chain of custody.
public enum CustodyEventKind: String, Codable, CaseIterable, Sendable {
    case collected, copied
    case handedOver = "handed-over"
    case verified
    /// A correction of the collected file's hash (with a reason): the only way it changes (sql/definitions/20_history_chain.sql).
    case corrected
}

/// Whether a file is the evidentiary copy (kept unaltered) or a working copy (used for analysis).
public enum CopyKind: String, Codable, CaseIterable, Sendable {
    case evidentiary, working
}

/// How a file was collected: given to `source add --file` and recorded as its `collected` event.
public struct FileCollection: Sendable {
    /// When the material was collected (UTC); now when nil.
    public var at: Date?
    /// The tool that captured it, e.g. "Hunchly 2.3" or "yt-dlp 2024.08.06".
    public var tool: String?
    public var copy: CopyKind

    public init(at: Date? = nil, tool: String? = nil, copy: CopyKind = .evidentiary) {
        self.at = at
        self.tool = tool
        self.copy = copy
    }
}

/// One append-only row of a source's chain of custody.
public struct CustodyEvent: Encodable, Sendable {
    public var id: Int
    public var sourceID: Int
    public var event: CustodyEventKind
    /// When it happened (UTC).
    public var at: Date
    /// When it was written down.
    public var recordedAt: Date
    public var actor: String?
    public var tool: String?
    public var sha256: String?
    public var copyKind: CopyKind?
    public var fileName: String?
    public var fileSize: Int?
    public var fromHolder: String?
    public var toHolder: String?
    public var note: String?
    /// For `verified`: match or mismatch.
    public var outcome: String?
    /// This event's link in the source's hash chain.
    public var hash: String

    enum CodingKeys: String, CodingKey {
        case id
        case sourceID = "source_id"
        case event, at, recordedAt, actor, tool, sha256, copyKind, fileName, fileSize, fromHolder, toHolder, note, outcome
        case hash
    }

    /// Absent values are written as null, so scripts see every field.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(sourceID, forKey: .sourceID)
        try c.encode(event, forKey: .event)
        try c.encode(at, forKey: .at)
        try c.encode(recordedAt, forKey: .recordedAt)
        try c.encode(actor, forKey: .actor)
        try c.encode(tool, forKey: .tool)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(copyKind, forKey: .copyKind)
        try c.encode(fileName, forKey: .fileName)
        try c.encode(fileSize, forKey: .fileSize)
        try c.encode(fromHolder, forKey: .fromHolder)
        try c.encode(toHolder, forKey: .toHolder)
        try c.encode(note, forKey: .note)
        try c.encode(outcome, forKey: .outcome)
        try c.encode(hash, forKey: .hash)
    }
}

/// The result of recomputing a source's custody hash chain in Swift.
public struct CustodyChainCheck: Encodable, Sendable {
    public var sourceID: Int
    public var events: Int
    /// The last event's hash: quote it elsewhere to pin the chain as it is now.
    public var head: String?
    /// The first event whose stored hash, sequence or link does not match its content; nil when intact.
    public var brokenAt: Int?
    public var problem: String?

    public var intact: Bool { brokenAt == nil }
}

/// The canonical content of a custody event and its hash, computed independently
/// of the database's trigger (sql/definitions/50_custody_output.sql); both must agree
/// byte for byte. Same field encoding as the case history's chain (`HistoryChain`).
enum CustodyChain {
    static func expectedHash(_ fields: (sourceID: Int, seq: Int, at: String, recordedAt: String), _ rest: [String?]) -> String? {
        guard let at = HistoryChain.canonicalTimestamp(fields.at),
            let recordedAt = HistoryChain.canonicalTimestamp(fields.recordedAt)
        else { return nil }
        var text = "verity-custody-v1\n\(fields.sourceID)\n\(fields.seq)\n\(at)\n\(recordedAt)"
        for field in rest {
            text += "\n" + (field.map { "\($0.unicodeScalars.count):\($0)" } ?? "-")
        }
        return SHA256Digest.hex(of: text)
    }
}

/// The answer of `source verify`: is this file the one collected?
public struct FileVerification: Encodable, Sendable {
    public var sourceID: Int
    public var file: String
    public var sha256: String
    public var size: Int
    /// The hash taken at collection.
    public var expectedSha256: String
    public var matches: Bool
    /// The `verified` event that records this check.
    public var eventID: Int

    enum CodingKeys: String, CodingKey {
        case sourceID = "source_id"
        case file, sha256, size, expectedSha256, matches, outcome
        case eventID = "event_id"
    }

    public var outcome: String { matches ? "match" : "mismatch" }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sourceID, forKey: .sourceID)
        try c.encode(file, forKey: .file)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(size, forKey: .size)
        try c.encode(expectedSha256, forKey: .expectedSha256)
        try c.encode(matches, forKey: .matches)
        try c.encode(outcome, forKey: .outcome)
        try c.encode(eventID, forKey: .eventID)
    }
}

extension Desk {
    /// A source's chain of custody, oldest first.
    public func custody(ofSource sourceID: Int) throws -> [CustodyEvent] {
        _ = try source(sourceID)
        return try db.query(
            """
            SELECT e.id, e.source_id, e.event, e.at, e.recorded_at, r.handle AS actor, e.tool, e.sha256, e.copy_kind,
                   e.file_name, e.file_size, e.from_holder, e.to_holder, e.note, e.outcome, e.hash
              FROM source_custody_events e LEFT JOIN reviewers r ON r.id = e.actor_id
             WHERE e.source_id = \(sourceID) ORDER BY e.at, e.id
            """
        ).rows.map { row in
            CustodyEvent(
                id: try row.decode("id"), sourceID: try row.decode("source_id"),
                event: CustodyEventKind(rawValue: try row.decode("event")) ?? .copied,
                at: try row.decode("at"), recordedAt: try row.decode("recorded_at"), actor: try row.decode("actor"),
                tool: try row.decode("tool"), sha256: try row.decode("sha256"),
                copyKind: try row.decode("copy_kind", as: String?.self).flatMap(CopyKind.init(rawValue:)),
                fileName: try row.decode("file_name"), fileSize: try row.decode("file_size"),
                fromHolder: try row.decode("from_holder"), toHolder: try row.decode("to_holder"),
                note: try row.decode("note"), outcome: try row.decode("outcome"), hash: try row.decode("hash"))
        }
    }

    /// Recomputes the source's custody chain from the rows' content.
    public func checkCustodyChain(ofSource sourceID: Int) throws -> CustodyChainCheck {
        try db.transaction(.repeatableRead) { db in
            try db.execute(unsafeSQL: "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'")
            let rows = try db.query(
                """
                SELECT id, seq, at::text AS at, recorded_at::text AS recorded_at, actor_id::text AS actor_id, event, tool,
                       sha256, copy_kind, file_name, file_size::text AS file_size, from_holder, to_holder, note, outcome,
                       prev_hash, hash
                  FROM source_custody_events WHERE source_id = \(sourceID) ORDER BY seq
                """).rows
            var check = CustodyChainCheck(sourceID: sourceID, events: rows.count)
            var previous: String?
            for (index, row) in rows.enumerated() {
                let id: Int = try row.decode("id")
                let seq: Int = try row.decode("seq")
                let prevHash: String? = try row.decode("prev_hash")
                let hash: String = try row.decode("hash")
                let expected = CustodyChain.expectedHash(
                    (sourceID, seq, try row.decode("at"), try row.decode("recorded_at")),
                    try ["actor_id", "event", "tool", "sha256", "copy_kind", "file_name", "file_size", "from_holder",
                         "to_holder", "note", "outcome"].map { try row.decode($0, as: String?.self) } + [prevHash])
                var problem: String?
                if seq != index + 1 {
                    problem = "event \(id) is number \(seq) in the chain, expected \(index + 1): an event is missing"
                } else if prevHash != previous {
                    problem = "event \(id) does not link to the event before it"
                } else if expected != hash {
                    problem = "event \(id)'s content does not match its hash: it was changed after it was recorded"
                }
                if let problem {
                    check.brokenAt = id
                    check.problem = problem
                    return check
                }
                previous = hash
            }
            check.head = previous
            return check
        }
    }

    /// Refuses an event dated before the file was collected, and a hand-over
    /// to whoever holds the file already (the database checks both again).
    func requireCustodyOrder(source sourceID: Int, event: CustodyEventKind, to holder: String?, at: Date?) throws {
        let row = try db.query(
            """
            SELECT (SELECT min(e.at) FROM source_custody_events e
                     WHERE e.source_id = \(sourceID) AND e.event = 'collected') AS collected_at,
                   verity_custody_holder(\(sourceID), coalesce(\(at)::timestamptz, now())) AS holder
            """)[0]
        if let at, let collected: Date = try row.decode("collected_at"), at < collected {
            throw VerityError.ruleViolated(
                "a custody event of source \(sourceID) cannot be dated \(TimestampText.format(at)), "
                    + "before the file was collected (\(TimestampText.format(collected)))",
                hint: "check --at; the chain starts with the collection")
        }
        if event == .handedOver, let holder, let current: String = try row.decode("holder"),
            current == holder.trimmed
        {
            throw VerityError.ruleViolated(
                "source \(sourceID)'s file is already held by \(current); a hand-over goes to someone else",
                hint: "name the new holder with --to")
        }
    }

    /// Records the `collected` event of a file that `addSource` hashed, in its transaction.
    func recordCollection(
        _ db: Connection, source sourceID: Int, file: (name: String, hash: String, size: Int), collection: FileCollection
    ) throws {
        try db.query(
            """
            SELECT verity_custody_event(\(sourceID), 'collected', p_at => \(collection.at), p_tool => \(collection.tool),
                   p_sha256 => \(file.hash), p_copy_kind => \(collection.copy.rawValue), p_file_name => \(file.name),
                   p_file_size => \(file.size))
            """)
    }

    /// Appends a `copied` or `handed-over` event. A copy with `filePath` is
    /// hashed and must be bit-identical to the collected file.
    @discardableResult
    public func recordCustody(
        source sourceID: Int, event: CustodyEventKind, to holder: String?, filePath: String?, copy: CopyKind?,
        tool: String?, note: String?, at: Date?, despiteMismatch: String? = nil, as actor: String?
    ) throws -> CustodyEvent {
        let source = try source(sourceID)
        switch event {
        case .collected:
            throw VerityError.usage(
                "a file is collected once, when the source is recorded",
                hint: "record it with `verity source add URL ... --file PATH --collected-at T --tool NAME`")
        case .verified:
            throw VerityError.usage(
                "a verification is recorded by checking the file", hint: "run `verity source verify \(sourceID) --file PATH`")
        case .handedOver:
            guard let holder, !holder.trimmed.isEmpty else {
                throw VerityError.usage(
                    "a hand-over needs the recipient", hint: "name them with --to HANDLE (a reviewer or an outside holder)")
            }
        case .corrected:
            guard filePath != nil, let note, !note.trimmed.isEmpty else {
                throw VerityError.usage(
                    "a correction of the collected file needs the correct file and a reason",
                    hint: "give them with --file PATH --note \"why the collected hash was wrong\"")
            }
        case .copied:
            if holder != nil {
                throw VerityError.usage("--to is for --event handed-over; a copy stays with its maker")
            }
            guard filePath != nil else {
                throw VerityError.usage(
                    "a copy needs the copied file, so that its hash shows it is identical to the collected one",
                    hint: "give it with --file PATH (and --copy working or evidentiary)")
            }
        }
        try requireCustodyOrder(source: sourceID, event: event, to: holder, at: at)
        guard let expected = source.fileSha256 else {
            throw VerityError.ruleViolated(
                "source \(sourceID) has no collected file, so it has no chain of custody",
                hint: "record the file with `verity source add ... --file PATH` when it is collected")
        }
        var file: (name: String, hash: String, size: Int)?
        if let filePath {
            let digest = try SHA256Digest.hex(ofFileAt: filePath)
            guard digest.hex == expected || event == .corrected else {
                throw VerityError.ruleViolated(
                    "\(filePath) is not a copy of source \(sourceID)'s collected file: its SHA-256 is \(digest.hex), the collected file's is \(expected); nothing was recorded",
                    hint: "copy the evidentiary file again, bit for bit, and hash the new copy")
            }
            file = (URL(fileURLWithPath: filePath).lastPathComponent, digest.hex, digest.size)
        }
        if despiteMismatch != nil, event != .handedOver {
            throw VerityError.usage("--despite-mismatch is for --event handed-over")
        }
        // The database asks for the reason only when the file's last verification was a mismatch.
        let id: Int = try change(as: actor, reason: despiteMismatch) { db in
            try db.query(
                """
                SELECT verity_custody_event(\(sourceID), \(event.rawValue), p_at => \(at), p_tool => \(tool),
                       p_sha256 => \(file?.hash), p_copy_kind => \(copy?.rawValue), p_file_name => \(file?.name),
                       p_file_size => \(file?.size), p_to_holder => \(holder), p_note => \(note)) AS id
                """)[0].decode("id")
        }
        guard let recorded = try custody(ofSource: sourceID).first(where: { $0.id == id }) else {
            throw VerityError(.failure, "custody event \(id) of source \(sourceID) was recorded but cannot be read back")
        }
        return recorded
    }

    /// Hashes the file at `path`, compares it with the hash taken at collection
    /// and appends a `verified` event with the outcome, match or not.
    public func verifySource(
        _ sourceID: Int, filePath: String, note: String? = nil, as actor: String?
    ) throws -> FileVerification {
        let source = try source(sourceID)
        guard let expected = source.fileSha256 else {
            throw VerityError.ruleViolated(
                "source \(sourceID) has no collected file hash to verify against",
                hint: "only sources recorded with `verity source add ... --file PATH` can be verified")
        }
        let digest = try SHA256Digest.hex(ofFileAt: filePath)
        let matches = digest.hex == expected
        let name = URL(fileURLWithPath: filePath).lastPathComponent
        let id: Int = try change(as: actor) { db in
            try db.query(
                """
                SELECT verity_custody_event(\(sourceID), 'verified', p_sha256 => \(digest.hex), p_file_name => \(name),
                       p_file_size => \(digest.size), p_note => \(note), p_outcome => \(matches ? "match" : "mismatch")) AS id
                """)[0].decode("id")
        }
        return FileVerification(
            sourceID: sourceID, file: filePath, sha256: digest.hex, size: digest.size, expectedSha256: expected,
            matches: matches, eventID: id)
    }
}
