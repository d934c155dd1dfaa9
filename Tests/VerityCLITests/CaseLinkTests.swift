import Foundation
import Testing
import VerityTestSupport

/// Opens a case and returns its id as typed on the command line.
private func open(_ claim: String, ref: String, env: [String: String]) throws -> String {
    let opened = verity(["case", "open", claim, "--claimant", "Zelensky", "--ref", ref, "--format", "json"], environment: env)
    return String(try #require(try json(opened)["id"] as? Int, "\(opened.stderr)"))
}

/// Brings case `id` to assessed with one supporting note by the editor.
private func assessCase(_ id: String, env: [String: String]) {
    #expect(verity(["case", "move", id, "--to", "evidence-pending"], environment: env).status == 0)
    #expect(verity(["evidence", "add", id, "--stance", "supports", "--credibility", "2", "--note", "AFP photo"], environment: env).status == 0)
    #expect(verity(["case", "assess", id, "--verdict", "mostly-true", "--confidence", "3", "--rationale", "photos"], environment: env).status == 0)
}

@Suite("typed case links: verity case link and unlink")
struct CaseLinkTests {
    @Test("a duplicate shows its canonical case's state and verdict, in show and list, until unlinked")
    func duplicateFollowsCanonical() throws {
        let env = try deskEnvironment()
        let canonical = try open("450 dead people", ref: "IZY-001", env: env)
        let duplicate = try open("450 bodies in Izium", ref: "IZY-014", env: env)
        assessCase(canonical, env: env)

        let linked = verity(["case", "link", "IZY-014", "--to", "IZY-001", "--kind", "duplicate-of", "--reason", "same video", "--as", "analyst"], environment: env)
        #expect(linked.status == 0, "\(linked.stderr)")
        #expect(linked.stdout.contains("Linked: case IZY-014 is duplicate of \(canonical) (IZY-001)."))

        let shown = try json(verity(["case", "show", duplicate, "--format", "json"], environment: env))
        #expect(shown["state"] as? String == "assessed")
        #expect(shown["verdict"] as? String == "mostly-true")
        #expect(shown["own_state"] as? String == "claimed")
        #expect(shown["canonical_case_id"] as? Int == Int(canonical))
        let links = try #require(shown["links"] as? [[String: Any]])
        #expect(links.count == 1)
        #expect(links.first?["kind"] as? String == "duplicate-of")
        #expect(links.first?["case_id"] as? Int == Int(canonical))
        #expect(links.first?["ref"] as? String == "IZY-001")
        #expect(links.first?["reason"] as? String == "same video")
        #expect(links.first?["direction"] as? String == "outgoing")
        #expect(verity(["case", "show", duplicate], environment: env).stdout.contains("duplicate  of case \(canonical)"))

        let canonicalShown = try json(verity(["case", "show", canonical, "--format", "json"], environment: env))
        #expect((canonicalShown["links"] as? [[String: Any]])?.first?["direction"] as? String == "incoming")
        #expect(canonicalShown["canonical_case_id"] is NSNull)
        let canonicalHistory = (canonicalShown["history"] as? [[String: Any]])?.last
        #expect(canonicalHistory?["action"] as? String == "link-case")
        #expect(canonicalHistory?["actor"] as? String == "analyst")

        let list = try #require(try verity(["case", "list", "--format", "json"], environment: env).json() as? [[String: Any]])
        #expect(list.first { $0["ref"] as? String == "IZY-014" }?["state"] as? String == "assessed")
        #expect(verity(["case", "list"], environment: env).stdout.contains("assessed (dup of \(canonical))"))

        let dossier = verity(["report", "case", duplicate], environment: env)
        #expect(dossier.stdout.contains("## Linked cases (1)"))
        #expect(dossier.stdout.contains("duplicate of \(canonical) (IZY-001): same video"))
        #expect(verity(["report", "case", duplicate, "--format", "html"], environment: env).stdout.contains("Linked cases (1)"))

        let unlinked = verity(["case", "unlink", duplicate, "--to", canonical, "--kind", "duplicate-of", "--reason", "different village"], environment: env)
        #expect(unlinked.status == 0, "\(unlinked.stderr)")
        let after = try json(verity(["case", "show", duplicate, "--format", "json"], environment: env))
        #expect(after["state"] as? String == "claimed")
        #expect((after["links"] as? [Any])?.isEmpty == true)
        let last = (after["history"] as? [[String: Any]])?.last
        #expect(last?["action"] as? String == "unlink-case")
        #expect(last?["reason"] as? String == "different village")
    }

    @Test("linking a case to itself, twice, or in a cycle of duplicates is refused")
    func refusals() throws {
        let env = try deskEnvironment()
        let a = try open("a", ref: "A-1", env: env)
        let b = try open("b", ref: "B-1", env: env)
        let c = try open("c", ref: "C-1", env: env)
        let selfLink = verity(["case", "link", a, "--to", "A-1", "--kind", "related", "--reason", "x"], environment: env)
        #expect(selfLink.status == 65)
        #expect(selfLink.stderr.contains("cannot be linked to itself"))
        #expect(verity(["case", "link", a, "--to", b, "--kind", "cousin-of", "--reason", "x"], environment: env).status == 64)
        #expect(verity(["case", "link", a, "--to", b, "--kind", "related", "--reason", " "], environment: env).status == 64)
        #expect(verity(["case", "link", a, "--to", "999", "--kind", "related", "--reason", "x"], environment: env).status == 66)

        #expect(verity(["case", "link", a, "--to", b, "--kind", "duplicate-of", "--reason", "x"], environment: env).status == 0)
        #expect(verity(["case", "link", b, "--to", c, "--kind", "duplicate-of", "--reason", "x"], environment: env).status == 0)
        let cycle = verity(["case", "link", c, "--to", a, "--kind", "duplicate-of", "--reason", "x"], environment: env)
        #expect(cycle.status == 65)
        #expect(cycle.stderr.contains("which would make a cycle"))
        let second = verity(["case", "link", a, "--to", c, "--kind", "duplicate-of", "--reason", "x"], environment: env)
        #expect(second.status == 65)
        #expect(second.stderr.contains("already a duplicate of case \(b)"))
        // a chain of duplicates follows its root
        #expect(try json(verity(["case", "show", a, "--format", "json"], environment: env))["canonical_case_id"] as? Int == Int(c))

        let missing = verity(["case", "unlink", a, "--to", c, "--kind", "related", "--reason", "x"], environment: env)
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("is not linked to case \(c) (C-1) as related"))
        #expect(verity(["case", "link", a, "--to", c, "--kind", "contradicts", "--reason", "x"], environment: env).status == 0)
        let twice = verity(["case", "link", a, "--to", c, "--kind", "contradicts", "--reason", "x"], environment: env)
        #expect(twice.status == 65)
    }

    @Test("the status report counts a duplicate once, now and as of a past instant")
    func reportCountsOnce() throws {
        let env = try deskEnvironment()
        let canonical = try open("450 dead people", ref: "IZY-001", env: env)
        let duplicate = try open("450 bodies", ref: "IZY-014", env: env)
        _ = try open("unrelated", ref: "OTHER-1", env: env)
        func total() throws -> Int? {
            let report = verity(["report", "status", "--format", "json"], environment: env)
            return try json(report)["total"] as? Int
        }
        #expect(try total() == 3)
        // An instant after the cases were opened and before the link.
        let beforeLink = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 0.001).rounded(.up))
        Thread.sleep(forTimeInterval: beforeLink.timeIntervalSinceNow + 0.05)
        #expect(verity(["case", "link", duplicate, "--to", canonical, "--kind", "duplicate-of", "--reason", "same"], environment: env).status == 0)
        #expect(try total() == 2)
        let report = try json(verity(["report", "status", "--format", "json"], environment: env))
        #expect(report["duplicates"] as? Int == 1)
        let markdown = verity(["report", "status"], environment: env)
        #expect(markdown.stdout.contains("Total: **2** cases (and 1 duplicate, counted with its canonical case)."), "\(markdown.stdout)")
        let html = verity(["report", "status", "--format", "html"], environment: env)
        #expect(html.stdout.contains("2 cases (and 1 duplicate, counted with its canonical case)"))
        #expect(html.stdout.contains("case \(duplicate) (IZY-014) duplicate-of this case"), "the link is in the report's recent activity")
        let asOf = ISO8601DateFormatter().string(from: beforeLink)
        let past = try json(verity(["report", "status", "--format", "json", "--as-of", asOf], environment: env))
        #expect(past["total"] as? Int == 3)
        #expect(past["duplicates"] as? Int == 0)
        let later = try json(verity(["report", "status", "--format", "json", "--as-of", ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.up)))], environment: env))
        #expect(later["total"] as? Int == 2)
        #expect(later["duplicates"] as? Int == 1)
        #expect(verity(["case", "link", duplicate, "--to", canonical, "--kind", "related", "--reason", "also"], environment: env).status == 0)
        #expect(try total() == 2)
    }

    @Test("case show and the dossier summarise the Admiralty grades the assessment rests on")
    func gradeRollUp() throws {
        let env = try deskEnvironment()
        let id = try open("450 dead people", ref: "IZY-001", env: env)
        for (reliability, title) in [("B", "AFP"), ("B", "Reuters"), ("E", "RT")] {
            #expect(verity(["source", "add", "https://example.org/\(title)", "--title", title, "--publisher", title,
                            "--reliability", reliability, "--case", id], environment: env).status == 0)
        }
        for (stance, credibility, source) in [("supports", "2", "1"), ("supports", "2", "2"), ("refutes", "5", "3")] {
            #expect(verity(["evidence", "add", id, "--stance", stance, "--credibility", credibility, "--source", source, "--note", "n"], environment: env).status == 0)
        }
        #expect(verity(["evidence", "add", id, "--stance", "supports", "--credibility", "3", "--note", "no source"], environment: env).status == 0)
        let shown = try json(verity(["case", "show", id, "--format", "json"], environment: env))
        let grades = try #require(shown["grades"] as? [String: Any])
        #expect(grades["summary"] as? String == "2 × B2, 1 × F3 supporting; 1 × E5 refuting")
        #expect((grades["supporting"] as? [[String: Any]])?.first?["count"] as? Int == 2)
        #expect(verity(["case", "show", id], environment: env).stdout.contains("grades     2 × B2, 1 × F3 supporting; 1 × E5 refuting"))
        #expect(verity(["report", "case", id], environment: env).stdout.contains("Grades: 2 × B2, 1 × F3 supporting; 1 × E5 refuting."))
    }

    @Test("case link takes the kind as --kind and the reviewer as --as; the old --as KIND --by HANDLE still works, with a deprecation line")
    func kindAndActorSpelling() throws {
        let env = try deskEnvironment()
        var noActor = env
        noActor["VERITY_REVIEWER"] = nil
        let a = try open("claim one", ref: "K-1", env: env)
        let b = try open("claim two", ref: "K-2", env: env)
        let c = try open("claim three", ref: "K-3", env: env)
        let modern = verity(["case", "link", a, "--to", b, "--kind", "related", "--reason", "same town", "--as", "analyst", "--format", "json"], environment: noActor)
        #expect(modern.status == 0, "\(modern.stderr)")
        #expect(!modern.stderr.contains("deprecated"), "\(modern.stderr)")
        let old = verity(["case", "link", a, "--to", c, "--as", "contradicts", "--reason", "other count", "--by", "analyst"], environment: noActor)
        #expect(old.status == 0, "\(old.stderr)")
        #expect(old.stderr.contains("`--as contradicts` naming the kind of link is deprecated; write `--kind contradicts`"), "\(old.stderr)")
        #expect(old.stderr.contains("`--by analyst` is deprecated; write `--as analyst`"), "\(old.stderr)")
        let history = verity(["case", "history", a, "--format", "json"], environment: env)
        let actors = try #require(try history.json() as? [[String: Any]]).filter { ($0["action"] as? String) == "link-case" }.map { $0["actor"] as? String }
        #expect(actors == ["analyst", "analyst"], "\(history.stdout)")
        let noKind = verity(["case", "link", a, "--to", b, "--reason", "r", "--as", "analyst"], environment: env)
        #expect(noKind.status == 64)
        #expect(noKind.stderr.contains("--kind"), "\(noKind.stderr)")
    }

    @Test("one rule for a duplicate everywhere: shown with its canonical case's state, moved from its own, counted once, and each place says so")
    func duplicateSaidTheSameEverywhere() throws {
        let env = try deskEnvironment()
        let canonical = try open("450 dead people", ref: "IZY-001", env: env)
        let duplicate = try open("450 bodies", ref: "IZY-014", env: env)
        assessCase(canonical, env: env)
        #expect(verity(["case", "link", duplicate, "--to", canonical, "--kind", "duplicate-of", "--reason", "same"], environment: env).status == 0)
        let moved = verity(["case", "move", duplicate, "--to", "evidence-pending"], environment: env)
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(moved.stdout.contains("is now evidence-pending."))
        #expect(moved.stdout.contains("It is a duplicate of case \(canonical): `case show`, lists and reports show the canonical case's state and verdict."))
        let shown = verity(["case", "show", duplicate], environment: env).stdout
        #expect(shown.contains("state      assessed"), "\(shown)")
        #expect(shown.contains("next       from its own state, evidence-pending: disputed, assessed"), "\(shown)")
        #expect(shown.contains("duplicate  of case \(canonical), which is assessed"), "\(shown)")
        #expect(verity(["case", "list", "--state", "assessed"], environment: env).stdout.contains("assessed (dup of \(canonical))"))
        let report = verity(["report", "status"], environment: env).stdout
        #expect(report.contains("Total: **1** case (and 1 duplicate, counted with its canonical case)."), "\(report)")
    }
}
