import Foundation
import PostgresClient
import Testing
import VerityTestSupport

/// A local RFC 3161 time-stamping authority: a throwaway CA, a TSA certificate it signed, and
/// `openssl ts -reply` behind a small HTTP server on 127.0.0.1 (no network).
final class LocalTSA {
    let directory: String
    let server: ChildProcess
    let url: String
    var caFile: String { directory + "/ca.pem" }

    init() throws {
        directory = NSTemporaryDirectory() + "verity-tsa-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try """
            [ tsa ]
            default_tsa = tsa_config
            [ tsa_config ]
            dir = .
            serial = ./serial
            crypto_device = builtin
            signer_digest = sha256
            default_policy = 1.2.3.4.1
            other_policies = 1.2.3.4.2
            digests = sha256
            accuracy = secs:1
            ordering = yes
            tsa_name = no
            ess_cert_id_chain = no
            ess_cert_id_alg = sha256
            [ tsa_ext ]
            extendedKeyUsage = critical,timeStamping
            basicConstraints = CA:false
            keyUsage = critical,digitalSignature
            """.write(toFile: directory + "/ts.cnf", atomically: true, encoding: .utf8)
        try "01\n".write(toFile: directory + "/serial", atomically: true, encoding: .utf8)
        try """
            import http.server, subprocess, sys
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    query = self.rfile.read(int(self.headers['Content-Length']))
                    reply = subprocess.run(['openssl', 'ts', '-reply', '-queryfile', '/dev/stdin', '-signer', 'tsa.pem',
                                            '-inkey', 'tsa.key', '-config', 'ts.cnf', '-out', '/dev/stdout'],
                                           input=query, capture_output=True, cwd=sys.argv[1]).stdout
                    self.send_response(200)
                    self.send_header('Content-Type', 'application/timestamp-reply')
                    self.send_header('Content-Length', str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                def log_message(self, *args):
                    pass
            server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """.write(toFile: directory + "/tsa.py", atomically: true, encoding: .utf8)
        for arguments in [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Verity test CA"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=Verity test TSA"],
            ["x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "tsa.pem",
             "-days", "2", "-extfile", "ts.cnf", "-extensions", "tsa_ext"],
        ] {
            let made = try ChildProcess("/usr/bin/env", ["sh", "-c", "cd \"$0\" && exec openssl \"$@\"", directory] + arguments).wait()
            #expect(made.status == 0, "openssl \(arguments.joined(separator: " ")): \(made.stderr)")
        }
        server = try ChildProcess("/usr/bin/env", ["python3", directory + "/tsa.py", directory])
        var port = ""
        for _ in 0..<100 where port.isEmpty {
            usleep(50_000)
            port = server.stdoutSoFar.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        url = "http://127.0.0.1:\(port)/tsr"
    }

    /// A desk's environment in which the local TSA is reached directly, whatever proxy the machine sets.
    static func environment() throws -> [String: String] {
        try deskEnvironment().merging(["no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"]) { $1 }
    }

    deinit {
        server.kill()
        _ = try? server.wait()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

@Suite("trusted timestamps: verity audit stamp and verify --tsa-ca")
struct TimestampTests {
    @Test("a token of the head verifies; a token checked against a changed head fails, and the stamp is named")
    func stampAndVerify() throws {
        let tsa = try LocalTSA()
        let env = try LocalTSA.environment()
        #expect(verity(["case", "open", "450 dead people", "--claimant", "Zelensky", "--ref", "IZY-001"], environment: env).status == 0)
        let head = verity(["audit", "head"], environment: env).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let stamped = verity(["audit", "stamp", "--tsa", tsa.url, "--format", "json"], environment: env)
        #expect(stamped.status == 0, "\(stamped.stderr)")
        let stamp = try json(stamped)
        #expect(stamp["head"] as? String == head)
        #expect((stamp["stamped_at"] as? String)?.hasSuffix("Z") == true, "\(stamp)")

        let verified = verity(["audit", "verify", "--tsa-ca", tsa.caFile], environment: env)
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        #expect(verified.stdout.contains("stamp 1"), "\(verified.stdout)")
        #expect(verified.stdout.contains("verified"), "\(verified.stdout)")
        // Another CA does not vouch for the token.
        let other = try LocalTSA()
        #expect(verity(["audit", "verify", "--tsa-ca", other.caFile], environment: env).status == 65)
        // The stored head changed behind Verity's back (the table refuses UPDATE; a superuser goes around it).
        let db = try Connection(try #require(env["VERITY_DATABASE_URL"]))
        #expect(throws: (any Error).self) { try db.execute(unsafeSQL: "UPDATE audit_stamps SET head = repeat('0', 64)") }
        try db.execute(unsafeSQL: """
            SET session_replication_role = replica;
            UPDATE audit_stamps SET head = repeat('0', 64);
            SET session_replication_role = origin;
            """)
        let changed = verity(["audit", "verify", "--tsa-ca", tsa.caFile], environment: env)
        #expect(changed.status == 65, "\(changed.stdout)")
        #expect(changed.stderr.contains("stamp 1"), "\(changed.stderr)")
    }

    @Test("a bundle carries the stamp of the desk head its cases are under; verify bundle --tsa-ca checks it and names what fails")
    func bundleCarriesTheStamp() throws {
        let tsa = try LocalTSA()
        let env = try LocalTSA.environment()
        #expect(verity(["case", "open", "450 dead people", "--claimant", "Zelensky", "--ref", "IZY-001"], environment: env).status == 0)
        #expect(verity(["case", "open", "other claim", "--claimant", "Peskov", "--ref", "IZY-002"], environment: env).status == 0)
        let directory = NSTemporaryDirectory() + "verity-bundle-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let written = verity(["export", "bundle", "IZY-001", "--output", directory, "--tsa", tsa.url], environment: env)
        #expect(written.status == 0, "\(written.stderr)")
        let head = verity(["audit", "head"], environment: env).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let manifest = try String(contentsOfFile: directory + "/manifest.json", encoding: .utf8)
        #expect(manifest.contains(#""desk_head":"\#(head)""#), "\(manifest)")
        // The desk keeps the stamp too.
        #expect(verity(["audit", "verify", "--tsa-ca", tsa.caFile], environment: env).stdout.contains("stamp 1"))

        let verified = verity(["verify", "bundle", directory, "--tsa-ca", tsa.caFile])
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(verified.stdout.contains("stamp verified"), "\(verified.stdout)")
        #expect(verity(["verify", "bundle", directory]).stdout.contains("not checked"))
        let other = try LocalTSA()
        let wrongCA = verity(["verify", "bundle", directory, "--tsa-ca", other.caFile])
        #expect(wrongCA.status == 65)
        #expect(wrongCA.stdout.contains("desk-head.tsr"), "\(wrongCA.stdout)")
        // The head's lines changed: caught by its hash, and the stamp no longer covers them.
        let lines = directory + "/desk-head.txt"
        let text = try String(contentsOfFile: lines, encoding: .utf8)
        try text.replacingOccurrences(of: "1:", with: "9:").write(toFile: lines, atomically: true, encoding: .utf8)
        let changed = verity(["verify", "bundle", directory, "--tsa-ca", tsa.caFile])
        #expect(changed.status == 65)
        #expect(changed.stdout.contains("desk-head.txt"), "\(changed.stdout)")
    }

    @Test("a TSA that does not answer is an unavailable service (exit 69), and nothing is stored")
    func unreachable() throws {
        let env = try deskEnvironment()
        let refused = verity(["audit", "stamp", "--tsa", "http://127.0.0.1:9/tsr"], environment: env)
        #expect(refused.status == 69, "\(refused.stderr)")
        #expect(refused.stderr.contains("did not answer"))
        #expect(verity(["audit", "stamp", "--tsa", "ftp://example.org"], environment: env).status == 64)
    }
}
