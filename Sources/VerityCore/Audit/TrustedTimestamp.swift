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

/// Trusted timestamps (RFC 3161) of the desk's head hash: a time-stamping authority (TSA)
/// signs "this hash existed at this time", so a head anchored that way cannot have been
/// made later. The request, the signature check and the reading of a token go through the
/// `openssl ts` command and the transport through `curl`, both on the PATH (the openssl that
/// libpq's libcrypto comes with); a token is stored whole, in `audit_stamps`, as the TSA's reply.
public enum TrustedTimestamp {
    /// One stored stamp.
    public struct Stamp: Sendable, Encodable {
        public var id: Int
        public var head: String
        public var tsaURL: String
        public var stampedAt: String
        public var recordedBy: String?
        /// Set by `verify`: whether the token verifies for its head against the CA given.
        public var verified: Bool?
        public var problem: String?
    }

    /// Runs `tool` (openssl or curl) from the PATH with `arguments`.
    static func run(_ tool: String, _ arguments: [String]) throws -> Subprocess.Outcome {
        // The command's environment (PATH, proxies), not necessarily this process's.
        let outcome = try Subprocess.run(
            "/usr/bin/env", [tool] + arguments, separateErrors: true, environment: ProcessEnvironment.current.variables)
        if outcome.status == 127 {
            throw VerityError(.failure, "cannot run \(tool): not found on the PATH", hint: "install \(tool); trusted timestamps need openssl and curl")
        }
        return outcome
    }

    static func temporaryPath(_ suffix: String) -> String {
        POSIXFile.temporaryDirectory + "verity-ts-\(UUID().uuidString)\(suffix)"
    }

    /// Asks the TSA at `url` to stamp `head` (a SHA-256 in hex); returns the reply (DER) and its time.
    public static func request(head: String, tsa url: String) throws -> (reply: Data, stampedAt: String) {
        let query = temporaryPath(".tsq")
        let reply = temporaryPath(".tsr")
        defer { for path in [query, reply] { try? FileManager.default.removeItem(atPath: path) } }
        let made = try run("openssl", ["ts", "-query", "-digest", head, "-sha256", "-cert", "-out", query])
        guard made.status == 0 else {
            throw VerityError(.failure, "openssl could not make the time-stamp request: \(made.errors.trimmed)")
        }
        let sent = try run("curl", [
            "--silent", "--show-error", "--fail", "--connect-timeout", "10", "--max-time", "60", "--header", "Content-Type: application/timestamp-query",
            "--data-binary", "@" + query, "--output", reply, url,
        ])
        guard sent.status == 0, let data = FileManager.default.contents(atPath: reply) else {
            throw VerityError(
                .unavailable, "the time-stamping authority at \(url) did not answer: \(sent.errors.trimmed)",
                hint: "check the URL (an RFC 3161 TSA takes POSTs of application/timestamp-query) and the network")
        }
        let stampedAt = try time(of: data, from: url)
        return (data, stampedAt)
    }

    /// The time a reply's token states, after checking that the TSA granted it.
    static func time(of reply: Data, from url: String) throws -> String {
        let path = temporaryPath(".tsr")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try reply.write(to: URL(fileURLWithPath: path))
        let text = try run("openssl", ["ts", "-reply", "-in", path, "-text"])
        let shown = text.output
        guard text.status == 0, shown.contains("Status: Granted") else {
            throw VerityError(
                .failure, "the time-stamping authority at \(url) did not grant the stamp: \(shown.split(separator: "\n").prefix(3).joined(separator: "; "))")
        }
        guard let line = shown.split(separator: "\n").first(where: { $0.hasPrefix("Time stamp: ") }) else {
            throw VerityError(.failure, "the reply of \(url) holds no time stamp")
        }
        // "Time stamp: Dec  5 10:57:45 2026 GMT" (or "10:57:45.123 ...") → 2026-12-05T10:57:45Z
        let raw = line.dropFirst("Time stamp: ".count).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        guard let stamped = opensslTime(raw) else {
            throw VerityError(.failure, "cannot read the time \"\(raw)\" of the reply of \(url)")
        }
        return stamped
    }

    /// openssl's "Dec 5 10:57:45 2026 GMT" (seconds' fraction dropped) as ISO 8601 in UTC.
    static func opensslTime(_ text: String) -> String? {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let match = text.wholeMatch(of: #/([A-Z][a-z]{2}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? (\d{4}) GMT/#),
            let month = months.firstIndex(of: String(match.1)), let day = Int(match.2), (1...31).contains(day)
        else { return nil }
        let two = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
        let iso = "\(match.6)-\(two(month + 1))-\(two(day))T\(match.3):\(match.4):\(match.5)Z"
        return TimestampText.parse(iso).map(TimestampText.format)
    }

    /// Whether `reply` is a token for `head` signed by a TSA whose certificate chains to `caFile`.
    public static func verify(reply: Data, head: String, caFile: String) throws -> String? {
        let path = temporaryPath(".tsr")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try reply.write(to: URL(fileURLWithPath: path))
        let checked = try run("openssl", ["ts", "-verify", "-digest", head, "-in", path, "-CAfile", caFile])
        if checked.status == 0 { return nil }
        let reason = checked.errors.split(separator: "\n").first { $0.contains("error:") }
            .map { String($0.split(separator: ":").last ?? "") } ?? "verification failed"
        return "the token does not verify for head \(head) against \(caFile): \(reason)"
    }
}

extension Desk {
    /// Stamps the desk's current head with the TSA at `url`, and stores the token.
    public func stampHead(tsa url: String, by reviewer: String?) throws -> TrustedTimestamp.Stamp {
        let head = try historyHead()
        let (reply, stampedAt) = try TrustedTimestamp.request(head: head, tsa: url)
        return try storeStamp(head: head, tsa: url, reply: reply, stampedAt: stampedAt, by: reviewer)
    }

    /// Keeps a token in `audit_stamps` (append-only; only the desk owner may write it).
    func storeStamp(head: String, tsa url: String, reply: Data, stampedAt: String, by reviewer: String?) throws -> TrustedTimestamp.Stamp {
        let row = try db.query(
            """
            INSERT INTO audit_stamps (head, tsa_url, token, stamped_at, recorded_by)
            VALUES (\(head), \(url), decode(\(SHA256Hasher.hex(reply)), 'hex'), \(stampedAt)::timestamptz, \(reviewer))
            RETURNING id
            """)[0]
        return TrustedTimestamp.Stamp(
            id: try row.decode("id"), head: head, tsaURL: url, stampedAt: stampedAt, recordedBy: reviewer)
    }

    /// Every stored stamp; with `caFile`, each token verified for its head.
    public func stamps(verifyingWith caFile: String?) throws -> [TrustedTimestamp.Stamp] {
        let exists: Bool = try db.query("SELECT to_regclass('public.audit_stamps') IS NOT NULL AS e")[0].decode("e")
        guard exists else { return [] }
        let rows = try db.query(
            "SELECT id, head, tsa_url, encode(token, 'hex') AS token, verity_iso(stamped_at) AS stamped_at, recorded_by FROM audit_stamps ORDER BY id")
        return try rows.rows.map { row in
            var stamp = TrustedTimestamp.Stamp(
                id: try row.decode("id"), head: try row.decode("head"), tsaURL: try row.decode("tsa_url"),
                stampedAt: try row.decode("stamped_at"), recordedBy: try row.decode("recorded_by"))
            if let caFile {
                let hex: String = try row.decode("token")
                var bytes = [UInt8]()
                bytes.reserveCapacity(hex.utf8.count / 2)
                var index = hex.startIndex
                while index < hex.endIndex {
                    let next = hex.index(index, offsetBy: 2)
                    bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
                    index = next
                }
                stamp.problem = try TrustedTimestamp.verify(reply: Data(bytes), head: stamp.head, caFile: caFile)
                stamp.verified = stamp.problem == nil
            }
            return stamp
        }
    }
}
