import Foundation
import Testing
import VerityTestSupport

/// `verity export claimreview` checked offline against SHACL shapes of Google's ClaimReview
/// requirements (Tests/Fixtures/claimreview/, validated with pyshacl and a local schema.org
/// context: nothing is fetched), and the roles of sources that decide what is an appearance.
@Suite("export claimreview: SHACL-valid, appearances only, the desk's wording")
struct ClaimReviewExportTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repository.appendingPathComponent("Tests/Fixtures/claimreview")
    static let seeds = repository.appendingPathComponent("seeds/izium-2022.jsonl").path

    /// Runs Tests/Fixtures/claimreview/validate.py on `path` (exit 0: no violations).
    static func validate(_ path: String, expect count: Int) throws -> ChildProcess.Outcome {
        try ChildProcess.run(
            "/usr/bin/env",
            ["python3", fixtures.appendingPathComponent("validate.py").path, path, "--expect", String(count)])
    }

    static func temporaryFile(_ name: String) -> String {
        NSTemporaryDirectory() + "verity-claimreview-\(UUID().uuidString.prefix(8))-\(name)"
    }

    /// The Izium seed desk with every case assessed, as a desk would publish it: an
    /// independent source for some verdicts (linked as evidence, or by a refuting note),
    /// the desk's publisher and review pages in its settings.
    static func assessedSeedDesk() throws -> [String: String] {
        let url = try TestServer.shared.makeDatabase()
        let env = ["VERITY_DATABASE_URL": url, "VERITY_REVIEWER": "editor"]
        let imported = verity(["import", seeds], environment: env)
        #expect(imported.status == 0, "\(imported.stderr)")
        func run(_ arguments: [String]) {
            let result = verity(arguments, environment: env)
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
        }
        run(["config", "set", "publisher", "Kharkiv Verification Desk"])
        run(["config", "set", "publisher-url", "https://desk.example"])
        run(["config", "set", "review-url-template", "https://desk.example/checks/{ref}"])
        run(["config", "set", "label-mostly-true", "Mostly true (figure later revised)"])
        // An independent report, linked as evidence by its role...
        run([
            "source", "add", "https://example.org/ohchr-izium-exhumations", "--title", "Exhumations in Izium",
            "--publisher", "OHCHR", "--published-at", "2022-09-23", "--ref", "SRC-OHCHR-IZIUM", "--reliability", "B",
            "--case", "IZY-2022-001", "--case", "IZY-2022-003", "--role", "evidence",
        ])
        run(["evidence", "add", "IZY-2022-001", "--stance", "supports", "--credibility", "2", "--note", "440 bodies exhumed",
             "--source", "SRC-OHCHR-IZIUM"])
        run(["evidence", "add", "IZY-2022-003", "--stance", "supports", "--credibility", "2", "--note", "bound hands documented",
             "--source", "SRC-OHCHR-IZIUM"])
        // ... and one linked only by the note that refutes the claim (evidence by the rule).
        run([
            "source", "add", "https://example.org/hrw-izium-torture", "--title", "Ukraine: Torture, Disappearances in Occupied South",
            "--publisher", "Human Rights Watch", "--published-at", "2022-10-19", "--ref", "SRC-HRW-IZIUM",
        ])
        run(["evidence", "add", "IZY-2022-004", "--stance", "refutes", "--credibility", "2", "--note", "documented abuses",
             "--source", "SRC-HRW-IZIUM"])
        run(["case", "update", "IZY-2022-004", "--claimant-type", "Person"])
        for ref in ["IZY-2022-001", "IZY-2022-002", "IZY-2022-003"] {
            run(["case", "move", ref, "--to", "evidence-pending"])
        }
        let verdicts: [(String, String)] = [
            ("IZY-2022-001", "mostly-true"), ("IZY-2022-002", "mixed"), ("IZY-2022-003", "true"),
            ("IZY-2022-004", "false"), ("IZY-2022-005", "unverifiable"),
        ]
        for (ref, verdict) in verdicts {
            run(["case", "assess", ref, "--verdict", verdict, "--confidence", "2", "--rationale", "Rationale for \(ref)."])
        }
        return env
    }

    @Test("every assessed seed case's ClaimReview passes the SHACL shapes with zero violations (offline)")
    func seedsPassTheShapes() throws {
        let env = try Self.assessedSeedDesk()
        let path = Self.temporaryFile("seeds.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let exported = verity(["export", "claimreview", "--all-assessed", "--output", path], environment: env)
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(!exported.stderr.contains("note:"), "the desk settings give the publisher and the review pages")
        let outcome = try Self.validate(path, expect: 5)
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("violations: 0"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("reviews: 5"), "\(outcome.stdout)")
    }

    @Test("only appearances are listed: the article quoting the claim, not the sources that check it")
    func appearancesOnly() throws {
        let env = try Self.assessedSeedDesk()
        let exported = verity(["export", "claimreview", "--all-assessed"], environment: env)
        let reviews = try #require(try exported.json() as? [[String: Any]])
        let byRef = Dictionary(uniqueKeysWithValues: reviews.map { (($0["url"] as? String ?? "").components(separatedBy: "/").last ?? "", $0) })
        for (ref, review) in byRef {
            let item = try #require(review["itemReviewed"] as? [String: Any])
            let urls = (item["appearance"] as? [[String: Any]] ?? []).compactMap { $0["url"] as? String }
            #expect(!urls.contains { $0.contains("ohchr") || $0.contains("hrw") }, "\(ref): \(urls)")
            #expect(urls.contains("file:shared/seed-article/000_b964e9294beca8cb.txt"), "\(ref): the RT article quotes the claim")
            let first = try #require(item["firstAppearance"] as? [String: Any])
            #expect(first["url"] as? String == urls.first)
        }
        let first = try #require(byRef["IZY-2022-001"])
        let rating = try #require(first["reviewRating"] as? [String: Any])
        #expect(rating["alternateName"] as? String == "Mostly true (figure later revised)")
        #expect(rating["ratingValue"] as? Int == 4 && rating["bestRating"] as? Int == 5 && rating["worstRating"] as? Int == 1)
        #expect(first["reviewBody"] as? String == "Rationale for IZY-2022-001.")
        let author = try #require(first["author"] as? [String: Any])
        #expect(author["name"] as? String == "Kharkiv Verification Desk")
        #expect(author["url"] as? String == "https://desk.example")
        let unverifiable = try #require(byRef["IZY-2022-005"]?["reviewRating"] as? [String: Any])
        #expect(unverifiable["alternateName"] as? String == "Unverifiable")
        #expect(unverifiable["ratingValue"] == nil && unverifiable["bestRating"] == nil && unverifiable["worstRating"] == nil)
        let peskov = try #require(byRef["IZY-2022-004"]?["itemReviewed"] as? [String: Any])
        #expect((peskov["author"] as? [String: Any])?["@type"] as? String == "Person")
        // case show says each source's role, and whether it was said (the import stores the rule's
        // role) or is inferred when the export runs (a link made without one).
        let added = verity([
            "source", "add", "https://social.example/post/1", "--title", "A post repeating the claim", "--publisher", "Social",
            "--case", "IZY-2022-001", "--ref", "SRC-POST",
        ], environment: env)
        #expect(added.status == 0, "\(added.stderr)")
        let shown = try json(verity(["case", "show", "IZY-2022-001", "--format", "json"], environment: env))
        let roles = Dictionary(uniqueKeysWithValues: try #require(shown["sources"] as? [[String: Any]]).map {
            ($0["ref"] as? String ?? "", "\($0["role"] as? String ?? "")\($0["role_inferred"] as? Bool == true ? " (inferred)" : "")")
        })
        #expect(roles == ["SRC-RT-IZIUM-PESKOV": "appearance", "SRC-AFP-IZIUM-PHOTO": "appearance",
                          "SRC-OHCHR-IZIUM": "evidence", "SRC-POST": "appearance (inferred)"], "\(roles)")
        let table = verity(["case", "show", "IZY-2022-001"], environment: env.merging(["COLUMNS": "400"]) { $1 })
        #expect(table.stdout.contains("appearance (inferred)"), "\(table.stdout)")
    }

    @Test("the publisher, review pages and verdict wording are desk settings: editors set them, bad values are refused")
    func settings() throws {
        let env = try deskEnvironment()
        let set = verity(["config", "set", "label-false", "Неправда", "--reason", "Ukrainian edition"], environment: env)
        #expect(set.status == 0, "\(set.stderr)")
        let shown = try json(verity(["config", "show", "--format", "json"], environment: env))
        let labels = try #require(shown["verdict_labels"] as? [String: String])
        #expect(labels["false"] == "Неправда" && labels["mostly-false"] == "Mostly false")
        #expect((shown["history"] as? [[String: Any]])?.last?["setting"] as? String == "label-false")
        #expect(verity(["config", "set", "publisher-url", "desk.example"], environment: env).status == 64)
        #expect(verity(["config", "set", "label-mixed", " "], environment: env).status == 64)
        #expect(verity(["config", "set", "publisher", "Desk", "--as", "analyst"], environment: env).status == 65)
        #expect(verity(["config", "show"], environment: env).stdout.contains("label-false          Неправда"))
    }

    @Test("a link's role is set by source link --role, recorded in the history, and the audit still verifies")
    func roleChange() throws {
        let env = try Self.assessedSeedDesk()
        let linked = verity(
            ["source", "link", "SRC-RT-IZIUM-PESKOV", "--case", "IZY-2022-005", "--role", "evidence"], environment: env)
        #expect(linked.status == 0, "\(linked.stderr)")
        #expect(linked.stdout.contains("is now evidence for case IZY-2022-005"), "\(linked.stdout)")
        let again = verity(
            ["source", "link", "SRC-RT-IZIUM-PESKOV", "--case", "IZY-2022-005", "--role", "evidence"], environment: env)
        #expect(again.stdout.contains("already linked to case IZY-2022-005 as evidence"), "\(again.stdout)")
        let history = verity(["case", "history", "IZY-2022-005", "--format", "json"], environment: env)
        #expect(history.stdout.contains("source-role"), "\(history.stdout)")
        let exported = verity(["export", "claimreview", "--case", "IZY-2022-005"], environment: env)
        let review = try #require((try exported.json() as? [[String: Any]])?.first)
        let item = try #require(review["itemReviewed"] as? [String: Any])
        #expect(item["appearance"] == nil && item["firstAppearance"] == nil, "its only source is now evidence")
        let audit = verity(["audit", "verify"], environment: env)
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
        let bad = verity(["source", "link", "SRC-RT-IZIUM-PESKOV", "--case", "IZY-2022-005", "--role", "quote"], environment: env)
        #expect(bad.status == 64)
    }

    @Test("the shapes catch what the export used to get wrong: a slug, a partial scale, no author, url or body")
    func shapesCatchTheOldExport() throws {
        let path = Self.temporaryFile("old.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let old = """
            [{"@context": "https://schema.org", "@type": "ClaimReview", "claimReviewed": "As of today, there are 450 dead people",
              "datePublished": "2022-09-21",
              "reviewRating": {"@type": "Rating", "alternateName": "mostly-true", "ratingValue": 4, "bestRating": 5},
              "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Volodymyr Zelensky"}}}]
            """
        try old.write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = try Self.validate(path, expect: 1)
        #expect(outcome.status == 1)
        for message in ["not a slug", "given together", "Google: url", "Google: author", "reviewBody"] {
            #expect(outcome.stdout.contains(message), "\(message): \(outcome.stdout)")
        }
    }
}
