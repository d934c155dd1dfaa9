import Foundation
import Testing
import VerityCore
import VerityTestSupport

/// The `verity` program links FoundationEssentials at most: not Foundation, CoreFoundation or
/// ICU, whose loading, relocation and start-up were most of what a short command spent before
/// its own work (BENCHMARKS.md, "Short commands at the floor"). The in-process tests link
/// Foundation themselves, so these run the built program: what Foundation served before (files,
/// dates, numbers, temporary files, errors in the system's words) must work without it.
@Suite("The verity program without Foundation")
struct ProgramWithoutFoundationTests {
    static let seeds = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("seeds/izium-2022.jsonl").path

    @Test("the built program holds no Foundation, CoreFoundation or ICU code")
    func linksNoFoundation() throws {
        let program = try Data(contentsOf: URL(fileURLWithPath: VerityExecutable.path()))
        // Foundation's Swift symbols, its shared library, CoreFoundation's start-up, ICU's collation.
        for marker in ["$s10Foundation", "libFoundation.so", "libFoundationInternationalization", "__CFInitialize", "ucol_open"] {
            #expect(program.range(of: Data(marker.utf8)) == nil, "the program holds \(marker)")
        }
    }

    @Test("files, dates, numbers, reports, an export and its import work in the program itself")
    func commandsWithoutFoundation() throws {
        let url = try TestServer.shared.makeDatabase()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("verity-nofoundation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        func verity(_ arguments: String...) throws -> ChildProcess.Outcome {
            try VerityExecutable.run(arguments + ["--database-url", url], environment: ["VERITY_REVIEWER": "editor"])
        }

        #expect(try verity("import", Self.seeds).status == 0)
        // Dates (ISO 8601 in UTC) and the JSON writer.
        let shown = try verity("case", "show", "IZY-2022-001", "--format", "json")
        #expect(shown.status == 0)
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        #expect(detail["created_at"] as? String == "2022-09-19T09:00:00Z")
        // Fixed-point numbers (C's printf) in a report written whole to a file.
        let report = work.appendingPathComponent("status.md").path
        #expect(try verity("report", "status", "--format", "markdown", "--output", report).status == 0)
        #expect(try String(contentsOfFile: report, encoding: .utf8).contains("%"))
        // A file's SHA-256, read in chunks, and its name.
        let file = work.appendingPathComponent("photo.jpg").path
        try Data("not really a photo\n".utf8).write(to: URL(fileURLWithPath: file))
        let added = try verity("source", "add", "https://example.org/photo", "--title", "Photo", "--publisher", "Example", "--file", file)
        #expect(added.status == 0)
        #expect(added.stdout.contains("photo.jpg"))
        #expect(added.stdout.contains(SHA256Digest.hex(of: "not really a photo\n")))
        // Errors in the system's words, with the path.
        let missing = try verity("source", "add", "https://example.org/x", "--title", "X", "--publisher", "X", "--file", work.path + "/none.jpg")
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("none.jpg"))
        let unwritable = try verity("report", "status", "--output", work.path + "/no/such/dir/report.md")
        #expect(unwritable.status == 64)
        #expect(unwritable.stderr.contains("No such file or directory"))
        // An export (streamed to a file, renamed into place) restores into an empty desk, chain intact.
        let exported = work.appendingPathComponent("desk.jsonl").path
        #expect(try verity("export", "--output", exported).status == 0)
        let other = try TestServer.shared.makeDatabase()
        let restored = try VerityExecutable.run(["import", exported, "--database-url", other])
        #expect(restored.status == 0, "\(restored.stderr)")
        let verified = try VerityExecutable.run(["audit", "verify", "--database-url", other])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
    }
}
