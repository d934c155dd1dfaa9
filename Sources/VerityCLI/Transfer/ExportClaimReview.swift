import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VerityCore

/// `verity export claimreview`: schema.org ClaimReview JSON-LD for assessed cases.
struct ExportClaimReview: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claimreview",
        abstract: "schema.org ClaimReview JSON-LD for assessed cases (always a JSON array).",
        discussion: Help.paragraphs("""
            Named cases (--case) must all be assessed, or nothing is written and the command exits 65
            naming those that are not. --all-assessed exports every assessed case (or, with --case,
            the named ones that are assessed) and skips the rest.
            Each review: claimReviewed (the claim), reviewRating (the desk's wording of the verdict as
            alternateName, and ratingValue/bestRating/worstRating on a 1-5 scale, all three or, for
            unverifiable, none), reviewBody (the rationale), datePublished (the assessment's date),
            author (the desk), url, and itemReviewed: the claimant as a Person or Organization (the
            case's --claimant-type, else guessed from the name) and the sources linked as appearances
            (firstAppearance the earliest); sources linked as evidence are not listed.
            The publisher, its address, the review pages and the verdicts' wording come from the desk
            settings (verity config --help); the options below override them for one export.
            Example: verity export claimreview --all-assessed --publisher "Kharkiv Verification Desk" \\
                       --publisher-url https://desk.example --output claimreview.json
            """))

    @Option(name: .customLong("case"), help: ArgumentHelp("A case id or reference; repeat for several.", valueName: "id"))
    var cases: [String] = []
    @Flag(name: .customLong("all-assessed"), help: "Export every assessed case; skip cases that are not assessed.")
    var allAssessed = false
    @Option(help: "The publishing organisation, the `author` of each review (default: the desk setting publisher).")
    var publisher: String?
    @Option(
        name: .customLong("publisher-url"),
        help: "Its web address (default: the desk setting publisher-url, unless --publisher names another organisation).")
    var publisherURL: String?
    @Option(
        name: .customLong("url-template"),
        help: ArgumentHelp(
            "Address of each review's page, with {id} or {ref}, e.g. https://desk.example/checks/{ref} (default: the desk setting review-url-template).",
            valueName: "template"))
    var urlTemplate: String?
    @OptionGroup var output: ReportOutputOptions
    @OptionGroup var actor: ActorOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if cases.isEmpty && !allAssessed {
            throw ValidationError("name cases with --case ID (repeatable) or export every assessed case with --all-assessed")
        }
        for (value, option) in [(publisherURL, "--publisher-url"), (urlTemplate, "--url-template")] {
            if let value, !(value.hasPrefix("https://") || value.hasPrefix("http://")) {
                throw ValidationError("\(option) must be an http(s) address, not \"\(value)\"")
            }
        }
    }

    func run() throws {
        let desk = Desk(connection: try Database.open(connection.location))
        var publisher = try desk.claimReviewPublisher()
        // Another organisation's name does not take the desk's address along.
        if let name = self.publisher {
            publisher.name = name
            publisher.url = nil
        }
        if let publisherURL { publisher.url = publisherURL }
        if let urlTemplate { publisher.reviewURLTemplate = urlTemplate }
        let keys = cases.map(CaseKey.init)
        // Named cases are checked before anything is written: all assessed, or a refusal.
        let named = allAssessed ? nil : try desk.assessedClaims(keys)
        var skipped: [String] = []
        try OutputAccounting.check(desk, reviewer: actor.actor)
        var count = 0
        let digest = try output.stream { write in
            func add(_ claims: [AssessedClaim]) throws {
                for claim in claims {
                    let json = JSONOutput.encode(ClaimReview.object(claim, publisher: publisher))
                    let indented = json.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
                    try write((count == 0 ? "[\n" : ",\n") + indented.joined(separator: "\n"))
                    count += 1
                }
            }
            if let named {
                try add(named)
            } else {
                skipped = try desk.eachAssessedClaim(among: keys, add)
            }
            try write(count == 0 ? "[]\n" : "\n]\n")
        }
        try OutputAccounting.record(
            desk, reviewer: actor.actor, command: "export claimreview",
            filters: ["cases": .array(cases.map(JSONValue.string)), "all_assessed": .bool(allAssessed)],
            caseCount: count, digest: digest, path: output.path, format: "claimreview")
        if !skipped.isEmpty { Console.current.writeErr("skipped (not assessed): \(skipped.joined(separator: ", "))\n") }
        if publisher.name == nil {
            Console.current.writeErr(
                "note: no publisher (--publisher, or `verity config set publisher NAME`); the reviews have no author, which Google's fact-check markup requires\n")
        }
        if publisher.reviewURLTemplate == nil {
            Console.current.writeErr(
                "note: no review pages (--url-template, or `verity config set review-url-template URL`); the reviews have no url, which Google's fact-check markup requires\n")
        }
    }
}
