import Foundation
import Testing
import VerityTestSupport

/// `verity import FILE --format claimreview` in its three shapes (files written for these tests
/// in each real shape: Tests/Fixtures/claimreview/), through the import engine: all or nothing,
/// dry run, and a re-import that changes nothing.
@Suite("import --format claimreview: ClaimReview JSON-LD, DataFeed, Fact Check Tools")
struct ClaimReviewImportTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/claimreview")
    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    static func desk() throws -> [String: String] {
        let env = ["VERITY_DATABASE_URL": try TestServer.shared.makeDatabase(), "VERITY_REVIEWER": "editor"]
        #expect(verity(["reviewer", "add", "editor", "--name", "Desk editor", "--role", "editor"], environment: env).status == 0)
        return env
    }

    static func cases(_ env: [String: String]) throws -> [[String: Any]] {
        try #require(try verity(["case", "list", "--format", "json"], environment: env).json() as? [[String: Any]])
    }

    static func write(_ text: String, _ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "verity-cr-\(UUID().uuidString.prefix(8))-\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("each shape imports: a case per review, the review a source linked as evidence, the rating a context note",
          arguments: [("claimreview-array.jsonld", 2), ("datafeed.json", 2), ("claims-search.json", 3)])
    func shapes(file: String, reviews: Int) throws {
        let env = try Self.desk()
        let imported = verity(["import", Self.fixture(file), "--format", "claimreview"], environment: env)
        #expect(imported.status == 0, "\(imported.stderr)")
        let cases = try Self.cases(env)
        #expect(cases.count == reviews)
        #expect(cases.allSatisfy { ($0["ref"] as? String ?? "").hasPrefix("CR-") && $0["state"] as? String == "claimed" })
        let first = try #require(cases.first?["ref"] as? String)
        let shown = try json(verity(["case", "show", first, "--format", "json"], environment: env))
        let notes = try #require(shown["evidence"] as? [[String: Any]])
        #expect(notes.count == 1 && notes[0]["stance"] as? String == "context")
        #expect((notes[0]["note"] as? String ?? "").contains(" rated this claim "), "\(notes)")
        let again = verity(["import", Self.fixture(file), "--format", "claimreview"], environment: env)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("nothing changed"), "\(again.stdout)")
    }

    @Test("the JSON-LD shape keeps the claim, the claimant and its type, the dates and the Cyrillic text")
    func jsonLDFields() throws {
        let env = try Self.desk()
        #expect(verity(["import", Self.fixture("claimreview-array.jsonld")], environment: env).status == 0)
        let cases = try Self.cases(env)
        let stopfake = try #require(cases.first { ($0["claim"] as? String ?? "").hasPrefix("Масові поховання") })
        #expect(stopfake["claimant"] as? String == "Міністерство оборони РФ")
        #expect(stopfake["claimed_at"] as? String == "2022-09-18")
        let sources = try #require(try verity(["source", "list", "--format", "json"], environment: env).json() as? [[String: Any]])
        let review = try #require(sources.first { $0["url"] as? String == "https://stopfake.example/uk/izium-inscenuvannya" })
        #expect(review["publisher"] as? String == "StopFake")
        #expect(review["title"] as? String == "Фейк: поховання в Ізюмі інсценовані")
        #expect(review["published_at"] as? String == "2022-09-20")
        // The claimant's type travels to the export: an Organization, as the feed says.
        let exported = verity(["export", "database"], environment: env)
        #expect(exported.stdout.contains(#""claimant_type":"Organization""#), "\(exported.stdout.prefix(2000))")
        #expect(exported.stdout.contains(#""role":"evidence""#))
    }

    @Test("--as-assessed maps textual and numeric ratings to verdicts (default table), and re-imports as nothing changed")
    func asAssessed() throws {
        let env = try Self.desk()
        for file in ["claimreview-array.jsonld", "datafeed.json", "claims-search.json"] {
            let imported = verity(["import", Self.fixture(file), "--as-assessed"], environment: env)
            #expect(imported.status == 0, "\(file): \(imported.stderr)")
        }
        let cases = try Self.cases(env)
        let verdicts = Dictionary(cases.map { ($0["claim"] as? String ?? "", $0["verdict"] as? String ?? "") }) { first, _ in first }
        #expect(verdicts["As of today, there are 450 dead people in Izium"] == "mostly-true")  // "Mostly true"
        #expect(verdicts["Масові поховання в Ізюмі — інсценування українських військових"] == "false")  // "Фейк"
        #expect(verdicts["Balakliia was shelled by Ukrainian forces on 9 September"] == "mostly-false")  // 2 of 1-5
        #expect(verdicts["The Kupiansk bridge was blown up on 1 September"] == "mixed")  // "Half-True"
        #expect(verdicts["Ukraine staged the Izium graves with mannequins"] == "false")  // "Pants on Fire!"
        #expect(cases.filter { $0["verdict"] as? String == "mostly-false" }.count == 3, "2 of 1-5, Маніпуляція, Misleading. ...")
        for file in ["claimreview-array.jsonld", "datafeed.json", "claims-search.json"] {
            let again = verity(["import", Self.fixture(file), "--as-assessed"], environment: env)
            #expect(again.stdout.contains("nothing changed"), "\(file): \(again.stdout)\(again.stderr)")
        }
        let audit = verity(["audit", "verify"], environment: env)
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
        // Published again by this desk: where the claim appeared (itemReviewed.appearance of the
        // feed) is an appearance; the other desk's review is evidence; the export passes the shapes.
        let path = NSTemporaryDirectory() + "verity-cr-\(UUID().uuidString.prefix(8))-export.json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let exported = verity([
            "export", "claimreview", "--all-assessed", "--publisher", "Desk", "--url-template", "https://desk.example/{ref}",
            "--output", path,
        ], environment: env)
        #expect(exported.status == 0, "\(exported.stderr)")
        let reviews = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [[String: Any]])
        let zelensky = try #require(reviews.first { $0["claimReviewed"] as? String == "As of today, there are 450 dead people in Izium" })
        let item = try #require(zelensky["itemReviewed"] as? [String: Any])
        #expect((item["appearance"] as? [[String: Any]])?.compactMap { $0["url"] as? String } == ["https://news.example/zelensky-izium"])
        let outcome = try ClaimReviewExportTests.validate(path, expect: 7)
        #expect(outcome.status == 0 && outcome.stdout.contains("violations: 0"), "\(outcome.stdout)\(outcome.stderr)")
    }

    @Test("a rating outside the map is refused with its item's line and path; --rating-map adds it")
    func ratingMap() throws {
        let env = try Self.desk()
        let feed = try Self.write("""
            {"claims": [
              {"text": "The Izium graves are from 2014", "claimant": "A blogger",
               "claimReview": [{"publisher": {"name": "Desk"}, "url": "https://desk.example/1",
                                "reviewDate": "2022-09-25", "textualRating": "Четыре Пиноккио"}]}
            ]}
            """, "feed.json")
        defer { try? FileManager.default.removeItem(atPath: feed) }
        let refused = verity(["import", feed, "--as-assessed"], environment: env)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("\(feed):3: claims[0].claimReview[0].textualRating: \"Четыре Пиноккио\" is not in the rating map"),
                "\(refused.stderr)")
        #expect(try Self.cases(env).isEmpty, "nothing was written")
        let map = try Self.write(#"{"Четыре Пиноккио": "false"}"#, "map.json")
        defer { try? FileManager.default.removeItem(atPath: map) }
        let dry = verity(["import", feed, "--as-assessed", "--rating-map", map, "--dry-run"], environment: env)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try Self.cases(env).isEmpty, "a dry run writes nothing")
        let imported = verity(["import", feed, "--as-assessed", "--rating-map", map], environment: env)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try Self.cases(env).first?["verdict"] as? String == "false")
        let badMap = try Self.write(#"{"Четыре Пиноккио": "wrong"}"#, "bad-map.json")
        defer { try? FileManager.default.removeItem(atPath: badMap) }
        let refusedMap = verity(["import", feed, "--as-assessed", "--rating-map", badMap], environment: env)
        #expect(refusedMap.status == 64)
        #expect(refusedMap.stderr.contains("maps to an unknown verdict"))
    }

    @Test("problems name the file, the item's line and the feed's field; one bad item refuses the whole file")
    func problems() throws {
        let env = try Self.desk()
        let feed = try Self.write("""
            [
              {"@type": "ClaimReview", "url": "https://desk.example/ok", "claimReviewed": "fine",
               "reviewRating": {"alternateName": "False"}},
              {"@type": "ClaimReview", "claimReviewed": "no address"},
              {"@type": "ClaimReview", "url": "https://desk.example/date", "claimReviewed": "bad date",
               "datePublished": "21/09/2022"},
              {"@type": "Claim", "text": "not a review"}
            ]
            """, "bad.jsonld")
        defer { try? FileManager.default.removeItem(atPath: feed) }
        let refused = verity(["import", feed], environment: env)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("\(feed):4: [1].url: is required"), "\(refused.stderr)")
        #expect(refused.stderr.contains("\(feed):5: [2].datePublished: \"21/09/2022\" is not a date"), "\(refused.stderr)")
        #expect(refused.stderr.contains("\(feed):7: [3].@type: is \"Claim\"; a ClaimReview is expected here"), "\(refused.stderr)")
        #expect(try Self.cases(env).isEmpty)
        let notJSON = try Self.write("{\"claims\": [\n  {\"text\": \"x\",,}\n]}", "broken.json")
        defer { try? FileManager.default.removeItem(atPath: notJSON) }
        let broken = verity(["import", notJSON], environment: env)
        #expect(broken.status == 64)
        #expect(broken.stderr.contains("\(notJSON):2: json:"), "\(broken.stderr)")
        let other = try Self.write(#"{"hello": "world"}"#, "other.json")
        defer { try? FileManager.default.removeItem(atPath: other) }
        #expect(verity(["import", other], environment: env).stderr.contains("is not a ClaimReview feed"))
        #expect(verity(["import", other, "--format", "jsonl", "--as-assessed"], environment: env).status == 64)
    }
}
