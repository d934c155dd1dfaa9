#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// `verity import FILE --format claimreview`: other fact-checkers' published reviews, read in
/// the three shapes they come in, and turned into Verity's own import records (ImportRecord.swift),
/// which the import engine then checks and applies like any JSON Lines file: the same rules,
/// all or nothing, `--dry-run`, and a re-import that changes nothing.
///
/// The shapes:
/// - schema.org ClaimReview JSON-LD: one object, an array of them, or a `@graph` of them;
/// - a DataCommons `DataFeed` whose `dataFeedElement` lists `DataFeedItem`s, each `item` a
///   ClaimReview (or a list of them);
/// - a Google Fact Check Tools `claims:search` response: `claims[]` with `text`, `claimant`,
///   `claimDate` and `claimReview[]` (`publisher{name,site}`, `url`, `title`, `reviewDate`,
///   `textualRating`, `languageCode`).
///
/// Each review becomes a case (the claim, its claimant and date; reference `CR-` and the first 16
/// hex digits of the SHA-256 of the review's URL, so a re-import finds it), the review a source
/// (`CRS-...`, linked as evidence) and, by default, a context note quoting the rating; with
/// `asAssessed`, a supporting or refuting note, a move to evidence-pending and an assessment whose
/// verdict the rating map gives. docs/import-export.md documents the mapping.
public struct ClaimReviewFeed {
    /// What the desk asks of the import.
    public struct Options: Sendable {
        /// Assess each case with the verdict mapped from the review's rating.
        public var asAssessed = false
        public var ratingMap = RatingMap.standard
        /// Where the rating map came from, for the assessment's rationale.
        public var ratingMapName = "Verity's default rating map"

        public init() {}
    }

    /// A record for the engine, with the line of the feed item it came from and the feed's
    /// names of the fields the record's problems name.
    public struct Record {
        public var line: Int
        public var value: JSONField
        public var fieldNames: [String: String]
    }

    /// The confidence and credibility an imported verdict and its note carry: another desk's
    /// published review is "possibly true" until this desk checks it.
    public static let importedConfidence = 3
    /// A note that only quotes another desk's rating judges nothing itself.
    public static let quotedRatingCredibility = 6

    // MARK: reading the document

    /// The records of the document `bytes` (UTF-8 JSON), or the problems that stop it.
    public static func records(_ bytes: [UInt8], options: Options) -> (records: [Record], issues: [ImportIssue]) {
        var bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let document: JSONField
        do {
            document = try JSONLineParser.parse(bytes)
        } catch {
            let offset = (error as? JSONLineParser.Failure).map { $0.column - 1 } ?? 0
            let line = 1 + bytes.prefix(max(0, offset)).reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            let problem = (error as? JSONLineParser.Failure)?.problem ?? "not JSON"
            return ([], [ImportIssue(line: line, field: "json", problem: problem.replacing("the line ends", with: "the file ends"))])
        }
        let lines = LineIndex(bytes)
        let (reviews, found) = reviews(in: document, lines: lines)
        var issues = found
        var records: [Record] = []
        var appeared: [(appearance: Appearance, line: Int, cases: [String])] = []
        for review in reviews {
            let (made, problems) = Self.records(for: review, options: options)
            records += made
            issues += problems
            guard problems.isEmpty, let url = review.url else { continue }
            let caseRef = references(url: url.trimmed).case
            for appearance in review.appearances {
                if let index = appeared.firstIndex(where: { $0.appearance.url == appearance.url }) {
                    if !appeared[index].cases.contains(caseRef) { appeared[index].cases.append(caseRef) }
                } else {
                    appeared.append((appearance, review.line, [caseRef]))
                }
            }
        }
        // One source per place the claim appeared, however many reviews name it, linked as an appearance.
        for (appearance, line, cases) in appeared {
            records.append(appearanceRecord(appearance, line: line, cases: cases))
        }
        if reviews.isEmpty && issues.isEmpty {
            issues.append(ImportIssue(line: 1, field: "document", problem: "holds no reviews"))
        }
        return (records, issues)
    }

    /// One review as the feeds give it, whatever the shape.
    struct Review {
        var line: Int
        /// The feed's path to the review, for messages: "claims[2].claimReview[0]".
        var path: String
        /// Feed names of the fields, by Verity's name.
        var names: [String: String]
        /// Where the claim's own fields are, when not in the review (Fact Check Tools: "claims[2]").
        var claimPath: String?
        var claim: String?
        var claimant: String?
        var claimantType: ClaimantType?
        var claimDate: String?
        var url: String?
        var title: String?
        var publisher: String?
        var reviewDate: String?
        var ratingText: String?
        var ratingValue: Double?
        var bestRating: Double?
        var worstRating: Double?
        var language: String?
        /// Where the claim appeared (`itemReviewed.appearance`, `firstAppearance`).
        var appearances: [Appearance] = []
    }

    /// A place the claim appeared, as a feed describes it.
    struct Appearance {
        var url: String
        var title: String?
        var publisher: String?
        var date: String?
        var path: String
    }

    static func reviews(in document: JSONField, lines: LineIndex) -> ([Review], [ImportIssue]) {
        var reviews: [Review] = []
        var issues: [ImportIssue] = []
        func claimReview(_ value: JSONField, path: [String]) {
            let line = lines.line(of: path)
            guard case .object = value else {
                issues.append(ImportIssue(line: line, field: display(path), problem: "must be a ClaimReview object, not \(value.kindName)"))
                return
            }
            if let type = value["@type"].flatMap(text), type != "ClaimReview" {
                issues.append(ImportIssue(
                    line: line, field: display(path + ["@type"]),
                    problem: "is \"\(type.prefix(40))\"; a ClaimReview is expected here"))
                return
            }
            reviews.append(schemaOrgReview(value, line: line, path: display(path)))
        }
        switch document {
        case .array(let items):
            for (index, item) in items.enumerated() { claimReview(item, path: [String(index)]) }
        case .object:
            if case .array(let claims)? = document["claims"] {
                for (index, claim) in claims.enumerated() {
                    let path = ["claims", String(index)]
                    guard case .array(let list)? = claim["claimReview"] else {
                        issues.append(ImportIssue(
                            line: lines.line(of: path), field: display(path + ["claimReview"]),
                            problem: "is required: the reviews of the claim"))
                        continue
                    }
                    for (inner, review) in list.enumerated() {
                        var made = factCheckToolsReview(
                            claim: claim, review: review, line: lines.line(of: path + ["claimReview", String(inner)]),
                            path: display(path + ["claimReview", String(inner)]))
                        made.claimPath = display(path)
                        reviews.append(made)
                    }
                }
            } else if case .array(let elements)? = document["dataFeedElement"] {
                for (index, element) in elements.enumerated() {
                    let path = ["dataFeedElement", String(index)]
                    switch element["item"] {
                    case .array(let items)?:
                        for (inner, item) in items.enumerated() { claimReview(item, path: path + ["item", String(inner)]) }
                    case let item?:
                        claimReview(item, path: path + ["item"])
                    case nil:
                        issues.append(ImportIssue(
                            line: lines.line(of: path), field: display(path + ["item"]),
                            problem: "is required: the DataFeedItem's ClaimReview"))
                    }
                }
            } else if case .array(let graph)? = document["@graph"] {
                for (index, item) in graph.enumerated() { claimReview(item, path: ["@graph", String(index)]) }
            } else if document["@type"].flatMap(text) == "ClaimReview" {
                claimReview(document, path: [])
            } else {
                issues.append(ImportIssue(
                    line: 1, field: "document",
                    problem: "is not a ClaimReview feed: expected a ClaimReview object or array, a DataFeed with "
                        + "dataFeedElement, or a Fact Check Tools claims:search response with claims"))
            }
        default:
            issues.append(ImportIssue(line: 1, field: "document", problem: "must be a JSON object or array, not \(document.kindName)"))
        }
        return (reviews, issues)
    }

    static func schemaOrgReview(_ value: JSONField, line: Int, path: String) -> Review {
        var review = Review(line: line, path: path, names: [
            "claim": "claimReviewed", "claimant": "itemReviewed.author.name", "claimed_at": "itemReviewed.datePublished",
            "url": "url", "title": "headline", "publisher": "author.name", "published_at": "datePublished",
            "note": "reviewRating", "rationale": "reviewRating",
        ])
        review.claim = value["claimReviewed"].flatMap(text)
        let item = first(value["itemReviewed"])
        let author = first(item?["author"])
        review.claimant = author.flatMap { $0["name"].flatMap(text) ?? text($0) }
        review.claimantType = author?["@type"].flatMap(text).flatMap(ClaimantType.init(rawValue:))
        review.claimDate = item?["datePublished"].flatMap(text) ?? item?["dateCreated"].flatMap(text)
        review.url = value["url"].flatMap(text)
        review.title = value["headline"].flatMap(text) ?? value["name"].flatMap(text)
        let publisher = first(value["author"]) ?? first(value["publisher"])
        review.publisher = publisher.flatMap { $0["name"].flatMap(text) ?? text($0) }
        review.reviewDate = value["datePublished"].flatMap(text)
        let rating = first(value["reviewRating"])
        review.ratingText = rating?["alternateName"].flatMap(text) ?? rating?["name"].flatMap(text)
        review.ratingValue = rating?["ratingValue"].flatMap(number)
        review.bestRating = rating?["bestRating"].flatMap(number)
        review.worstRating = rating?["worstRating"].flatMap(number)
        review.language = value["inLanguage"].flatMap(text)
        for key in ["appearance", "firstAppearance"] {
            // One CreativeWork (or URL), or a list of them.
            var listed: [(work: JSONField, path: String)] = []
            switch item?[key] {
            case .array(let items)?: listed = items.enumerated().map { ($1, "\(path).itemReviewed.\(key)[\($0)]") }
            case let one?: listed = [(one, "\(path).itemReviewed.\(key)")]
            case nil: break
            }
            for (work, at) in listed {
                guard let url = (work["url"].flatMap(text) ?? text(work))?.trimmed, !url.isEmpty,
                    !review.appearances.contains(where: { $0.url == url })
                else { continue }
                let publisher = first(work["publisher"]) ?? first(work["author"])
                review.appearances.append(Appearance(
                    url: url, title: work["headline"].flatMap(text) ?? work["name"].flatMap(text),
                    publisher: publisher.flatMap { $0["name"].flatMap(text) ?? text($0) },
                    date: work["datePublished"].flatMap(text), path: at))
            }
        }
        return review
    }

    /// Hosts whose pages are posts rather than articles.
    static let socialHosts = ["t.me", "telegram.me", "twitter.com", "x.com", "facebook.com", "instagram.com", "tiktok.com", "vk.com"]

    /// The source of a place the claim appeared: `CRA-` and the URL's digest, linked as an appearance.
    static func appearanceRecord(_ appearance: Appearance, line: Int, cases: [String]) -> Record {
        let host = self.host(appearance.url)?.lowercased()
        let bareHost = host.map { $0.hasPrefix("www.") ? String($0.dropFirst(4)) : $0 }
        let kind = bareHost.map { socialHosts.contains($0) } == true ? "social-post" : "article"
        let date = appearance.date.map { String($0.prefix(10)) }.flatMap { CalendarDate($0) == nil ? nil : $0 }
        let members: [(String, JSONField?)] = [
            ("type", .string("source")), ("ref", .string("CRA-" + String(SHA256Digest.hex(of: appearance.url).prefix(16)))),
            ("url", .string(appearance.url)),
            ("title", .string(appearance.title?.trimmed.nilIfEmpty ?? "Where the claim appeared")),
            ("publisher", .string(appearance.publisher?.trimmed.nilIfEmpty ?? bareHost ?? "unknown publisher")),
            ("published_at", date.map(JSONField.string)), ("kind", .string(kind)),
            ("cases", .array(cases.map { .object([("case", .string($0)), ("role", .string(SourceRole.appearance.rawValue))]) })),
        ]
        return Record(
            line: line, value: .object(members.compactMap { key, value in value.map { (key, $0) } }),
            fieldNames: ["url": appearance.path, "title": appearance.path + ".headline", "publisher": appearance.path + ".publisher"])
    }

    static func factCheckToolsReview(claim: JSONField, review value: JSONField, line: Int, path: String) -> Review {
        var review = Review(line: line, path: path, names: [
            "claim": "text", "claimant": "claimant", "claimed_at": "claimDate", "url": "url", "title": "title",
            "publisher": "publisher.name", "published_at": "reviewDate", "note": "textualRating", "rationale": "textualRating",
        ])
        review.claim = claim["text"].flatMap(text)
        review.claimant = claim["claimant"].flatMap(text)
        review.claimDate = claim["claimDate"].flatMap(text)
        review.url = value["url"].flatMap(text)
        review.title = value["title"].flatMap(text)
        let publisher = value["publisher"]
        review.publisher = publisher?["name"].flatMap(text) ?? publisher?["site"].flatMap(text)
        review.reviewDate = value["reviewDate"].flatMap(text)
        review.ratingText = value["textualRating"].flatMap(text)
        review.language = value["languageCode"].flatMap(text)
        return review
    }

    // MARK: Verity's records

    /// The cases's and the source's references: from the review's address, so that the same
    /// review imported again is the same case.
    static func references(url: String) -> (case: String, source: String) {
        let digest = String(SHA256Digest.hex(of: url).prefix(16))
        return ("CR-" + digest, "CRS-" + digest)
    }

    static func records(for review: Review, options: Options) -> ([Record], [ImportIssue]) {
        var issues: [ImportIssue] = []
        func place(_ field: String) -> String {
            let base = ["claim", "claimant", "claimed_at"].contains(field) ? review.claimPath ?? review.path : review.path
            return "\(base).\(review.names[field] ?? field)"
        }
        func problem(_ field: String, _ text: String) {
            issues.append(ImportIssue(line: review.line, field: place(field), problem: text))
        }
        func day(_ value: String?, _ field: String) -> String? {
            guard let value else { return nil }
            let prefix = String(value.trimmed.prefix(10))
            guard CalendarDate(prefix) != nil else {
                problem(field, "\"\(value.prefix(40))\" is not a date; a feed gives YYYY-MM-DD or an ISO 8601 time")
                return nil
            }
            return prefix
        }
        guard let url = review.url?.trimmed, !url.isEmpty else {
            problem("url", "is required: the review's address is its source, and how a re-import recognises it")
            return ([], issues)
        }
        guard let claim = review.claim?.trimmed, !claim.isEmpty else {
            problem("claim", "is required: the claim the review is about")
            return ([], issues)
        }
        let claimedAt = day(review.claimDate, "claimed_at")
        let reviewedAt = day(review.reviewDate, "published_at")
        let publisher = review.publisher?.trimmed.nilIfEmpty ?? host(url) ?? "unknown publisher"
        let (caseRef, sourceRef) = references(url: url)
        let rating = ratingWords(review)
        let verdict: Verdict?
        if options.asAssessed {
            verdict = options.ratingMap.verdict(text: review.ratingText, value: review.ratingValue,
                                                best: review.bestRating, worst: review.worstRating)
            if verdict == nil {
                problem("note", review.ratingText == nil && review.ratingValue == nil
                    ? "has no rating to map to a verdict; import without --as-assessed to keep the review as context"
                    : "\(rating) is not in the rating map; add it to a --rating-map file (docs/import-export.md)")
            }
        } else {
            verdict = nil
        }
        guard issues.isEmpty else { return ([], issues) }

        var names: [String: String] = [:]
        for verity in review.names.keys { names[verity] = place(verity) }
        var records: [Record] = []
        func add(_ members: [(String, JSONField?)]) {
            records.append(Record(
                line: review.line, value: .object(members.compactMap { key, value in value.map { (key, $0) } }),
                fieldNames: names))
        }
        add([
            ("type", .string("case")), ("ref", .string(caseRef)), ("claim", .string(claim)),
            ("claimant", .string(review.claimant?.trimmed.nilIfEmpty ?? "(not named in the review)")),
            ("claimant_type", review.claimantType.map { .string($0.rawValue) }),
            ("claimed_at", claimedAt.map(JSONField.string)), ("tags", .array([.string("claimreview")])),
        ])
        add([
            ("type", .string("source")), ("ref", .string(sourceRef)), ("url", .string(url)),
            ("title", .string(review.title?.trimmed.nilIfEmpty ?? "Fact check by \(publisher)")),
            ("publisher", .string(publisher)), ("published_at", reviewedAt.map(JSONField.string)), ("kind", .string("article")),
            ("cases", .array([.object([("case", .string(caseRef)), ("role", .string(SourceRole.evidence.rawValue))])])),
        ])
        let said = "\(publisher) rated this claim \(rating)" + (reviewedAt.map { " on \($0)" } ?? "") + ": \(url)"
        guard let verdict else {
            add([
                ("type", .string("evidence")), ("case", .string(caseRef)), ("source", .string(sourceRef)),
                ("stance", .string(Stance.context.rawValue)), ("credibility", .number(String(quotedRatingCredibility))),
                ("note", .string(said)),
            ])
            return (records, [])
        }
        let stance: Stance = switch verdict {
        case .true, .mostlyTrue: .supports
        case .false, .mostlyFalse: .refutes
        case .mixed, .unverifiable: .context
        }
        let reason = "imported from the ClaimReview \(url)"
        add([
            ("type", .string("evidence")), ("case", .string(caseRef)), ("source", .string(sourceRef)),
            ("stance", .string(stance.rawValue)), ("credibility", .number(String(importedConfidence))), ("note", .string(said)),
        ])
        add([("type", .string("transition")), ("case", .string(caseRef)), ("to", .string("evidence-pending")), ("reason", .string(reason))])
        add([
            ("type", .string("assessment")), ("case", .string(caseRef)), ("verdict", .string(verdict.rawValue)),
            ("confidence", .number(String(importedConfidence))),
            ("rationale", .string("\(said). Verdict \(verdict.rawValue) mapped from that rating by \(options.ratingMapName).")),
            ("reason", .string(reason)),
        ])
        return (records, [])
    }

    /// The rating as a note quotes it: "\"Mostly false\" (2 on a scale of 1 to 5)".
    static func ratingWords(_ review: Review) -> String {
        var words = review.ratingText.map { "\"\($0)\"" } ?? "without a textual rating"
        if let value = review.ratingValue {
            words += " (\(plain(value))"
            if let worst = review.worstRating, let best = review.bestRating { words += " on a scale of \(plain(worst)) to \(plain(best))" }
            words += ")"
        }
        return words
    }

    static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    static func host(_ url: String) -> String? { URL(string: url)?.host }

    // MARK: JSON helpers

    static func text(_ value: JSONField) -> String? {
        switch value {
        case .string(let text): return text
        case .array(let items): return items.lazy.compactMap(text).first
        default: return nil
        }
    }

    static func number(_ value: JSONField) -> Double? {
        switch value {
        case .number(let text): return Double(text)
        case .string(let text): return Double(text.trimmed)
        default: return nil
        }
    }

    /// An object, or the first object of a list (schema.org allows either almost everywhere).
    static func first(_ value: JSONField?) -> JSONField? {
        switch value {
        case .object?: return value
        case .array(let items)?: return items.first { if case .object = $0 { return true } else { return false } }
        case .string?: return value
        default: return nil
        }
    }

    static func display(_ path: [String]) -> String {
        var out = ""
        for component in path {
            if Int(component) != nil { out += "[\(component)]" } else { out += (out.isEmpty ? "" : ".") + component }
        }
        return out.isEmpty ? "review" : out
    }
}

/// How another desk's rating becomes a verdict: its words, else its place on its numeric scale.
public struct RatingMap: Sendable {
    /// Normalised rating words → verdict.
    public private(set) var words: [String: Verdict]

    /// The default table (docs/import-export.md lists it): common English ratings and the
    /// Ukrainian and Russian ones of the desks that review claims about the war.
    public static let standard = RatingMap(words: Dictionary(uniqueKeysWithValues: [
        ("false", Verdict.false), ("fake", .false), ("pants on fire", .false), ("incorrect", .false), ("wrong", .false),
        ("fabricated", .false), ("hoax", .false), ("four pinocchios", .false), ("altered", .false),
        ("неправда", .false), ("фейк", .false), ("хибно", .false), ("ложь", .false),
        ("mostly false", .mostlyFalse), ("misleading", .mostlyFalse), ("largely false", .mostlyFalse),
        ("three pinocchios", .mostlyFalse), ("маніпуляція", .mostlyFalse),
        ("манипуляция", .mostlyFalse), ("здебільшого неправда", .mostlyFalse), ("скорее неправда", .mostlyFalse),
        ("half true", .mixed), ("mixture", .mixed), ("mixed", .mixed), ("partly false", .mixed), ("partly true", .mixed),
        ("missing context", .mixed), ("needs context", .mixed), ("two pinocchios", .mixed), ("напівправда", .mixed),
        ("полуправда", .mixed), ("частково правда", .mixed),
        ("mostly true", .mostlyTrue), ("mostly accurate", .mostlyTrue), ("largely accurate", .mostlyTrue),
        ("one pinocchio", .mostlyTrue), ("здебільшого правда", .mostlyTrue), ("скорее правда", .mostlyTrue),
        ("true", .true), ("correct", .true), ("accurate", .true), ("правда", .true),
        ("unproven", .unverifiable), ("unverified", .unverifiable), ("unverifiable", .unverifiable),
        ("unsupported", .unverifiable), ("no evidence", .unverifiable), ("research in progress", .unverifiable),
        ("не підтверджено", .unverifiable), ("не доказано", .unverifiable), ("недостатньо доказів", .unverifiable),
    ].map { (RatingMap.normalised($0.0), $0.1) }))

    /// Lower-case, single spaces, hyphens as spaces, no closing punctuation: "Half-True!" is "half true".
    public static func normalised(_ text: String) -> String {
        let words = text.lowercased().replacing("-", with: " ")
            .split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return String(words.reversed().drop { ".!?…".contains($0) }.reversed())
    }

    /// The verdict of a rating: its words (whole, or before the first . , : ; ( or dash, as in
    /// "False. The photo is from 2019"), else its numeric place on its own scale in fifths.
    public func verdict(text: String?, value: Double?, best: Double?, worst: Double?) -> Verdict? {
        if let text {
            let whole = Self.normalised(text)
            if let verdict = words[whole] { return verdict }
            if let cut = whole.firstIndex(where: { ".,:;(—–".contains($0) }) {
                let head = Self.normalised(String(whole[..<cut]))
                if let verdict = words[head] { return verdict }
            }
        }
        guard let value, let best, let worst, best != worst else { return nil }
        let position = (value - worst) / (best - worst)
        guard (0...1).contains(position) else { return nil }
        switch position {
        case ..<0.2: return .false
        case ..<0.4: return .mostlyFalse
        case ..<0.6: return .mixed
        case ..<0.8: return .mostlyTrue
        default: return .true
        }
    }

    /// The default table with `file`'s entries over it: a JSON object of rating → verdict,
    /// e.g. {"Pinocchio": "false", "Маніпуляція": "mostly-false"}.
    public static func load(path: String) throws -> RatingMap {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VerityError.usage("cannot read the rating map \(path)", hint: "give the path of a JSON object of rating → verdict")
        }
        let parsed: JSONField
        do {
            parsed = try JSONLineParser.parse(Array(data))
        } catch {
            throw VerityError.usage(
                "the rating map \(path) is not JSON: \((error as? JSONLineParser.Failure)?.problem ?? "\(error)")",
                hint: "write a JSON object of rating → verdict, e.g. {\"Pinocchio\": \"false\"}")
        }
        guard case .object(let entries) = parsed else {
            throw VerityError.usage(
                "the rating map \(path) must be a JSON object of rating → verdict, not \(parsed.kindName)",
                hint: "e.g. {\"Pinocchio\": \"false\", \"Маніпуляція\": \"mostly-false\"}")
        }
        var map = standard
        for (rating, value) in entries {
            guard case .string(let name) = value, let verdict = Verdict(rawValue: name) else {
                throw VerityError.usage(
                    "the rating map \(path): \"\(rating.prefix(60))\" maps to \(value.kindName == "a string" ? "an unknown verdict" : value.kindName)",
                    hint: "each rating maps to one of: " + Verdict.allCases.map(\.rawValue).joined(separator: ", "))
            }
            map.words[normalised(rating)] = verdict
        }
        return map
    }
}

/// The line of each container in a JSON document, by its path ("claims", "0", ...): what
/// import errors name for a feed item. (The parser gives values without positions.)
struct LineIndex {
    private var lines: [String: Int] = [:]

    init(_ bytes: [UInt8]) {
        struct Level {
            var isArray: Bool
            var index = 0
            var key: String?
        }
        var stack: [Level] = []
        var line = 1
        var expectingValue = true
        var i = 0
        func path() -> String {
            stack.map { $0.isArray ? String($0.index) : ($0.key ?? "") }.joined(separator: "/")
        }
        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case 10: line += 1
            case UInt8(ascii: "\""):
                var j = i + 1
                while j < bytes.count, bytes[j] != UInt8(ascii: "\"") { j += bytes[j] == UInt8(ascii: "\\") ? 2 : 1 }
                if !expectingValue, let top = stack.last, !top.isArray {
                    stack[stack.count - 1].key = String(decoding: bytes[(i + 1)..<min(j, bytes.count)], as: UTF8.self)
                }
                expectingValue = false
                i = j
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if lines[path()] == nil { lines[path()] = line }
                stack.append(Level(isArray: byte == UInt8(ascii: "[")))
                expectingValue = byte == UInt8(ascii: "[")
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
                expectingValue = false
            case UInt8(ascii: ","):
                if let top = stack.last, top.isArray {
                    stack[stack.count - 1].index += 1
                    expectingValue = true
                } else {
                    expectingValue = false
                }
            case UInt8(ascii: ":"): expectingValue = true
            default: if byte > 32 { expectingValue = false }
            }
            i += 1
        }
    }

    /// The line where the value at `path` starts (1 when unknown).
    func line(of path: [String]) -> Int { lines[path.joined(separator: "/")] ?? 1 }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}

extension JSONField {
    /// An object's member (its first, if named twice); nil for anything else.
    fileprivate subscript(_ key: String) -> JSONField? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }
}
