import Foundation
import Testing
import VerityTestSupport

/// A desk with four-eyes on, a case in evidence-pending assigned to the analyst,
/// an evidence note by the analyst, and a second reviewer ("checker") who wrote none.
private func fourEyesDesk() throws -> (env: [String: String], id: String) {
    let env = try deskEnvironment()
    #expect(verity(["reviewer", "add", "checker", "--name", "Second reviewer"], environment: env).status == 0)
    #expect(verity(["config", "set", "four-eyes", "on"], environment: env).status == 0)
    let opened = verity(["case", "open", "450 dead people", "--claimant", "Zelensky", "--ref", "IZY-001", "--format", "json"], environment: env)
    let id = String(try #require(try json(opened)["id"] as? Int))
    #expect(verity(["case", "move", id, "--to", "evidence-pending"], environment: env).status == 0)
    #expect(verity(["case", "assign", id, "--to", "analyst"], environment: env).status == 0)
    #expect(verity(["case", "assign", id, "--to", "checker"], environment: env).status == 0)
    let note = verity(["evidence", "add", id, "--stance", "supports", "--credibility", "2", "--note", "AFP photo", "--as", "analyst"], environment: env)
    #expect(note.status == 0, "\(note.stderr)")
    return (env, id)
}

private func assess(_ id: String, as actor: String, env: [String: String]) -> CLIResult {
    verity(["case", "assess", id, "--verdict", "mostly-true", "--confidence", "3", "--rationale", "AFP photos", "--as", actor], environment: env)
}

@Suite("four-eyes assessment: verity config, case assess and case sign-off")
struct FourEyesTests {
    @Test("four-eyes is off by default and only an editor turns it on; the change is recorded")
    func setting() throws {
        let env = try deskEnvironment()
        let shown = try json(verity(["config", "show", "--format", "json"], environment: env))
        #expect(shown["four_eyes"] as? Bool == false)
        let refused = verity(["config", "set", "four-eyes", "on", "--as", "analyst"], environment: env)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("not an editor or admin"))
        #expect(verity(["config", "set", "four-eyes", "maybe"], environment: env).status == 64)
        #expect(verity(["config", "set", "five-eyes", "on"], environment: env).status == 64)
        let set = verity(["config", "set", "four-eyes", "on", "--reason", "policy"], environment: env)
        #expect(set.status == 0, "\(set.stderr)")
        let after = try json(verity(["config", "show", "--format", "json"], environment: env))
        #expect(after["four_eyes"] as? Bool == true)
        #expect(after["four_eyes_changed_by"] as? String == "editor")
        let history = try #require(after["history"] as? [[String: Any]])
        #expect(history.count == 1)
        #expect(history.first?["from"] as? String == "off")
        #expect(history.first?["to"] as? String == "on")
        #expect(history.first?["reason"] as? String == "policy")
        #expect(verity(["config", "show"], environment: env).stdout.contains("four-eyes  on (set by editor"))
    }

    @Test("with four-eyes off, case assess still concludes the case in one step")
    func offIsOneStep() throws {
        let env = try deskEnvironment()
        let opened = verity(["case", "open", "claim", "--claimant", "x", "--format", "json"], environment: env)
        let id = String(try #require(try json(opened)["id"] as? Int))
        #expect(verity(["case", "move", id, "--to", "evidence-pending"], environment: env).status == 0)
        #expect(verity(["evidence", "add", id, "--stance", "supports", "--credibility", "2", "--note", "n"], environment: env).status == 0)
        let assessed = assess(id, as: "editor", env: env)
        #expect(assessed.status == 0)
        #expect(assessed.stdout.contains("is assessed: mostly-true"))
    }

    @Test("assess proposes, the proposer's own sign-off is refused, a second reviewer signs off")
    func proposeAndSignOff() throws {
        let (env, id) = try fourEyesDesk()
        let proposed = assess(id, as: "analyst", env: env)
        #expect(proposed.status == 0, "\(proposed.stderr)")
        #expect(proposed.stdout.contains("Proposed mostly-true for case \(id) (IZY-001), awaiting sign-off by another reviewer"))
        var shown = try json(verity(["case", "show", id, "--format", "json"], environment: env))
        #expect(shown["state"] as? String == "evidence-pending")
        #expect(shown["awaiting_sign_off"] as? Bool == true)
        #expect(verity(["case", "show", id], environment: env).stdout.contains("sign-off   awaiting: mostly-true"))

        let again = assess(id, as: "analyst", env: env)
        #expect(again.status == 65)
        #expect(again.stderr.contains("already has a verdict awaiting sign-off"))

        let selfSignOff = verity(["case", "sign-off", id, "--as", "analyst"], environment: env)
        #expect(selfSignOff.status == 65)
        #expect(selfSignOff.stderr.contains("reviewer \"analyst\" proposed this verdict for case \(id) (IZY-001) and cannot sign it off"))

        let signed = verity(["case", "sign-off", id, "--as", "checker", "--format", "json"], environment: env)
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(try json(signed)["state"] as? String == "assessed")
        #expect(try json(signed)["verdict"] as? String == "mostly-true")
        shown = try json(verity(["case", "show", id, "--format", "json"], environment: env))
        #expect(shown["awaiting_sign_off"] as? Bool == false)
        let actions = (shown["history"] as? [[String: Any]])?.compactMap { $0["action"] as? String } ?? []
        #expect(Array(actions.suffix(3)) == ["propose-verdict", "sign-off", "assess"])
        let proposals = try #require(shown["proposals"] as? [[String: Any]])
        #expect(proposals.first?["state"] as? String == "signed-off")
        #expect(proposals.first?["proposed_by"] as? String == "analyst")
        #expect(proposals.first?["decided_by"] as? String == "checker")

        let dossier = verity(["report", "case", id], environment: env)
        #expect(dossier.stdout.contains("### Four-eyes sign-off"))
        #expect(dossier.stdout.contains("signed-off"))
        #expect(dossier.stdout.contains("signed off the verdict proposed by analyst: mostly-true, confidence 3"))
    }

    @Test("a reviewer who wrote evidence of the case cannot sign off, even a retracted note")
    func evidenceAuthorRefused() throws {
        let (env, id) = try fourEyesDesk()
        let noteResult = verity(["evidence", "add", id, "--stance", "context", "--credibility", "6", "--note", "weather", "--format", "json"], environment: env)
        let noteID = try #require((try noteResult.json() as? [[String: Any]])?.first?["id"] as? Int)
        #expect(verity(["evidence", "retract", "\(noteID)", "--reason", "irrelevant"], environment: env).status == 0)
        #expect(assess(id, as: "analyst", env: env).status == 0)
        let refused = verity(["case", "sign-off", id, "--as", "editor"], environment: env)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("wrote 1 evidence note of case \(id) (IZY-001) and cannot sign off"))
        #expect(try json(verity(["case", "show", id, "--format", "json"], environment: env))["state"] as? String == "evidence-pending")
    }

    @Test("--reject --reason sends the verdict back; the case stays evidence-pending and can be proposed again")
    func reject() throws {
        let (env, id) = try fourEyesDesk()
        #expect(verity(["case", "sign-off", id, "--as", "checker"], environment: env).status == 65)  // nothing proposed
        #expect(assess(id, as: "analyst", env: env).status == 0)
        #expect(verity(["case", "sign-off", id, "--reject", "--as", "checker"], environment: env).status == 64)
        let rejected = verity(["case", "sign-off", id, "--reject", "--reason", "photo undated", "--as", "checker"], environment: env)
        #expect(rejected.status == 0, "\(rejected.stderr)")
        #expect(rejected.stdout.contains("Sent back the verdict proposed for case \(id)"))
        let shown = try json(verity(["case", "show", id, "--format", "json"], environment: env))
        #expect(shown["state"] as? String == "evidence-pending")
        #expect(shown["awaiting_sign_off"] as? Bool == false)
        let history = try #require(shown["history"] as? [[String: Any]])
        #expect(history.last?["action"] as? String == "reject-verdict")
        #expect(history.last?["reason"] as? String == "photo undated")
        #expect(assess(id, as: "analyst", env: env).status == 0)
        #expect(verity(["case", "sign-off", id, "--as", "checker"], environment: env).status == 0)
    }

    @Test("disputing a case withdraws its pending proposal")
    func disputeWithdraws() throws {
        let (env, id) = try fourEyesDesk()
        #expect(assess(id, as: "analyst", env: env).status == 0)
        #expect(verity(["case", "dispute", id, "--reason", "new denial"], environment: env).status == 0)
        let shown = try json(verity(["case", "show", id, "--format", "json"], environment: env))
        #expect(shown["awaiting_sign_off"] as? Bool == false)
        #expect((shown["proposals"] as? [[String: Any]])?.first?["state"] as? String == "withdrawn")
        #expect(verity(["case", "sign-off", id, "--as", "checker"], environment: env).status == 65)
    }

    @Test("export and import still round-trip a desk that used four-eyes and case links")
    func exportImport() throws {
        let (env, id) = try fourEyesDesk()
        #expect(assess(id, as: "analyst", env: env).status == 0)
        #expect(verity(["case", "sign-off", id, "--as", "checker"], environment: env).status == 0)
        let other = verity(["case", "open", "same claim", "--claimant", "x", "--format", "json"], environment: env)
        let otherID = String(try #require(try json(other)["id"] as? Int))
        #expect(verity(["case", "link", otherID, "--to", id, "--kind", "duplicate-of", "--reason", "same"], environment: env).status == 0)
        let audit = verity(["audit", "verify"], environment: env)
        #expect(audit.status == 0, "the hash chains hold with the new history actions: \(audit.stdout) \(audit.stderr)")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("four-eyes-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let exported = verity(["export", "--output", file], environment: env)
        #expect(exported.status == 0, "\(exported.stderr)")
        let fresh = try TestServer.shared.makeDatabase()
        let imported = verity(["import", file, "--database-url", fresh])
        #expect(imported.status == 0, "\(imported.stderr)")
        let list = try #require(try verity(["case", "list", "--database-url", fresh, "--format", "json"]).json() as? [[String: Any]])
        #expect(list.first { $0["ref"] as? String == "IZY-001" }?["state"] as? String == "assessed")
    }

    @Test("an editor finds the queue: --awaiting-sign-off (marked in the list), --mine, --state open, --overdue")
    func editorsQueue() throws {
        let (env, id) = try fourEyesDesk()
        let other = verity(["case", "open", "other claim", "--claimant", "x", "--ref", "IZY-002", "--due", "2020-01-01", "--format", "json"], environment: env)
        #expect(other.status == 0, "\(other.stderr)")
        #expect(assess(id, as: "analyst", env: env).status == 0)
        func refs(_ arguments: [String], _ environment: [String: String] = [:]) throws -> [String] {
            let listed = verity(["case", "list", "--format", "json"] + arguments, environment: environment.isEmpty ? env : environment)
            #expect(listed.status == 0, "\(arguments): \(listed.stderr)")
            return try #require(try listed.json() as? [[String: Any]], "\(listed.stdout)").compactMap { $0["ref"] as? String }
        }
        #expect(try refs(["--awaiting-sign-off"]) == ["IZY-001"])
        #expect(verity(["case", "list"], environment: env).stdout.contains("evidence-pending (awaiting sign-off)"))
        #expect(try refs(["--mine", "--as", "checker"]) == ["IZY-001"])
        #expect(try refs(["--mine", "--as", "editor"]) == [])
        #expect(try refs(["--state", "open"]) == ["IZY-001", "IZY-002"])
        #expect(try refs(["--overdue"]) == ["IZY-002"])
        #expect(verity(["case", "sign-off", id, "--as", "checker"], environment: env).status == 0)
        #expect(try refs(["--awaiting-sign-off"]) == [])
        #expect(try refs(["--state", "open"]) == ["IZY-002"])
        #expect(try refs(["--state", "assessed"]) == ["IZY-001"])
        var nobody = env
        nobody["VERITY_REVIEWER"] = nil
        let unknown = verity(["case", "list", "--mine"], environment: nobody)
        #expect(unknown.status == 64, "\(unknown.stderr)")
        #expect(unknown.stderr.contains("--mine needs the acting reviewer"), "\(unknown.stderr)")
        #expect(verity(["case", "list", "--mine", "--as", "ghost"], environment: env).status == 66)
        #expect(verity(["case", "list", "--state", "opened"], environment: env).status == 64)
    }
}
