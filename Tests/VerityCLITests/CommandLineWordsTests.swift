import Testing
import VerityCLI

@Suite("Splitting a batch line into words, as a POSIX shell would")
struct CommandLineWordsTests {
    @Test("blanks separate words; runs of blanks and tabs count once")
    func blanks() throws {
        #expect(try CommandLineWords.split("case  move\t12   --to disputed ") == ["case", "move", "12", "--to", "disputed"])
        #expect(try CommandLineWords.split("") == [])
    }

    @Test("double quotes keep blanks and let a backslash escape only \" \\ $ and `")
    func doubleQuotes() throws {
        #expect(try CommandLineWords.split(#"--reason "new footage""#) == ["--reason", "new footage"])
        #expect(try CommandLineWords.split(#""Peskov: \"It's a lie\"""#) == [#"Peskov: "It's a lie""#])
        #expect(try CommandLineWords.split(#""a\\b \$x \n""#) == [#"a\b $x \n"#])
    }

    @Test("single quotes keep everything, backslashes included")
    func singleQuotes() throws {
        #expect(try CommandLineWords.split(#"'C:\path "x"'"#) == [#"C:\path "x""#])
        #expect(try CommandLineWords.split(#"'it'\''s'"#) == ["it's"])
    }

    @Test("a backslash outside quotes escapes the next character, a blank included")
    func backslash() throws {
        #expect(try CommandLineWords.split(#"new\ footage \"x\""#) == ["new footage", #""x""#])
    }

    @Test("quoted and unquoted parts that touch make one word; empty quotes make an empty word")
    func joinedParts() throws {
        #expect(try CommandLineWords.split(#"--reason="new footage" ''"#) == ["--reason=new footage", ""])
    }

    @Test("nothing is expanded and # inside a line is literal")
    func noExpansion() throws {
        #expect(try CommandLineWords.split("--tag #izium $HOME ~ *") == ["--tag", "#izium", "$HOME", "~", "*"])
    }

    @Test("an unclosed quote or a trailing backslash is an error that names the column")
    func errors() {
        #expect(throws: CommandLineWords.SyntaxError(description: "the double quote at column 10 is not closed")) {
            try CommandLineWords.split(#"--reason "new"#)
        }
        #expect(throws: CommandLineWords.SyntaxError(description: "the single quote at column 1 is not closed")) {
            try CommandLineWords.split("'abc")
        }
        #expect(throws: CommandLineWords.SyntaxError(description: "a backslash at the end of the line (column 4) escapes nothing")) {
            try CommandLineWords.split(#"ab \"#)
        }
    }

    @Test("blank lines and lines starting with # (after blanks) hold no command")
    func skipped() {
        #expect(CommandLineWords.isSkipped(""))
        #expect(CommandLineWords.isSkipped("   \t"))
        #expect(CommandLineWords.isSkipped("  # a comment"))
        #expect(!CommandLineWords.isSkipped("case list # not a comment"))
    }
}
