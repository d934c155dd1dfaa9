#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The canonical content of a history row and its hash, computed in Swift
/// independently of the database's trigger (sql/definitions/20_history_chain.sql), from the
/// columns' text as PostgreSQL sends them with `TimeZone = 'UTC'` and
/// `DateStyle = 'ISO, YMD'`. Both sides must agree byte for byte:
///
///     verity-history-v1\n<case_id>\n<seq>\n<at: YYYY-MM-DDTHH:MM:SS.ffffffZ>\n
///     <actor_id>\n<action>\n<from_state>\n<to_state>\n<reason>\n<details>\n<prev_hash>
///
/// where every field from actor_id on is "<length in characters (Unicode scalars), as
/// PostgreSQL's length() counts them>:<text>", or "-" for NULL, whatever the server encoding.
public enum HistoryChain {
    /// One row of `case_history` as text columns, the way the verifier reads it.
    public struct Row: Sendable {
        public var id: Int
        public var caseID: Int
        public var seq: Int
        public var at: String
        public var actorID: String?
        public var action: String
        public var fromState: String?
        public var toState: String?
        public var reason: String?
        public var details: String
        public var prevHash: String?
        public var hash: String?

        public init(
            id: Int, caseID: Int, seq: Int, at: String, actorID: String?, action: String, fromState: String?,
            toState: String?, reason: String?, details: String, prevHash: String?, hash: String?
        ) {
            self.id = id
            self.caseID = caseID
            self.seq = seq
            self.at = at
            self.actorID = actorID
            self.action = action
            self.fromState = fromState
            self.toState = toState
            self.reason = reason
            self.details = details
            self.prevHash = prevHash
            self.hash = hash
        }
    }

    /// The hash the row must carry, given its content and its stored prev_hash;
    /// nil when its timestamp is not in the form the canonical text needs.
    public static func expectedHash(of row: Row) -> String? {
        guard let at = canonicalTimestamp(row.at) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + row.details.utf8.count + (row.reason?.utf8.count ?? 0))
        func line(_ text: String) {
            bytes.append(contentsOf: text.utf8)
            bytes.append(0x0A)
        }
        func field(_ text: String?, last: Bool = false) {
            if let text {
                bytes.append(contentsOf: String(text.unicodeScalars.count).utf8)
                bytes.append(0x3A)
                bytes.append(contentsOf: text.utf8)
            } else {
                bytes.append(0x2D)
            }
            if !last { bytes.append(0x0A) }
        }
        line("verity-history-v1")
        line(String(row.caseID))
        line(String(row.seq))
        line(at)
        field(row.actorID)
        field(row.action)
        field(row.fromState)
        field(row.toState)
        field(row.reason)
        field(row.details)
        field(row.prevHash, last: true)
        return bytes.withUnsafeBytes { SHA256Hasher.hex(of: $0) }
    }

    /// "2022-09-16 12:00:00.5+00" (PostgreSQL's ISO output in UTC) →
    /// "2022-09-16T12:00:00.500000Z"; nil for anything else (BC dates, offsets).
    public static func canonicalTimestamp(_ text: String) -> String? {
        guard text.hasSuffix("+00") else { return nil }
        let body = text.dropLast(3)
        guard let space = body.firstIndex(of: " ") else { return nil }
        let date = body[..<space]
        let time = body[body.index(after: space)...]
        var seconds = time
        var fraction = Substring("")
        if let dot = time.firstIndex(of: ".") {
            seconds = time[..<dot]
            fraction = time[time.index(after: dot)...]
        }
        guard seconds.count == 8, fraction.count <= 6, fraction.allSatisfy(\.isNumber) else { return nil }
        return "\(date)T\(seconds).\(fraction)\(String(repeating: "0", count: 6 - fraction.count))Z"
    }

    /// Incrementally computes the database's head hash: SHA-256 over
    /// "case_id:head_hash\n" for each case, in increasing case id.
    public struct HeadHasher {
        private var hasher = SHA256Hasher()
        public init() {}
        public mutating func add(caseID: Int, head: String) {
            hasher.update("\(caseID):\(head)\n")
        }
        /// A record chain's head line, "table/row_id:hash\n" (sql/definitions/20_history_chain.sql), after every case's.
        public mutating func addLine(_ line: String) {
            hasher.update(line)
        }
        public func finalize() -> String { hasher.hexDigest() }
    }
}
