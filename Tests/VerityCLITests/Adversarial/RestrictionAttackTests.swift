import Foundation
import Testing
import VerityCore
import VerityTestSupport

/// Issue 17, hole 14: on the embedded default every command connects as the
/// desk owner, so `--restricted` hides nothing from `VERITY_REVIEWER=analyst`.
/// Verity must say so where the user restricts a case, and in `--help`.
@Suite("Adversarial: restriction on an owner connection")
struct RestrictionAttackTests {
    @Test("hole 14: case open --restricted as the desk owner warns that it hides nothing until reviewers have logins, and how to set them up")
    func testHole14_restrictedOnOwnerConnectionWarns() throws {
        let env = try deskEnvironment()
        let opened = verity(["case", "open", "graphic claim", "--claimant", "x", "--ref", "R-1", "--restricted"], environment: env)
        #expect(opened.status == 0, "\(opened.stderr)")
        let warning = opened.stderr.split(separator: "\n").filter { $0.hasPrefix("warning:") }
        #expect(warning.count == 1, "\(opened.stderr)")
        #expect(opened.stderr.contains("the restriction hides nothing until reviewers have logins"))
        #expect(opened.stderr.contains("verity reviewer add HANDLE --name NAME --login --password-file FILE"))
        // The attack the warning is about: analyst, not assigned, reads the case through the same connection.
        let read = verity(["case", "show", "R-1"], environment: env.merging(["VERITY_REVIEWER": "analyst"]) { $1 })
        #expect(read.status == 0)
        // case update --restrict says the same.
        #expect(verity(["case", "open", "another", "--claimant", "x", "--ref", "R-2"], environment: env).status == 0)
        let restricted = verity(["case", "update", "R-2", "--restrict", "--reason", "graphic"], environment: env)
        #expect(restricted.status == 0, "\(restricted.stderr)")
        #expect(restricted.stderr.contains("the restriction hides nothing until reviewers have logins"))
        // JSON on stdout stays exact: the warning is on stderr only.
        let json = verity(["case", "open", "third", "--claimant", "x", "--restricted", "--format", "json"], environment: env)
        #expect(json.status == 0)
        #expect((try? json.json()) != nil)
    }

    @Test("hole 14: with logins on the desk the owner is still warned; a login that restricts a case is not")
    func testHole14_loginsChangeTheWarning() throws {
        let desk = try AccessCommandTests.Desk()
        defer { desk.fixture.dropLogins() }
        let asOwner = verity(
            ["case", "open", "owner's", "--claimant", "x", "--restricted", "--database-url", desk.url, "--as", desk.editor])
        #expect(asOwner.status == 0, "\(asOwner.stderr)")
        #expect(asOwner.stderr.contains("warning: connected as the desk owner, who sees every case"), "\(asOwner.stderr)")
        let asLogin = desk.run(["case", "open", "editor's", "--claimant", "x", "--restricted"], as: desk.editor)
        #expect(asLogin.status == 0, "\(asLogin.stderr)")
        #expect(!asLogin.stderr.contains("desk owner"), "\(asLogin.stderr)")
    }

    @Test("hole 14: the --help of --restricted says that a connection as the desk owner sees every case")
    func testHole14_helpSaysWhatRestrictionNeeds() {
        let help = verity(["case", "open", "--help"]).stdout.replacingOccurrences(of: #"\s+"#, with: " ", options: .regularExpression)
        #expect(help.contains("when they connect with their own login"), "\(help)")
        #expect(help.contains("A connection as the desk owner (the embedded default) sees every case whatever --as says"))
        #expect(help.contains("verity reviewer add --login"))
    }
}
