import Testing

@testable import VerityCLI

/// FastPath reads `case show` and `case list` lines without argument-parser: what it accepts,
/// argument-parser must read the same way; everything else goes to argument-parser.
@Suite("Short commands parsed without argument-parser")
struct FastPathTests {
    @Test("every case show line FastPath takes, argument-parser reads the same")
    func showSameAsArgumentParser() throws {
        let lines: [[String]] = [
            ["1"], ["IZY-001", "--format", "json"], ["--format=csv", "7"], ["7", "--format", "table"],
            ["7", "--database-url", "postgresql:///verity?host=/tmp/x&user=verity"],
            ["--database-url=postgresql://a/b", "7", "--format", "json"], ["case with spaces"], ["3", "--database-url", ""],
        ]
        for words in lines {
            let fast = try #require(FastPath.match(["case", "show"] + words), "\(words)")
            let parsed = try CaseShow.parseAsRoot(words)
            let show = try #require(parsed as? CaseShow)
            #expect(fast == .caseShow(id: show.id, format: show.options.format, databaseURL: show.options.connection.databaseURL), "\(words)")
        }
    }

    @Test("every case list line FastPath takes, argument-parser reads the same, with no other filter")
    func listSameAsArgumentParser() throws {
        let lines: [[String]] = [
            [], ["--limit", "50"], ["--limit=3", "--format", "json", "--database-url", "x"], ["--limit", "+5"],
            ["--format", "csv"],
        ]
        for words in lines {
            let fast = try #require(FastPath.match(["case", "list"] + words), "\(words)")
            let list = try #require(try CaseList.parseAsRoot(words) as? CaseList)
            #expect(fast == .caseList(limit: list.limit, format: list.options.format, databaseURL: list.options.connection.databaseURL), "\(words)")
            #expect(list.state == nil && list.reviewer == nil && list.tag == nil && !list.overdue && !list.unassigned)
            #expect(!list.awaitingSignOff && !list.mine && list.actor.handle == nil)
        }
    }

    @Test("every case move line FastPath takes, argument-parser reads the same, with no bulk selection")
    func moveSameAsArgumentParser() throws {
        let lines: [[String]] = [
            ["12", "--to", "disputed", "--reason", "new footage", "--as", "analyst"], ["--to=evidence-pending", "IZY-001"],
            ["12", "--to", "assessed"], ["12", "--to", "claimed", "--format", "json", "--database-url", "postgresql:///v"],
            ["12", "--reason", "", "--to", "disputed"],
        ]
        for words in lines {
            let fast = try #require(FastPath.match(["case", "move"] + words), "\(words)")
            let move = try #require(try CaseMove.parseAsRoot(words) as? CaseMove)
            let id = try #require(move.id)
            #expect(
                fast
                    == .caseMove(
                        id: id, to: move.to, reason: move.reason, handle: move.actor.handle, format: move.options.format,
                        databaseURL: move.options.connection.databaseURL), "\(words)")
            #expect(try move.selection.single(move.id, command: "move") == id)
        }
    }

    @Test("anything else is left to argument-parser (its messages and exit codes)")
    func leavesTheRest() {
        let lines: [[String]] = [
            ["case", "show"], ["case", "show", "1", "2"], ["case", "show", "1", "--format", "xml"], ["case", "show", "1", "--format"],
            ["case", "show", "--help"], ["case", "show", "1", "-h"], ["case", "show", "1", "--bogus", "x"],
            ["case", "show", "1", "--format", "json", "--format", "csv"], ["case", "show", "--", "1"], ["case", "show", "-1"],
            ["case", "show", "1", "--database-url", "-x"], ["case", "show", "1", "--format="], ["case", "show", "--database-url=", "3"], ["cases", "show", "1"],
            ["case", "shows", "1"], ["case", "list", "--limit", "0"], ["case", "list", "--limit", "x"], ["case", "list", "--mine"],
            ["case", "list", "--state", "open"], ["case", "list", "1"], ["case", "list", "--as", "editor"], ["case"], [],
            ["case", "move", "1"], ["case", "move", "--to", "disputed"], ["case", "move", "1", "--to", "nowhere"],
            ["case", "move", "1", "--to", "disputed", "--where-tag", "x"], ["case", "move", "1", "--to", "disputed", "--dry-run"],
            ["case", "move", "1", "2", "--to", "disputed"], ["case", "move", "1", "--to", "disputed", "--reason", "-x"],
        ]
        for words in lines { #expect(FastPath.match(words) == nil, "\(words)") }
    }
}
