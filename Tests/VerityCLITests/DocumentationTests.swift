import Foundation
import Testing

/// The README is the front door: short, and every page of docs/ is reachable
/// from it; no link points to a file or heading that is not there, or outside
/// the repository.
@Suite("README and docs/")
struct DocumentationTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func text(_ name: String) throws -> String {
        try String(contentsOf: repository.appendingPathComponent(name), encoding: .utf8)
    }

    static var pages: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent("docs").path)) ?? [])
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
    }

    /// GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens.
    static func anchors(_ text: String) -> Set<String> {
        var seen: [String: Int] = [:]
        var result: Set<String> = []
        for line in text.split(separator: "\n") where line.hasPrefix("#") {
            let heading = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
            let slug = String(heading.unicodeScalars.filter {
                CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == " " || $0 == "_"
            }.map(Character.init)).replacingOccurrences(of: " ", with: "-")
            let count = seen[slug, default: 0]
            seen[slug] = count + 1
            result.insert(count == 0 ? slug : "\(slug)-\(count)")
        }
        return result
    }

    @Test("the README is under 15 KB, shows the two commands, and links every docs/ page")
    func frontDoor() throws {
        let readme = try Self.text("README.md")
        #expect(readme.utf8.count < 15_000, "README.md is \(readme.utf8.count) bytes")
        #expect(readme.contains("make demo") && readme.contains("make test"))
        #expect(!Self.pages.isEmpty)
        for page in Self.pages { #expect(readme.contains("](\(page))"), "README does not link \(page)") }
    }

    @Test("every link in the README and docs/ reaches a file and heading of the repository")
    func linksResolve() throws {
        let link = try NSRegularExpression(pattern: #"\]\(([^)#\s]*)(?:#([^)\s]+))?\)"#)
        for name in ["README.md"] + Self.pages {
            let text = try Self.text(name)
            let base = URL(fileURLWithPath: name).deletingLastPathComponent().relativePath
            for match in link.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let target = Range(match.range(at: 1), in: text).map { String(text[$0]) } ?? ""
                let anchor = Range(match.range(at: 2), in: text).map { String(text[$0]) }
                #expect(!target.hasPrefix("http"), "\(name) links outside the repository: \(target)")
                let path = target.isEmpty ? name : (base == "." ? target : base + "/" + target)
                let resolved = URL(fileURLWithPath: path, relativeTo: Self.repository).standardizedFileURL.path
                #expect(FileManager.default.fileExists(atPath: resolved), "\(name): no file \(target)")
                if let anchor, resolved.hasSuffix(".md") {
                    let headings = Self.anchors(try String(contentsOfFile: resolved, encoding: .utf8))
                    #expect(headings.contains(anchor), "\(name): no heading #\(anchor) in \(path)")
                }
            }
        }
    }
}
