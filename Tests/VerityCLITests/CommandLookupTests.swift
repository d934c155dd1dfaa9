import Testing
@testable import VerityCLI

@Suite("Parsing from the named command instead of the root")
struct CommandLookupTests {
    @Test("a clean command line parses from its leaf, with the same values as from the root")
    func leaf() throws {
        let words = ["case", "move", "12", "--to", "disputed", "--reason", "new footage", "--as", "analyst"]
        let fast = try #require(CommandLookup.parseFromLeaf(words) as? CaseMove)
        let root = try #require(try VerityCommand.parseAsRoot(words) as? CaseMove)
        #expect(fast.id == root.id && fast.to == root.to && fast.reason == root.reason)
        #expect(fast.actor.handle == "analyst")
    }

    @Test("help, usage errors, unknown names and default subcommands are left to the root parser")
    func fallsBack() {
        for words in [
            ["case", "move", "--help"], ["case", "move", "12"], ["case", "mvoe", "12"], ["case"], ["--version"],
            ["export", "--format", "jsonl"], ["help", "case"],
        ] {
            #expect(CommandLookup.parseFromLeaf(words) == nil, "\(words)")
        }
    }
}
