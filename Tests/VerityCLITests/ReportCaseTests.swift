import Foundation
import Testing
import VerityCore
import VerityTestSupport

@Suite("verity report case and export claimreview")
struct ReportCaseTests {
    @Test("the dossier shows claim, timeline, sources with hashes, graded evidence by stance, reviewers and verdict")
    func dossierJSON() throws {
        let desk = try IziumDesk.shared()
        let result = verity(["report", "case", "IZY-001", "--database-url", desk.url, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let dossier = try #require(try result.json() as? [String: Any])
        let summary = try #require(dossier["case"] as? [String: Any])
        #expect(summary["claim"] as? String == "As of today, there are 450 dead people")
        #expect(summary["claimant"] as? String == "Volodymyr Zelensky")
        #expect(summary["claimed_at"] as? String == "2022-09-16")
        let timeline = try #require(dossier["timeline"] as? [[String: Any]])
        #expect(timeline.map { $0["action"] as? String } == ["open", "assign", "dispute", "move", "link-source", "add-evidence", "assess"])
        #expect(timeline[2]["reason"] as? String == "Kremlin spokesman: it's a lie")
        #expect(timeline[0]["at"] as? String == "2022-09-16T10:00:00Z")
        let sources = try #require(dossier["sources"] as? [[String: Any]])
        #expect(sources.first?["file_sha256"] as? String == String(repeating: "ab", count: 32))
        #expect(sources.first?["publisher"] as? String == "Example Wire")
        #expect(sources.first?["reliability"] as? String == "B")
        let evidence = try #require(dossier["evidence"] as? [[String: Any]])
        #expect(evidence.map { $0["stance"] as? String } == ["supports", "refutes", "context"])
        let supports = try #require(evidence[0]["notes"] as? [[String: Any]])
        #expect(supports.first?["grade"] as? String == "-2", "a note citing no source has no reliability letter")
        let reviewers = try #require(dossier["reviewers"] as? [[String: Any]])
        #expect(reviewers.first?["handle"] as? String == "alice")
        #expect(reviewers.first?["lead"] as? Bool == true)
        let verdict = try #require(dossier["verdict"] as? [String: Any])
        #expect(verdict["verdict"] as? String == "mostly-true")
        #expect(verdict["confidence"] as? Int == 2)
        #expect(verdict["rationale"] as? String == "the evidence")
    }

    @Test("an evidence note citing a graded source shows the Admiralty grade, in Markdown and HTML")
    func dossierGrades() throws {
        let desk = try IziumDesk.make()
        let w = HistoryWriter(db: try desk.connect())
        let c2 = try #require(desk.ids["c2"])
        let source = try w.source(
            "2022-09-19T08:00:00Z", url: "https://example.org/peskov", title: "Peskov briefing", publisher: "TASS", reliability: "D",
            linkTo: c2)
        try w.evidence("2022-09-19T09:00:00Z", c2, stance: "context", credibility: 4, source: source)
        let markdown = verity(["report", "case", "IZY-002", "--database-url", desk.url])
        #expect(markdown.status == 0, "\(markdown.stderr)")
        #expect(markdown.stdout.contains("- **D4** satellite images of the site (source \(source), TASS: Peskov briefing)"))
        #expect(markdown.stdout.contains("Not assessed yet."))
        #expect(markdown.stdout.contains("| 2022-09-19 12:00 UTC | editor | unassign | removed bob |"))
        let html = verity(["report", "case", "IZY-002", "--database-url", desk.url, "--format", "html"])
        #expect(html.status == 0, "\(html.stderr)")
        #expect(html.stdout.contains("<span class=\"grade\">D4</span>"))
        try ReportHTMLCheck.wellFormed(html.stdout)
        ReportHTMLCheck.selfContained(html.stdout)
    }

    @Test("a verdict's confidence is worded about the verdict: a false claim at confidence 2 never reads 'probably true'")
    func confidenceWording() throws {
        let desk = try IziumDesk.make()
        let w = HistoryWriter(db: try desk.connect())
        let c2 = try #require(desk.ids["c2"])
        try w.evidence("2022-09-19T09:00:00Z", c2, stance: "refutes", credibility: 2, source: nil)
        let assess = verity([
            "case", "assess", "IZY-002", "--verdict", "false", "--confidence", "2", "--rationale", "contradicted",
            "--as", "alice", "--database-url", desk.url,
        ])
        #expect(assess.status == 0, "\(assess.stderr)")
        for format in ["markdown", "html"] {
            let dossier = verity(["report", "case", "IZY-002", "--database-url", desk.url, "--format", format])
            #expect(dossier.status == 0, "\(dossier.stderr)")
            #expect(dossier.stdout.contains("confidence 2/6 (verdict probably right)"), "\(format)")
            #expect(!dossier.stdout.contains("probably true"), "\(format)")
        }
        let show = verity(["case", "show", "IZY-002", "--database-url", desk.url])
        #expect(show.stdout.contains("false, confidence 2/6 (verdict probably right)"), "\(show.stdout)")
    }

    @Test("the dossier escapes hostile claims in HTML and Markdown")
    func dossierHostile() throws {
        let desk = try IziumDesk.shared()
        let html = verity(["report", "case", "IZY-004", "--database-url", desk.url, "--format", "html"])
        #expect(html.status == 0, "\(html.stderr)")
        #expect(!html.stdout.contains("<script>"))
        #expect(html.stdout.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"))
        #expect(html.stdout.contains("Anonymous &lt;b&gt;channel&lt;/b&gt;"))
        try ReportHTMLCheck.wellFormed(html.stdout)
        let markdown = verity(["report", "case", "IZY-004", "--database-url", desk.url])
        #expect(markdown.stdout.contains("> \\<script\\>alert(1)\\</script\\> \\& \"quotes\" 'single' \\| pipe"))
    }

    @Test("an unknown case is not found (66)")
    func unknownCase() throws {
        let desk = try IziumDesk.shared()
        let result = verity(["report", "case", "NOPE-1", "--database-url", desk.url])
        #expect(result.status == 66)
        #expect(result.stderr.contains("no case NOPE-1"))
    }

    @Test("ClaimReview has the required and recommended schema.org fields")
    func claimReview() throws {
        let desk = try IziumDesk.shared()
        let result = verity([
            "export", "claimreview", "--case", "IZY-001", "--publisher", "Kharkiv Desk", "--publisher-url", "https://desk.example",
            "--url-template", "https://desk.example/checks/{ref}", "--database-url", desk.url,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let array = try #require(try result.json() as? [[String: Any]])
        #expect(array.count == 1)
        let review = array[0]
        #expect(review["@context"] as? String == "https://schema.org")
        #expect(review["@type"] as? String == "ClaimReview")
        #expect(review["claimReviewed"] as? String == "As of today, there are 450 dead people")
        #expect(review["datePublished"] as? String == "2022-09-21")
        #expect(review["url"] as? String == "https://desk.example/checks/IZY-001")
        let rating = try #require(review["reviewRating"] as? [String: Any])
        #expect(rating["@type"] as? String == "Rating")
        #expect(rating["ratingValue"] as? Int == 4)
        #expect(rating["bestRating"] as? Int == 5)
        #expect(rating["worstRating"] as? Int == 1)
        #expect(rating["alternateName"] as? String == "Mostly true", "the desk's wording, not the slug")
        #expect(review["reviewBody"] as? String == "the evidence", "the assessment's rationale")
        let item = try #require(review["itemReviewed"] as? [String: Any])
        #expect(item["@type"] as? String == "Claim")
        #expect(item["datePublished"] as? String == "2022-09-16")
        let author = try #require(item["author"] as? [String: Any])
        #expect(author["@type"] as? String == "Person")
        #expect(author["name"] as? String == "Volodymyr Zelensky")
        let appearance = try #require(item["appearance"] as? [[String: Any]])
        #expect(appearance.first?["@type"] as? String == "CreativeWork")
        #expect(appearance.first?["url"] as? String == "https://example.org/izium-graves")
        let publisher = try #require(review["author"] as? [String: Any])
        #expect(publisher["@type"] as? String == "Organization")
        #expect(publisher["name"] as? String == "Kharkiv Desk")
        #expect(publisher["url"] as? String == "https://desk.example")
    }

    @Test("unverifiable verdicts keep alternateName but carry no numeric rating; --all-assessed skips open cases")
    func allAssessed() throws {
        let desk = try IziumDesk.shared()
        let result = verity([
            "export", "claimreview", "--all-assessed", "--case", "IZY-001", "--case", "IZY-002", "--case", String(desk.ids["old"]!),
            "--publisher", "Kharkiv Desk", "--database-url", desk.url,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("skipped (not assessed): \(desk.ids["c2"]!) (IZY-002) (evidence-pending)"))
        let array = try #require(try result.json() as? [[String: Any]])
        #expect(array.map { $0["claimReviewed"] as? String } == ["Old claim about Balakliia", "As of today, there are 450 dead people"])
        let rating = try #require(array[0]["reviewRating"] as? [String: Any])
        #expect(rating["alternateName"] as? String == "Unverifiable")
        #expect(rating["ratingValue"] == nil && rating["bestRating"] == nil && rating["worstRating"] == nil)
        let everything = verity(["export", "claimreview", "--all-assessed", "--database-url", desk.url])
        let all = try #require(try everything.json() as? [[String: Any]])
        #expect(all.count == 2, "the assessed cases: the old one and IZY-001 (IZY-004 was reopened)")
        #expect(all.allSatisfy { $0["author"] == nil })
    }

    @Test("--output streams the export into a file, replaced whole")
    func exportToFile() throws {
        let desk = try IziumDesk.shared()
        let path = NSTemporaryDirectory() + "verity-claimreview-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = verity(["export", "claimreview", "--all-assessed", "--publisher", "Desk", "--output", path, "--database-url", desk.url])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [[String: Any]])
        #expect(array.count == 2)
        let refused = verity(["export", "claimreview", "--case", "IZY-003", "--output", path, "--database-url", desk.url])
        #expect(refused.status == 65)
        let unchanged = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [Any])
        #expect(unchanged.count == 2, "a refused export leaves the file as it was")
    }

    @Test("naming a case that is not assessed is refused (65) and names it")
    func refusesOpenCases() throws {
        let desk = try IziumDesk.shared()
        let result = verity(["export", "claimreview", "--case", "IZY-001", "--case", "IZY-003", "--case", "IZY-004", "--database-url", desk.url])
        #expect(result.status == 65)
        #expect(result.stderr.contains("not assessed: \(desk.ids["c3"]!) (IZY-003) (disputed), \(desk.ids["c4"]!) (IZY-004) (evidence-pending)"))
        #expect(result.stdout.isEmpty)
        let nothing = verity(["export", "claimreview", "--database-url", desk.url])
        #expect(nothing.status == 64)
    }
}
