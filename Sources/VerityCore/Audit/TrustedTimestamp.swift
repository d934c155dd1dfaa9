import Foundation
import PostgresClient

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

    struct Tool {
        var status: Int32
        var output: Data
        var errors: String
    }

    /// Runs `tool` (openssl or curl) from the PATH with `arguments`.
    static func run(_ tool: String, _ arguments: [String]) throws -> Tool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        // The command's environment (PATH, proxies), not necessarily this process's.
        process.environment = ProcessEnvironment.current
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw VerityError(.failure, "cannot run \(tool): \(error.localizedDescription)", hint: "install \(tool); trusted timestamps need openssl and curl")
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 127 {
            throw VerityError(.failure, "cannot run \(tool): not found on the PATH", hint: "install \(tool); trusted timestamps need openssl and curl")
        }
        return Tool(status: process.terminationStatus, output: output, errors: errors)
    }

    static func temporaryPath(_ suffix: String) -> String {
        NSTemporaryDirectory() + "verity-ts-\(getpid())-\(UUID().uuidString)\(suffix)"
    }

    /// Asks the TSA at `url` to stamp `head` (a SHA-256 in hex); returns the reply (DER) and its time.
    public static func request(head: String, tsa url: String) throws -> (reply: Data, stampedAt: String) {
        let query = temporaryPath(".tsq")
        let reply = temporaryPath(".tsr")
        defer { for path in [query, reply] { try? FileManager.default.removeItem(atPath: path) } }
        let made = try run("openssl", ["ts", "-query", "-digest", head, "-sha256", "-cert", "-out", query])
        guard made.status == 0 else {
            throw VerityError(.failure, "openssl could not make the time-stamp request: \(made.errors.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let sent = try run("curl", [
            "--silent", "--show-error", "--fail", "--connect-timeout", "10", "--max-time", "60", "--header", "Content-Type: application/timestamp-query",
            "--data-binary", "@" + query, "--output", reply, url,
        ])
        guard sent.status == 0, let data = FileManager.default.contents(atPath: reply) else {
            throw VerityError(
                .unavailable, "the time-stamping authority at \(url) did not answer: \(sent.errors.trimmingCharacters(in: .whitespacesAndNewlines))",
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
        let shown = String(decoding: text.output, as: UTF8.self)
        guard text.status == 0, shown.contains("Status: Granted") else {
            throw VerityError(
                .failure, "the time-stamping authority at \(url) did not grant the stamp: \(shown.split(separator: "\n").prefix(3).joined(separator: "; "))")
        }
        guard let line = shown.split(separator: "\n").first(where: { $0.hasPrefix("Time stamp: ") }) else {
            throw VerityError(.failure, "the reply of \(url) holds no time stamp")
        }
        // "Time stamp: Dec  5 10:57:45 2026 GMT" → 2026-12-05T10:57:45Z
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy 'GMT'"
        let raw = line.dropFirst("Time stamp: ".count).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        let withoutFraction = raw.replacingOccurrences(of: #"\.\d+"#, with: "", options: .regularExpression)
        guard let date = formatter.date(from: withoutFraction) else {
            throw VerityError(.failure, "cannot read the time \"\(raw)\" of the reply of \(url)")
        }
        return TimestampText.format(date)
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
            VALUES (\(head), \(url), decode(\(reply.map { String(format: "%02x", $0) }.joined()), 'hex'), \(stampedAt)::timestamptz, \(reviewer))
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
