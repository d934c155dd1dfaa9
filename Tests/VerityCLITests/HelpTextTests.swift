import Foundation
import Testing
import VerityTestSupport

/// Every command's --help reads as written: paragraphs wrapped once, by
/// argument-parser, never a pre-wrapped line broken again into a fragment.
@Suite("--help text")
struct HelpTextTests {
    /// Every command path, groups included (their help has a discussion too).
    static func allPaths() -> [[String]] {
        var paths: [[String]] = []
        var queue: [[String]] = [[]]
        while let path = queue.popLast() {
            paths.append(path)
            let sections = FuzzTests.helpSections(verity(path + ["--help"]).stdout)
            queue += FuzzTests.subcommands(in: sections, below: path).map { path + [$0] }
        }
        return paths
    }

    @Test("no line of an overview or discussion is a fragment of a sentence broken early")
    func noFragments() {
        let paths = Self.allPaths()
        #expect(paths.count > 30)
        for path in paths {
            let help = verity(path + ["--help"]).stdout
            let prose = help.components(separatedBy: "\nUSAGE:").first ?? ""
            let lines = prose.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            // An example's line continuation wrapped onto a line of its own.
            #expect(!lines.contains { $0.trimmingCharacters(in: .whitespaces) == "\\" }, "verity \(path) --help: \(prose)")
            for (line, next) in zip(lines, lines.dropFirst()) where !line.isEmpty && !next.isEmpty {
                // A wrapped sentence goes on in lower case; a line that ends that early was broken by hand.
                let continues = next.first.map { $0.isLowercase } ?? false
                #expect(!(continues && line.count < 50), "verity \(path.joined(separator: " ")) --help: \"\(line)\" / \"\(next)\"")
            }
        }
    }

    @Test("report case lists only the formats it accepts")
    func dossierFormats() throws {
        let help = verity(["report", "case", "--help"]).stdout
        #expect(help.contains("html, json, pdf; default: markdown"))
        #expect(!help.contains("csv"))
        let url = try TestServer.shared.makeDatabase()
        #expect(verity(["import", ImportCommandTests.seeds, "--database-url", url]).status == 0)
        for format in ["markdown", "html", "json"] {
            let result = verity(["report", "case", "IZY-2022-001", "--format", format, "--database-url", url])
            #expect(result.status == 0, "\(format): \(result.stderr)")
        }
        #expect(verity(["report", "case", "IZY-2022-001", "--format", "csv", "--database-url", url]).status == 64)
    }
}
