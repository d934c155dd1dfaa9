import Foundation
import Testing
import VerityTestSupport

/// Four cases: IZY-001..003 tagged izium (003 already moved on), BUC-001 tagged bucha.
private func bulkDesk() throws -> [String: String] {
    let env = try deskEnvironment()
    for (ref, tag) in [("IZY-001", "izium"), ("IZY-002", "izium"), ("IZY-003", "izium"), ("BUC-001", "bucha")] {
        #expect(verity(["case", "open", "claim \(ref)", "--claimant", "c", "--ref", ref, "--tag", tag], environment: env).status == 0)
    }
    #expect(verity(["case", "move", "IZY-003", "--to", "evidence-pending"], environment: env).status == 0)
    return env
}

private func cases(_ env: [String: String]) throws -> [[String: Any]] {
    try #require(try verity(["case", "list", "--format", "json"], environment: env).json() as? [[String: Any]])
}

private func historyCount(_ env: [String: String], _ ref: String) throws -> Int {
    try #require(try verity(["case", "history", ref, "--format", "json"], environment: env).json() as? [[String: Any]]).count
}

@Suite("bulk case assign, move and update")
struct BulkCommandTests {
    @Test("a bulk move changes every matching case in one go, each with its own history row")
    func bulkMove() throws {
        let env = try bulkDesk()
        let dry = verity(["case", "move", "--where-state", "claimed", "--where-tag", "izium", "--to", "evidence-pending", "--dry-run"], environment: env)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("2 cases match") && dry.stdout.contains("IZY-001") && dry.stdout.contains("IZY-002"))
        #expect(try cases(env).filter { $0["state"] as? String == "claimed" }.count == 3)

        let moved = verity(["case", "move", "--where-state", "claimed", "--where-tag", "izium", "--to", "evidence-pending", "--format", "json"], environment: env)
        #expect(moved.status == 0, "\(moved.stderr)")
        let outcome = try json(moved)
        #expect(outcome["matched"] as? Int == 2 && outcome["changed"] as? Int == 2 && outcome["dry_run"] as? Bool == false)
        let states = Dictionary(uniqueKeysWithValues: try cases(env).map { ($0["ref"] as! String, $0["state"] as! String) })
        #expect(states == ["IZY-001": "evidence-pending", "IZY-002": "evidence-pending", "IZY-003": "evidence-pending", "BUC-001": "claimed"])
        let history = try #require(try verity(["case", "history", "IZY-002", "--format", "json"], environment: env).json() as? [[String: Any]])
        let last = try #require(history.last)
        #expect(last["action"] as? String == "move" && last["actor"] as? String == "editor")
        let bulk = (last["details"] as? [String: Any])?["bulk"] as? [String: Any]
        #expect(bulk?["matched"] as? Int == 2)
    }

    @Test("a bulk move where one case may not move changes nothing and names that case")
    func allOrNothing() throws {
        let env = try bulkDesk()
        // IZY-003 is assessed: it cannot be disputed.
        #expect(verity(["evidence", "add", "IZY-003", "--stance", "supports", "--credibility", "2", "--note", "n"], environment: env).status == 0)
        #expect(verity(["case", "assess", "IZY-003", "--verdict", "true", "--confidence", "2", "--rationale", "r"], environment: env).status == 0)
        let before = try historyCount(env, "IZY-001")
        let refused = verity(["case", "move", "--where-tag", "izium", "--to", "disputed", "--reason", "denied"], environment: env)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("IZY-003") && refused.stderr.contains("nothing was changed"), "\(refused.stderr)")
        #expect(try cases(env).filter { $0["state"] as? String == "claimed" }.count == 3)
        #expect(try historyCount(env, "IZY-001") == before)

        // Disputing needs a reason, for all of them.
        let noReason = verity(["case", "move", "--where-state", "claimed", "--to", "disputed"], environment: env)
        #expect(noReason.status == 64 && noReason.stderr.contains("needs a reason"))
        let disputed = verity(["case", "move", "--where-state", "claimed", "--to", "disputed", "--reason", "Kremlin denial"], environment: env)
        #expect(disputed.status == 0, "\(disputed.stderr)")
        #expect(try cases(env).filter { $0["state"] as? String == "disputed" }.count == 3)
    }

    @Test("a bulk change refuses a filter that matches nothing, an id with a filter, and no id or filter")
    func selectionRefusals() throws {
        let env = try bulkDesk()
        let none = verity(["case", "assign", "--where-tag", "kupiansk", "--to", "analyst"], environment: env)
        #expect(none.status == 66 && none.stderr.contains("no case matches --where-tag kupiansk"))
        let both = verity(["case", "assign", "IZY-001", "--where-tag", "izium", "--to", "analyst"], environment: env)
        #expect(both.status == 64 && both.stderr.contains("not both"))
        let neither = verity(["case", "update", "--priority", "high"], environment: env)
        #expect(neither.status == 64 && neither.stderr.contains("which case?"))
        let dryWithID = verity(["case", "move", "IZY-001", "--to", "evidence-pending", "--dry-run"], environment: env)
        #expect(dryWithID.status == 64)
        let claimInBulk = verity(["case", "update", "--where-tag", "izium", "--claim", "x"], environment: env)
        #expect(claimInBulk.status == 64 && claimInBulk.stderr.contains("--claim"))
        let restrictInBulk = verity(["case", "update", "--where-tag", "izium", "--restrict", "--reason", "x"], environment: env)
        #expect(restrictInBulk.status == 64 && restrictInBulk.stderr.contains("--restrict"))
        let unknownReviewer = verity(["case", "move", "--where-reviewer", "ghost", "--to", "evidence-pending"], environment: env)
        #expect(unknownReviewer.status == 66)
        #expect(try cases(env).allSatisfy { ($0["reviewers"] as? [String])?.isEmpty == true })
    }

    @Test("bulk assign and update change only what differs, and a single-case command still works")
    func assignAndUpdate() throws {
        let env = try bulkDesk()
        #expect(verity(["case", "assign", "IZY-001", "--to", "analyst"], environment: env).status == 0)
        let before001 = try historyCount(env, "IZY-001")
        let assigned = verity(["case", "assign", "--where-tag", "izium", "--to", "analyst", "--format", "json"], environment: env)
        #expect(assigned.status == 0, "\(assigned.stderr)")
        let outcome = try json(assigned)
        #expect(outcome["matched"] as? Int == 3 && outcome["changed"] as? Int == 2)
        #expect(try historyCount(env, "IZY-001") == before001)
        let byReviewer = verity(["case", "list", "--reviewer", "analyst", "--format", "json"], environment: env)
        #expect(try (byReviewer.json() as? [[String: Any]])?.count == 3)

        let updated = verity(["case", "update", "--where-reviewer", "analyst", "--where-state", "claimed", "--priority", "urgent",
                              "--tag", "mass-graves", "--untag", "izium"], environment: env)
        #expect(updated.status == 0, "\(updated.stderr)")
        #expect(updated.stdout.contains("2 cases match"))
        let rows = Dictionary(uniqueKeysWithValues: try cases(env).map { ($0["ref"] as! String, $0) })
        #expect(rows["IZY-001"]?["priority"] as? String == "urgent")
        #expect(rows["IZY-001"]?["tags"] as? [String] == ["mass-graves"])
        #expect(rows["IZY-003"]?["priority"] as? String == "normal")
        #expect(rows["BUC-001"]?["tags"] as? [String] == ["bucha"])
        #expect(verity(["case", "update", "IZY-003", "--priority", "low"], environment: env).status == 0)
    }

    @Test("a bulk move skips the cases already in the target state, counted as already so, like bulk assign")
    func bulkMoveSkipsAlreadyThere() throws {
        let env = try bulkDesk()
        let before003 = try historyCount(env, "IZY-003")
        let moved = verity(["case", "move", "--where-tag", "izium", "--to", "evidence-pending", "--format", "json"], environment: env)
        #expect(moved.status == 0, "\(moved.stderr)")
        let outcome = try json(moved)
        #expect(outcome["matched"] as? Int == 3 && outcome["changed"] as? Int == 2, "\(moved.stdout)")
        let skipped = try #require(outcome["cases"] as? [[String: Any]]).filter { $0["changes"] as? Bool == false }
        #expect(skipped.map { $0["ref"] as? String } == ["IZY-003"])
        #expect(try historyCount(env, "IZY-003") == before003, "a skipped case gets no history row")
        let table = verity(["case", "move", "--where-tag", "izium", "--to", "evidence-pending"], environment: env)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("3 cases match"), "\(table.stdout)")
    }
}
