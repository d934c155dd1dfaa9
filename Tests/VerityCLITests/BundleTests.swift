import Foundation
import Testing
import VerityCore
import VerityTestSupport

@Suite("verity export bundle and verity verify bundle")
struct BundleTests {
    /// A desk of every feature, a source file linked to IZY-2022-004, and a bundle of two cases
    /// written with that file. Returns the bundle's directory (removed by the caller).
    func bundle() throws -> (env: [String: String], directory: String) {
        let env = try everyFeatureDesk()
        let files = NSTemporaryDirectory() + "verity-bundle-files-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: files) }
        let original = files + "/peskov-statement.html"
        try Data("<html>Peskov: 'It's a lie'</html>\n".utf8).write(to: URL(fileURLWithPath: original))
        let added = verity([
            "source", "add", "https://example.org/peskov", "--title", "Peskov statement", "--publisher", "RT",
            "--file", original, "--collected-at", "2022-09-19T14:05:00Z", "--tool", "Hunchly 2.3", "--case", "IZY-2022-004",
        ], environment: env)
        #expect(added.status == 0, "\(added.stderr)")
        let directory = NSTemporaryDirectory() + "verity-bundle-\(UUID().uuidString)"
        let written = verity(
            ["export", "bundle", "IZY-2022-004", "IZY-2022-003", "--output", directory, "--files", files], environment: env)
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.contains("2 case(s), 1 source file(s)"), "\(written.stdout)")
        #expect(written.stderr.contains("1 restricted case(s)"))
        return (env, directory)
    }

    func copy(_ directory: String) throws -> String {
        let other = NSTemporaryDirectory() + "verity-bundle-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: directory, toPath: other)
        return other
    }

    /// Changes one byte of `path` inside the bundle `directory`.
    func flipOneByte(_ directory: String, _ path: String) throws {
        let url = URL(fileURLWithPath: directory).appendingPathComponent(path)
        var data = try Data(contentsOf: url)
        let index = data.count / 2
        data[index] = data[index] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        try data.write(to: url)
    }

    @Test("a bundle holds the records, chains, dossiers, files and manifest, and verifies without a database")
    func writesAndVerifies() throws {
        let (env, directory) = try bundle()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let listed = try FileManager.default.subpathsOfDirectory(atPath: directory).sorted()
        #expect(listed == [
            "dossier", "dossier/IZY-2022-003.html", "dossier/IZY-2022-003.md", "dossier/IZY-2022-004.html",
            "dossier/IZY-2022-004.md", "files", "files/peskov-statement.html", "manifest.json", "records.jsonl",
        ])
        let manifest = try String(contentsOfFile: directory + "/manifest.json", encoding: .utf8)
        #expect(manifest.contains(#""made_by":"editor""#))
        #expect(manifest.contains(#""filter":{"cases":["IZY-2022-004","IZY-2022-003"]}"#))
        // The heads are the desk's: the last hash of each case's history.
        let history = try #require(try verity(["case", "history", "IZY-2022-004", "--format", "json"], environment: env).json() as? [[String: Any]])
        let rows = verity(["export"], environment: env).stdout.split(separator: "\n")
            .filter { $0.contains(#""table":"case_history""#) && $0.contains(#""case_id": 4,"#) }
        let last = try #require(rows.last.map(String.init))
        let hash = try #require(last.range(of: #""hash": ""#).map { String(last[$0.upperBound...].prefix(64)) })
        #expect(rows.count == history.count)
        #expect(manifest.contains(#""ref":"IZY-2022-004","restricted":false,"rows":\#(history.count),"head":"\#(hash)""#), "\(manifest)")
        let verified = verity(["verify", "bundle", directory, "--format", "json"])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        let report = try #require(try verified.json() as? [String: Any])
        #expect(report["intact"] as? Bool == true)
        #expect(report["cases"] as? Int == 2)
        // A bundle by --where filter.
        let byTag = NSTemporaryDirectory() + "verity-bundle-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: byTag) }
        let tagged = verity(["export", "bundle", "--where-tag", "bucha", "--output", byTag], environment: env)
        #expect(tagged.status == 0, "\(tagged.stderr)")
        #expect(verity(["verify", "bundle", byTag]).status == 0)
        #expect(try String(contentsOfFile: byTag + "/manifest.json", encoding: .utf8).contains(#""where":"--where-tag bucha""#))
        // Never into a directory that holds other files.
        #expect(verity(["export", "bundle", "IZY-2022-001", "--output", directory], environment: env).status == 64)
    }

    @Test("a one-byte change in any kind of bundle file is caught and named", arguments: [
        "records.jsonl", "dossier/IZY-2022-004.md", "dossier/IZY-2022-003.html", "files/peskov-statement.html", "manifest.json",
    ])
    func oneByteCaught(path: String) throws {
        let (_, directory) = try bundle()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try flipOneByte(directory, path)
        let result = verity(["verify", "bundle", directory])
        #expect(result.status == 65, "\(result.stdout)")
        #expect(result.stdout.contains("NOT INTACT"))
        #expect(result.stdout.contains("\(path)"), "the problem names \(path): \(result.stdout)")
    }

    @Test("an edited history row is caught by its chain even when the manifest is rewritten to match the file")
    func chainRecomputed() throws {
        let (_, directory) = try bundle()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recordsPath = directory + "/records.jsonl"
        let records = try String(contentsOfFile: recordsPath, encoding: .utf8)
        let edited = records.replacingOccurrences(of: "new exhumation figures", with: "new exhumation figurez")
        #expect(edited != records)
        try edited.write(toFile: recordsPath, atomically: true, encoding: .utf8)
        // Rewrite the manifest as a forger would: the new file hash, then a new seal.
        var manifest = try String(contentsOfFile: directory + "/manifest.json", encoding: .utf8)
        manifest = manifest.replacingOccurrences(of: SHA256Digest.hex(of: records), with: SHA256Digest.hex(of: edited))
        let marker = try #require(manifest.range(of: #","manifest_sha256":""#))
        let body = String(manifest[..<marker.lowerBound])
        manifest = body + #","manifest_sha256":""# + SHA256Digest.hex(of: body + "}") + "\"}\n"
        try manifest.write(toFile: directory + "/manifest.json", atomically: true, encoding: .utf8)
        let result = verity(["verify", "bundle", directory])
        #expect(result.status == 65)
        #expect(result.stdout.contains("records.jsonl:"), "\(result.stdout)")
        #expect(result.stdout.contains("does not match its hash"), "\(result.stdout)")
        #expect(!result.stdout.contains("manifest.json:"), "the forged manifest is consistent: \(result.stdout)")
    }
}
