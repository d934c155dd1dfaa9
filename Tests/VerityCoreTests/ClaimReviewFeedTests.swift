import Foundation
import Testing
@testable import VerityCore

/// The ClaimReview feed reader without a database: the rating map, item lines, references.
@Suite("ClaimReview feeds: rating map, item lines, references")
struct ClaimReviewFeedTests {
    @Test("ratings map by their words, then by their place on their own scale",
          arguments: [
              ("Mostly False", nil, nil, nil, Verdict.mostlyFalse), ("Half-True!", nil, nil, nil, .mixed),
              ("Pants on Fire!", nil, nil, nil, .false), ("  ФЕЙК ", nil, nil, nil, .false),
              ("Маніпуляція", nil, nil, nil, .mostlyFalse), ("Misleading. The photo is from 2019", nil, nil, nil, .mostlyFalse),
              ("Unproven", nil, nil, nil, .unverifiable), ("Something else", 1, 5, 1, .false),
              (nil, 2, 5, 1, .mostlyFalse), (nil, 3, 5, 1, .mixed), (nil, 9, 10, 0, .true), (nil, 0.5, 1, 0, .mixed),
          ] as [(String?, Double?, Double?, Double?, Verdict)])
    func ratings(text: String?, value: Double?, best: Double?, worst: Double?, verdict: Verdict) {
        #expect(RatingMap.standard.verdict(text: text, value: value, best: best, worst: worst) == verdict)
    }

    @Test("a rating with no known words and no usable scale has no verdict")
    func unknownRating() {
        #expect(RatingMap.standard.verdict(text: "Four Pinocchios and a half", value: nil, best: nil, worst: nil) == nil)
        #expect(RatingMap.standard.verdict(text: nil, value: 7, best: 5, worst: 1) == nil, "outside its own scale")
        #expect(RatingMap.standard.verdict(text: nil, value: 3, best: 3, worst: 3) == nil, "a scale of one point")
    }

    @Test("a rating map file adds to the default table and overrides it; a bad one says what to write")
    func ratingMapFile() throws {
        let path = NSTemporaryDirectory() + "verity-rating-map-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"Pinocchio": "false", "Misleading": "mixed"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let map = try RatingMap.load(path: path)
        #expect(map.verdict(text: "pinocchio", value: nil, best: nil, worst: nil) == .false)
        #expect(map.verdict(text: "MISLEADING", value: nil, best: nil, worst: nil) == .mixed)
        #expect(map.verdict(text: "True", value: nil, best: nil, worst: nil) == .true)
        try #"["false"]"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: VerityError.self) { try RatingMap.load(path: path) }
    }

    @Test("each item's line is where it starts, pretty-printed or all on one line")
    func itemLines() {
        let pretty = Array("""
            {
              "claims": [
                {"text": "a, [not] {a} \\"quote\\"",
                 "claimReview": [
                   {"url": "u1"},
                   {"url": "u2"}
                 ]},
                {"text": "b", "claimReview": [{"url": "u3"}]}
              ]
            }
            """.utf8)
        let lines = LineIndex(pretty)
        #expect(lines.line(of: ["claims", "0"]) == 3)
        #expect(lines.line(of: ["claims", "0", "claimReview", "0"]) == 5)
        #expect(lines.line(of: ["claims", "0", "claimReview", "1"]) == 6)
        #expect(lines.line(of: ["claims", "1", "claimReview", "0"]) == 8)
        let minified = LineIndex(Array(#"[{"a":[1,{"b":2}]},{"c":3}]"#.utf8))
        #expect(minified.line(of: ["1"]) == 1 && minified.line(of: ["0", "a", "1"]) == 1)
    }

    @Test("a review's case and source references come from its address, the same on every import")
    func references() {
        let (caseRef, sourceRef) = ClaimReviewFeed.references(url: "https://factcheck.example/izium-450")
        #expect(caseRef.hasPrefix("CR-") && caseRef.count == 19)
        #expect(sourceRef == "CRS-" + caseRef.dropFirst(3))
        #expect(ClaimReviewFeed.references(url: "https://factcheck.example/izium-450") == (caseRef, sourceRef))
    }

    @Test("each review becomes a case, a source linked as evidence and a note; --as-assessed adds the move and the verdict")
    func records() throws {
        let feed = Array("""
            [{"@type": "ClaimReview", "url": "https://d.example/1", "claimReviewed": "c", "datePublished": "2022-09-21T10:00:00Z",
              "author": {"name": "Desk"}, "itemReviewed": {"author": {"@type": "Organization", "name": "Ministry"},
              "appearance": {"url": "https://t.me/channel/1"}},
              "reviewRating": {"alternateName": "False", "ratingValue": 1, "bestRating": 5, "worstRating": 1}}]
            """.utf8)
        let plain = ClaimReviewFeed.records(feed, options: .init())
        #expect(plain.issues.isEmpty)
        #expect(plain.records.map { kind($0.value) } == ["case", "source", "evidence", "source"])
        var options = ClaimReviewFeed.Options()
        options.asAssessed = true
        let assessed = ClaimReviewFeed.records(feed, options: options)
        #expect(assessed.records.map { kind($0.value) } == ["case", "source", "evidence", "transition", "assessment", "source"])
        #expect(assessed.records.allSatisfy { $0.line == 1 })
    }

    func kind(_ value: JSONField) -> String? {
        guard case .object(let members) = value, case .string(let kind)? = members.first(where: { $0.0 == "type" })?.1 else { return nil }
        return kind
    }
}
