#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// What a reviewer gives to record a source.
public struct SourceDraft: Sendable {
    public var url: String
    public var title: String
    public var publisher: String
    public var author: String?
    public var publishedAt: CalendarDate?
    public var kind: SourceKind = .article
    public var reliability: Reliability = .F
    /// A local copy to hash; the file itself is not stored.
    public var filePath: String?
    public var archiveURL: String?
    public var ref: String?
    /// How the file was collected (time, tool, copy kind); recorded as its first custody event.
    public var collection = FileCollection()

    public init(url: String, title: String, publisher: String) {
        self.url = url
        self.title = title
        self.publisher = publisher
    }
}

/// What `source link` did.
public enum SourceLinkOutcome: Sendable, Equatable {
    case linked
    case roleChanged(from: SourceRole?)
    case unchanged
}

extension Desk {
    nonisolated(unsafe) static let urlPattern = #/[A-Za-z][A-Za-z0-9+.-]*:[^\s]+/#

    static let sourceColumns: Query = """
        SELECT s.id, s.ref, s.url, s.title, s.publisher, s.author, s.published_at, s.kind, s.reliability,
               s.file_name, s.file_sha256, s.file_size, s.archive_url, r.handle AS added_by, s.created_at,
               coalesce((SELECT array_agg(cs.case_id ORDER BY cs.case_id)::text[] FROM case_sources cs
                          WHERE cs.source_id = s.id), '{}') AS cases
          FROM sources s LEFT JOIN reviewers r ON r.id = s.added_by
        """

    /// Records a source (hashing its file, if given) and links it to `cases`, all in one transaction.
    /// `role` is what the source is to those cases; nil leaves it to the export's rule
    /// (docs/import-export.md, "Source roles").
    @discardableResult
    public func addSource(
        _ draft: SourceDraft, linkTo cases: [CaseKey] = [], role: SourceRole? = nil, as actor: String?
    ) throws -> Source {
        for (value, field) in [(draft.url, "the URL"), (draft.archiveURL, "--archive-url")] {
            guard let value else { continue }
            guard value.wholeMatch(of: Self.urlPattern) != nil else {
                throw VerityError.usage(
                    "\(field) \"\(value)\" is not a URL", hint: "give a full address such as https://example.org/page")
            }
        }
        try Self.validate(text: draft.title, field: "--title", limit: .limit("sources", "title"))
        try Self.validate(text: draft.publisher, field: "--publisher", limit: .limit("sources", "publisher"))
        try FieldLimit.limit("sources", "url").check(draft.url, as: "the URL")
        try FieldLimit.limit("sources", "archive_url").check(draft.archiveURL, as: "--archive-url")
        try FieldLimit.limit("sources", "author").check(draft.author, as: "--author")
        if let ref = draft.ref { try Self.validate(ref: ref) }
        var file: (name: String, hash: String, size: Int)?
        if let path = draft.filePath {
            let digest = try SHA256Digest.hex(ofFileAt: path)
            file = (URL(fileURLWithPath: path).lastPathComponent, digest.hex, digest.size)
        }
        let targets = try cases.map { try findCase($0) }
        let id: Int = try change(as: actor) { db in
            let inserted: Int
            do {
                inserted = try db.query(
                    """
                    INSERT INTO sources (ref, url, title, publisher, author, published_at, kind, reliability,
                                         file_name, file_sha256, file_size, archive_url, added_by)
                    VALUES (\(draft.ref), \(draft.url), \(draft.title), \(draft.publisher), \(draft.author),
                            \(draft.publishedAt), \(draft.kind.rawValue), \(draft.reliability.rawValue),
                            \(file?.name), \(file?.hash), \(file?.size), \(draft.archiveURL), verity_actor_id())
                    RETURNING id
                    """)[0].decode("id")
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                throw VerityError.usage("a source with the reference \"\(draft.ref ?? "")\" already exists")
            }
            if let file { try recordCollection(db, source: inserted, file: file, collection: draft.collection) }
            for target in targets {
                try db.query(
                    "INSERT INTO case_sources (case_id, source_id, role) VALUES (\(target.id), \(inserted), \(role?.rawValue))")
            }
            return inserted
        }
        return try source(id)
    }

    /// Links an existing source to a case with `role` (nil: not said); linking twice changes
    /// nothing, and a role given for an existing link sets it (a `source-role` history row).
    @discardableResult
    public func linkSource(
        _ sourceID: Int, to key: CaseKey, role: SourceRole? = nil, as actor: String?
    ) throws -> SourceLinkOutcome {
        _ = try source(sourceID)
        let target = try findCase(key)
        return try change(as: actor) { db in
            if try linkIfNeeded(db, source: sourceID, caseID: target.id, role: role) { return .linked }
            guard let role else { return .unchanged }
            let row = try db.query(
                "SELECT role FROM case_sources WHERE case_id = \(target.id) AND source_id = \(sourceID) FOR UPDATE").first
            let previous = try row?.decode("role", as: String?.self).flatMap(SourceRole.init(rawValue:))
            guard previous != role else { return .unchanged }
            try db.query(
                "UPDATE case_sources SET role = \(role.rawValue) WHERE case_id = \(target.id) AND source_id = \(sourceID)")
            return .roleChanged(from: previous)
        }
    }

    func linkIfNeeded(_ db: Connection, source: Int, caseID: Int, role: SourceRole? = nil) throws -> Bool {
        try db.query(
            """
            INSERT INTO case_sources (case_id, source_id, role) VALUES (\(caseID), \(source), \(role?.rawValue))
            ON CONFLICT (case_id, source_id) DO NOTHING RETURNING case_id
            """
        ).rowCount == 1
    }

    /// The id of the source named by `name`: its id, or its reference (`source add --ref`).
    /// A source the caller may not see is "no source", as one that does not exist.
    public func sourceID(named name: String) throws -> Int {
        if let id = Int(name), id > 0 { return id }
        guard let row = try db.query("SELECT id FROM sources WHERE ref = \(name)").first else {
            throw VerityError.notFound("no source \(name)", hint: "list sources with `verity source list`")
        }
        return try row.decode("id")
    }

    public func source(_ id: Int) throws -> Source {
        guard let row = try db.query(Self.sourceColumns + " WHERE s.id = \(id)").first else {
            throw VerityError.notFound("no source \(id)", hint: "list sources with `verity source list`")
        }
        return try Self.decodeSource(row)
    }

    public func sources() throws -> [Source] {
        try db.query(Self.sourceColumns + " ORDER BY s.id").rows.map(Self.decodeSource)
    }

    func sources(forCase caseID: Int) throws -> [Source] {
        try db.query(Self.sourcesQuery(forCase: caseID)).rows.map(Self.decodeCaseSource)
    }

    /// The sources of a case, each with its link's role (said, or inferred by the export's rule).
    static func sourcesQuery(forCase caseID: Int) -> Query {
        "SELECT q.*, cs.role AS link_role, " + Query(unsafeSQL: effectiveRole) + " AS effective_role FROM ("
            + sourceColumns + " WHERE EXISTS (SELECT 1 FROM case_sources l WHERE l.source_id = s.id AND l.case_id = \(caseID))"
            + ") q JOIN case_sources cs ON cs.source_id = q.id AND cs.case_id = \(caseID) ORDER BY q.id"
    }

    static func decodeCaseSource(_ row: Row) throws -> Source {
        var source = try decodeSource(row)
        source.role = try row.decode("effective_role", as: String?.self).flatMap(SourceRole.init(rawValue:))
        source.roleInferred = try row.decode("link_role", as: String?.self) == nil
        return source
    }

    static func decodeSource(_ row: Row) throws -> Source {
        Source(
            id: try row.decode("id"), ref: try row.decode("ref"), url: try row.decode("url"),
            title: try row.decode("title"), publisher: try row.decode("publisher"), author: try row.decode("author"),
            publishedAt: try row.decode("published_at"),
            kind: SourceKind(rawValue: try row.decode("kind")) ?? .other,
            reliability: Reliability(rawValue: try row.decode("reliability")) ?? .F,
            fileName: try row.decode("file_name"), fileSha256: try row.decode("file_sha256"),
            fileSize: try row.decode("file_size"), archiveURL: try row.decode("archive_url"),
            addedBy: try row.decode("added_by"), createdAt: try row.decode("created_at"),
            cases: try row.decode("cases", as: [String].self).compactMap { Int($0) })
    }
}
