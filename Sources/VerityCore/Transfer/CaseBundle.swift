#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// A verifiable bundle of one case or a selection: a directory that a court, a partner
/// desk or an archive can check without the database.
///
///     records.jsonl     the cases' rows as the archive writes them ("archive" records of cases,
///                       links to sources, assignments, evidence, proposals, case links, the
///                       sources and their custody events), then every row of each case's
///                       history chain as a "chain" record, in the exact text the hash covers
///     dossier/REF.md    the dossier of each case (`verity report case`), markdown and HTML
///     dossier/REF.html
///     files/NAME        the source files given with --files, each the file the desk hashed
///     desk-head.txt     with --tsa: every line the desk's head hash covers (`verity audit head`), taken
///     desk-head.tsr     in the same snapshot as the records, and the RFC 3161 token of that head
///     manifest.json     format, who made the bundle and when, the filter, every case with its
///                       chain's head, the SHA-256 and size of every other file, and last its
///                       own hash, over the manifest's text before that field (closed by "}")
///
/// `verify` recomputes every file's hash, every chain (with `HistoryChain.expectedHash`, the one
/// definition the audit uses) and the manifest's own hash. The manifest's hash shows the bundle
/// is as it was written; that it is what the desk holds is shown by its chain heads, which
/// `verity audit verify` on the desk (or a head anchored elsewhere) can confirm.
public enum CaseBundle {
    public static let format = "verity-bundle-1"
    public static let manifestName = "manifest.json"
    public static let recordsName = "records.jsonl"
    public static let deskHeadName = "desk-head.txt"
    public static let stampName = "desk-head.tsr"

    /// What `write` wrote.
    public struct Written: Sendable, Encodable {
        public var directory: String
        public var cases: [String]
        public var restrictedCases: Int
        public var files: [String]
        public var missingFiles: [String]
        public var manifestSHA256: String
    }

    /// One problem `verify` found, naming the file (and line) it is in.
    public struct Problem: Sendable, Encodable, CustomStringConvertible {
        public var file: String
        public var problem: String
        public var description: String { "\(file): \(problem)" }
    }

    /// What `verify` found.
    public struct Verification: Sendable, Encodable {
        public var intact: Bool { problems.isEmpty }
        public var cases = 0
        public var chainRows = 0
        public var files = 0
        public var manifestSHA256: String?
        /// The desk head the bundle's cases are under (with a stamp), and whether its token was
        /// verified (nil: no stamp, or no CA given).
        public var deskHead: String?
        public var stampVerified: Bool?
        public var problems: [Problem] = []

        enum CodingKeys: String, CodingKey { case intact, cases, chainRows, files, manifestSHA256, deskHead, stampVerified, problems }
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(intact, forKey: .intact)
            try container.encode(cases, forKey: .cases)
            try container.encode(chainRows, forKey: .chainRows)
            try container.encode(files, forKey: .files)
            try container.encode(manifestSHA256, forKey: .manifestSHA256)
            try container.encode(deskHead, forKey: .deskHead)
            try container.encode(stampVerified, forKey: .stampVerified)
            try container.encode(problems, forKey: .problems)
        }
    }

    /// A case's file name in the bundle: its reference (or case-ID), with / and : made safe.
    static func fileName(ref: String?, id: Int) -> String {
        (ref ?? "case-\(id)").replacing("/", with: "_").replacing(":", with: "_")
    }

    static func sha256(_ data: Data) -> String { data.withUnsafeBytes { SHA256Hasher.hex(of: $0) } }

    static func hexDigest(_ text: String) -> String {
        var hasher = SHA256Hasher()
        hasher.update(text)
        return hasher.hexDigest()
    }

    /// The manifest's text with its own hash as the last field.
    static func sealed(_ body: JSONLineWriter) -> (text: String, hash: String) {
        let hash = hexDigest(body.text + "}")
        return (body.text + ",\"manifest_sha256\":\"\(hash)\"}\n", hash)
    }

    // MARK: verify

    /// Checks the bundle in `directory` without a database; every problem is named.
    public static func verify(directory: String, tsaCA: String? = nil) -> Verification {
        var result = Verification()
        func problem(_ file: String, _ text: String) { result.problems.append(Problem(file: file, problem: text)) }
        let root = URL(fileURLWithPath: directory)
        guard let manifestData = FileManager.default.contents(atPath: root.appendingPathComponent(manifestName).path),
            let manifestText = String(data: manifestData, encoding: .utf8)
        else {
            problem(manifestName, "missing or not UTF-8: this is not a bundle written by `verity export bundle`")
            return result
        }
        // The manifest's own hash: over its text before the last field, closed by "}".
        let trimmed = manifestText.hasSuffix("\n") ? String(manifestText.dropLast()) : manifestText
        let marker = ",\"manifest_sha256\":\""
        if let range = trimmed.ranges(of: marker).last, trimmed.hasSuffix("\"}") {
            let stated = String(trimmed[range.upperBound...].dropLast(2))
            let recomputed = hexDigest(String(trimmed[..<range.lowerBound]) + "}")
            result.manifestSHA256 = stated
            if stated != recomputed {
                problem(manifestName, "its own hash is \(stated) but its content hashes to \(recomputed): the manifest was edited after it was written")
            }
        } else {
            problem(manifestName, "has no manifest_sha256 as its last field")
        }
        guard let parsed = try? JSONLineParser.parse(trimmed), case .object(let members) = parsed else {
            problem(manifestName, "is not a JSON object")
            return result
        }
        func member(_ object: [(String, JSONField)], _ key: String) -> JSONField? { object.first { $0.0 == key }?.1 }
        func string(_ field: JSONField?) -> String? { if case .string(let text)? = field { return text } else { return nil } }
        if string(member(members, "format")) != format {
            problem(manifestName, "format is not \(format)")
        }

        // Every listed file is there with its hash; nothing else is there.
        var listed = Set([manifestName])
        if case .array(let files)? = member(members, "files") {
            for file in files {
                guard case .object(let entry) = file, let path = string(member(entry, "path")),
                    let expected = string(member(entry, "sha256"))
                else {
                    problem(manifestName, "a file entry without path and sha256")
                    continue
                }
                listed.insert(path)
                result.files += 1
                guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                    problem(path, "names a place outside the bundle")
                    continue
                }
                guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path) else {
                    problem(path, "is listed in the manifest but missing")
                    continue
                }
                let actual = sha256(data)
                if actual != expected {
                    problem(path, "SHA-256 is \(actual), the manifest says \(expected): the file was changed after the bundle was written")
                }
            }
        } else {
            problem(manifestName, "lists no files")
        }
        if let paths = try? FileManager.default.subpathsOfDirectory(atPath: directory) {
            for path in paths {
                var isDirectory = false
                _ = FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory)
                if !isDirectory, !listed.contains(path) {
                    problem(path, "is not in the manifest: it was added after the bundle was written")
                }
            }
        }

        // Every case's chain, recomputed from the records, ends at the head the manifest gives.
        var heads: [Int: (ref: String, head: String)] = [:]
        if case .array(let cases)? = member(members, "cases") {
            for item in cases {
                guard case .object(let entry) = item, case .number(let idText)? = member(entry, "id"), let id = Int(idText),
                    let head = string(member(entry, "head"))
                else {
                    problem(manifestName, "a case entry without id and head")
                    continue
                }
                heads[id] = (string(member(entry, "ref")) ?? "case-\(id)", head)
            }
        }
        result.cases = heads.count
        // With a stamp: the desk head is the hash of the lines in desk-head.txt, which hold every
        // bundled case's head, and the token stamps that desk head.
        if let deskHead = string(member(members, "desk_head")) {
            result.deskHead = deskHead
            if let lines = FileManager.default.contents(atPath: root.appendingPathComponent(deskHeadName).path) {
                let text = String(decoding: lines, as: UTF8.self)
                let recomputed = sha256(lines)
                if recomputed != deskHead {
                    problem(deskHeadName, "hashes to \(recomputed), but the manifest's desk head is \(deskHead)")
                }
                let held = Set(text.split(separator: "\n").map(String.init))
                for (id, entry) in heads.sorted(by: { $0.key < $1.key }) where !held.contains("\(id):\(entry.head)") {
                    problem(deskHeadName, "does not hold the head of \(entry.ref), so the stamp does not cover it")
                }
            } else {
                problem(deskHeadName, "is missing, so the stamp covers nothing in the bundle")
            }
            if let tsaCA {
                if let token = FileManager.default.contents(atPath: root.appendingPathComponent(stampName).path) {
                    do {
                        if let failure = try TrustedTimestamp.verify(reply: token, head: deskHead, caFile: tsaCA) {
                            problem(stampName, failure)
                            result.stampVerified = false
                        } else {
                            result.stampVerified = true
                        }
                    } catch {
                        problem(stampName, "cannot be checked: \(error)")
                        result.stampVerified = false
                    }
                } else {
                    problem(stampName, "is missing")
                    result.stampVerified = false
                }
            }
        }
        guard let records = FileManager.default.contents(atPath: root.appendingPathComponent(recordsName).path) else {
            if !heads.isEmpty { problem(recordsName, "is missing, so no chain can be recomputed") }
            return result
        }
        var chains: [Int: (seq: Int, hash: String?)] = [:]
        var lineNumber = 0
        for line in records.split(separator: 10, omittingEmptySubsequences: false) {
            lineNumber += 1
            guard !line.isEmpty else { continue }
            guard let value = try? JSONLineParser.parse(Array(line)), case .object(let record) = value else {
                problem("\(recordsName):\(lineNumber)", "is not a JSON object")
                continue
            }
            guard string(member(record, "type")) == "chain" else { continue }
            func text(_ key: String) -> String? { string(member(record, key)) }
            func number(_ key: String) -> Int? { if case .number(let n)? = member(record, key) { return Int(n) } else { return nil } }
            guard let caseID = number("case_id"), let seq = number("seq"), let at = text("at"), let action = text("action"),
                let details = text("details")
            else {
                problem("\(recordsName):\(lineNumber)", "a chain record without case_id, seq, at, action and details")
                continue
            }
            result.chainRows += 1
            let row = HistoryChain.Row(
                id: number("id") ?? 0, caseID: caseID, seq: seq, at: at, actorID: text("actor_id"), action: action,
                fromState: text("from"), toState: text("to"), reason: text("reason"), details: details,
                prevHash: text("prev_hash"), hash: text("hash"))
            let name = heads[caseID]?.ref ?? "case \(caseID)"
            let previous = chains[caseID] ?? (0, nil)
            if seq != previous.seq + 1 {
                problem("\(recordsName):\(lineNumber)", "the chain of \(name) goes from seq \(previous.seq) to \(seq): a row is missing or out of order")
            }
            if row.prevHash != previous.hash {
                problem("\(recordsName):\(lineNumber)", "the chain of \(name) at seq \(seq) does not continue the row before it")
            }
            let expected = HistoryChain.expectedHash(of: row)
            if expected == nil || expected != row.hash {
                problem("\(recordsName):\(lineNumber)", "the chain of \(name) at seq \(seq): the row does not match its hash (it was edited)")
            }
            chains[caseID] = (seq, row.hash)
        }
        for (id, entry) in heads.sorted(by: { $0.key < $1.key }) {
            guard let chain = chains[id] else {
                problem(recordsName, "holds no chain of \(entry.ref), which the manifest lists")
                continue
            }
            if chain.hash != entry.head {
                problem(recordsName, "the chain of \(entry.ref) ends at \(chain.hash ?? "-"), the manifest says its head is \(entry.head)")
            }
        }
        for id in chains.keys.sorted() where heads[id] == nil {
            problem(recordsName, "holds the chain of case \(id), which the manifest does not list")
        }
        return result
    }
}

extension Desk {
    /// Writes the bundle of the cases named and the cases `selection` matches into `directory`
    /// (created; it must not exist or be empty). `filesFrom` is a directory where the sources'
    /// files are found by their recorded names; each is checked against its recorded SHA-256.
    ///
    /// With `tsa`, the lines of the desk's head (in the records' snapshot) go in too, with the
    /// token of that head from the time-stamping authority, which the desk also keeps (`audit_stamps`).
    public func writeBundle(
        cases keys: [CaseKey], selection: BulkSelection, filesFrom: String?, to directory: String, madeBy: String?,
        tsa: String? = nil
    ) throws -> CaseBundle.Written {
        let manager = FileManager.default
        var isDirectory = false
        if manager.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory, (try? manager.contentsOfDirectory(atPath: directory))?.isEmpty == true else {
                throw VerityError.usage(
                    "--output \(directory) exists and is not an empty directory",
                    hint: "name a new directory: a bundle is written whole, never into other files")
            }
        }
        var ids: [Int] = []
        for key in keys { ids.append(try findCase(key).id) }
        if !selection.isEmpty {
            let matched = try db.query("SELECT c.id FROM cases c WHERE " + selection.condition + " ORDER BY c.id")
            ids += try matched.rows.map { try $0.decode("id", as: Int.self) }
        }
        ids = Array(Set(ids)).sorted()
        guard !ids.isEmpty else {
            throw VerityError.notFound(
                "no case matches \(selection.description)", hint: "look first with `verity case list` and the same filters")
        }

        let root = URL(fileURLWithPath: directory)
        var written: [(path: String, data: Data)] = []
        var caseEntries: [(id: Int, ref: String?, restricted: Bool, head: String, rows: Int)] = []
        var sourceFiles: [(name: String, sha256: String)] = []
        var deskHeadLines: String?
        try db.transaction(.repeatableRead) { db in
            // The chain's text as the hash covers it (HistoryChain): timestamps in UTC, ISO.
            try db.execute(unsafeSQL: "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'")
            var records = ""
            let idList = "ARRAY[" + ids.map(String.init).joined(separator: ",") + "]::bigint[]"
            let sources = "(SELECT l.source_id FROM case_sources l WHERE l.case_id = ANY (\(idList)))"
            let filters: [String: String] = [
                "cases": "x.id = ANY (\(idList))", "sources": "x.id IN \(sources)",
                "case_sources": "x.case_id = ANY (\(idList))", "case_assignments": "x.case_id = ANY (\(idList))",
                "evidence_notes": "x.case_id = ANY (\(idList))", "verdict_proposals": "x.case_id = ANY (\(idList))",
                "case_links": "(x.case_id = ANY (\(idList)) OR x.other_id = ANY (\(idList)))",
                "source_custody_events": "x.source_id IN \(sources)",
            ]
            for table in Exporter.archiveTables {
                guard let filter = filters[table.name] else { continue }
                for row in try db.query(Query(unsafeSQL: table.query(where: filter))).rows {
                    records += try Exporter.archiveLine(table, row)
                }
            }
            let chain = try db.query(Query(unsafeSQL: """
                SELECT h.id, h.case_id, c.ref, c.restricted, h.seq, h.at::text AS at, h.actor_id::text AS actor_id,
                       v.handle AS by, h.action, h.from_state, h.to_state, h.reason, h.details::text AS details,
                       h.prev_hash, h.hash
                  FROM case_history h JOIN cases c ON c.id = h.case_id LEFT JOIN reviewers v ON v.id = h.actor_id
                 WHERE h.case_id = ANY (\(idList)) ORDER BY h.case_id, h.seq
                """))
            for row in chain.rows {
                let caseID = try row.decode("case_id", as: Int.self)
                var json = JSONLineWriter()
                json.field("type", "chain")
                json.field("case", try row.text("ref") ?? "case-\(caseID)")
                json.field("case_id", caseID)
                json.field("id", try row.decode("id", as: Int.self))
                json.field("seq", try row.decode("seq", as: Int.self))
                json.field("at", try row.text("at"))
                json.field("actor_id", try row.text("actor_id"))
                json.field("by", try row.text("by"))
                json.field("action", try row.text("action"))
                json.field("from", try row.text("from_state"))
                json.field("to", try row.text("to_state"))
                json.field("reason", try row.text("reason"))
                json.field("details", try row.text("details"))
                json.field("prev_hash", try row.text("prev_hash"))
                json.field("hash", try row.text("hash"))
                records += json.line()
                let hash = try row.text("hash") ?? ""
                if let last = caseEntries.last, last.id == caseID {
                    caseEntries[caseEntries.count - 1].head = hash
                    caseEntries[caseEntries.count - 1].rows += 1
                } else {
                    caseEntries.append((caseID, try row.text("ref"), try row.decode("restricted", as: Bool.self), hash, 1))
                }
            }
            written.append((CaseBundle.recordsName, Data(records.utf8)))
            let files = try db.query(Query(unsafeSQL: """
                SELECT DISTINCT o.file_name, o.file_sha256 FROM sources o
                 WHERE o.id IN \(sources) AND o.file_name IS NOT NULL ORDER BY o.file_name
                """))
            sourceFiles = try files.rows.map { (try $0.decode("file_name", as: String.self), try $0.decode("file_sha256", as: String.self)) }
            if tsa != nil {
                var lines = ""
                try Self.forEachHeadLine(db) { lines += $0 }
                deskHeadLines = lines
            }
        }
        var stamp: TrustedTimestamp.Stamp?
        if let tsa, let deskHeadLines {
            let data = Data(deskHeadLines.utf8)
            let head = CaseBundle.sha256(data)
            let (reply, stampedAt) = try TrustedTimestamp.request(head: head, tsa: tsa)
            stamp = try storeStamp(head: head, tsa: tsa, reply: reply, stampedAt: stampedAt, by: madeBy)
            written.append((CaseBundle.deskHeadName, data))
            written.append((CaseBundle.stampName, reply))
        }
        for entry in caseEntries {
            let dossier = try caseDossier(.id(entry.id))
            let name = CaseBundle.fileName(ref: entry.ref, id: entry.id)
            written.append(("dossier/\(name).md", Data(dossier.markdown().utf8)))
            written.append(("dossier/\(name).html", Data(dossier.html().utf8)))
        }
        var copied: [String] = []
        var missing: [String] = []
        if let filesFrom {
            for file in sourceFiles {
                let name = URL(fileURLWithPath: file.name).lastPathComponent
                guard let data = manager.contents(atPath: URL(fileURLWithPath: filesFrom).appendingPathComponent(name).path) else {
                    missing.append(name)
                    continue
                }
                let actual = CaseBundle.sha256(data)
                guard actual == file.sha256 else {
                    throw VerityError.ruleViolated(
                        "\(filesFrom)/\(name) is not the file the desk recorded: its SHA-256 is \(actual), the desk's \(file.sha256)",
                        hint: "give the directory that holds the collected files (`verity source verify` checks one)")
                }
                written.append(("files/\(name)", data))
                copied.append(name)
            }
        }

        try manager.createDirectory(at: root.appendingPathComponent("dossier"), withIntermediateDirectories: true)
        if !copied.isEmpty { try manager.createDirectory(at: root.appendingPathComponent("files"), withIntermediateDirectories: true) }
        for file in written { try file.data.write(to: root.appendingPathComponent(file.path)) }

        var manifest = JSONLineWriter()
        manifest.field("format", CaseBundle.format)
        manifest.field("made_by", madeBy)
        manifest.field("made_at", TimestampText.format(Date()))
        var filter = JSONLineWriter()
        filter.field("cases", keys.map { key -> String in
            switch key {
            case .id(let id): return String(id)
            case .ref(let ref): return ref
            }
        })
        filter.field("where", selection.isEmpty ? nil : selection.description)
        manifest.field("filter", json: filter.text + "}")
        manifest.field("cases", json: "[" + caseEntries.map { entry in
            var item = JSONLineWriter()
            item.field("id", entry.id)
            item.field("ref", entry.ref)
            item.field("restricted", entry.restricted)
            item.field("rows", entry.rows)
            item.field("head", entry.head)
            return item.text + "}"
        }.joined(separator: ",") + "]")
        manifest.field("files", json: "[" + written.sorted { $0.path < $1.path }.map { file in
            var item = JSONLineWriter()
            item.field("path", file.path)
            item.field("sha256", CaseBundle.sha256(file.data))
            item.field("bytes", file.data.count)
            return item.text + "}"
        }.joined(separator: ",") + "]")
        manifest.field("missing_files", missing)
        if let stamp {
            manifest.field("desk_head", stamp.head)
            var stamped = JSONLineWriter()
            stamped.field("tsa_url", stamp.tsaURL)
            stamped.field("stamped_at", stamp.stampedAt)
            stamped.field("stamp_id", stamp.id)
            manifest.field("stamp", json: stamped.text + "}")
        }
        let sealed = CaseBundle.sealed(manifest)
        try Data(sealed.text.utf8).write(to: root.appendingPathComponent(CaseBundle.manifestName))
        return CaseBundle.Written(
            directory: directory, cases: caseEntries.map { CaseBundle.fileName(ref: $0.ref, id: $0.id) },
            restrictedCases: caseEntries.filter(\.restricted).count, files: copied, missingFiles: missing,
            manifestSHA256: sealed.hash)
    }
}
