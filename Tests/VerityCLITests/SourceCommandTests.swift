import Foundation
import Testing
import VerityTestSupport

@Suite("verity source")
struct SourceCommandTests {
    @Test("a source is added, linked to several cases once each, listed and shown")
    func sourceLifecycle() throws {
        let env = try deskEnvironment()
        for ref in ["IZY-001", "IZY-004"] {
            #expect(verity(["case", "open", "claim \(ref)", "--claimant", "c", "--ref", ref], environment: env).status == 0)
        }
        let added = verity([
            "source", "add", "https://www.afp.com/izyum-photo", "--title", "Forensic technicians at a mass grave",
            "--publisher", "AFP", "--author", "Juan Barreto", "--published-at", "2022-09-18", "--kind", "image",
            "--reliability", "B", "--archive-url", "https://web.archive.org/web/2022/afp", "--ref", "SRC-AFP-1",
            "--case", "IZY-001", "--format", "json",
        ], environment: env)
        #expect(added.status == 0, "\(added.stderr)")
        let source = try json(added)
        #expect(source["kind"] as? String == "image")
        #expect(source["reliability"] as? String == "B")
        #expect(source["cases"] as? [Int] == [1])
        #expect(source["file_sha256"] is NSNull)

        let linked = verity(["source", "link", "1", "--case", "IZY-004"], environment: env)
        #expect(linked.status == 0 && linked.stdout.contains("Linked source 1"))
        let again = verity(["source", "link", "1", "--case", "IZY-004"], environment: env)
        #expect(again.status == 0 && again.stdout.contains("already linked"))
        let history = try #require(try verity(["case", "history", "IZY-004", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(history.filter { $0["action"] as? String == "link-source" }.count == 1)

        let shown = verity(["source", "show", "1"], environment: env)
        #expect(shown.stdout.contains("B (usually reliable)"))
        #expect(shown.stdout.contains("Juan Barreto"))
        let list = try #require(try verity(["source", "list", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(list.count == 1 && list[0]["cases"] as? [Int] == [1, 2])
        #expect(verity(["source", "show", "9"], environment: env).status == 66)
        let missingFile = verity(["source", "add", "https://example.org", "--title", "t", "--publisher", "p", "--file", "/nonexistent/file"], environment: env)
        #expect(missingFile.status == 66 && missingFile.stderr.contains("/nonexistent/file"))
    }

    @Test("tables never carry colour codes when the output is not a terminal")
    func noColourWhenPiped() throws {
        let env = try deskEnvironment()
        let opened = verity(["case", "open", "c", "--claimant", "x"], environment: env)
        #expect(!opened.stdout.contains("\u{1B}["))
    }
}

@Suite("sources named by reference")
struct SourceReferenceTests {
    @Test("a source's reference works wherever a source is named; an unknown one is not found")
    func byReference() throws {
        let env = try deskEnvironment()
        #expect(verity(["case", "open", "A claim", "--claimant", "X", "--ref", "KRM-1"], environment: env).status == 0)
        let added = verity(["source", "add", "https://example.org/hrw", "--title", "Report", "--publisher", "HRW",
                            "--ref", "SRC-HRW-KRM"], environment: env)
        #expect(added.status == 0, "\(added.stderr)")
        let shown = try #require(try verity(["source", "show", "SRC-HRW-KRM", "--format", "json"], environment: env).json()
            as? [String: Any])
        #expect(shown["ref"] as? String == "SRC-HRW-KRM")
        let disputed = verity(["case", "dispute", "KRM-1", "--reason", "HRW found otherwise", "--source", "SRC-HRW-KRM"],
                              environment: env)
        #expect(disputed.status == 0, "\(disputed.stderr)")
        let noted = verity(["evidence", "add", "KRM-1", "--stance", "refutes", "--credibility", "2", "--note", "n",
                            "--source", "SRC-HRW-KRM"], environment: env)
        #expect(noted.status == 0, "\(noted.stderr)")
        #expect(verity(["source", "custody", "SRC-HRW-KRM"], environment: env).status == 0)
        let unknown = verity(["source", "show", "SRC-NOPE"], environment: env)
        #expect(unknown.status == 66)
        #expect(unknown.stderr.contains("no source SRC-NOPE"))
        #expect(verity(["evidence", "add", "KRM-1", "--stance", "refutes", "--credibility", "2", "--note", "n",
                        "--source", "SRC-NOPE"], environment: env).status == 66)
    }
}
