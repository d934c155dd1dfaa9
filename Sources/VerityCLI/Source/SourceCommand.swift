import ArgumentParser
import PostgresClient
import VerityCore

/// `verity source ...`: where things were said or shown.
struct SourceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "source",
        abstract: "Record sources (URL, publisher, date, reliability, file hash) and link them to cases.",
        subcommands: [SourceAdd.self, SourceLink.self, SourceList.self, SourceShow.self, SourceHistory.self, SourceCustody.self, SourceVerify.self])
}

struct SourceAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Record a source; --file hashes a local copy (SHA-256; the file is not stored).",
        discussion: Help.paragraphs("""
            Reliability is graded A-F (Admiralty): A completely reliable, B usually reliable, C fairly
            reliable, D not usually reliable, E unreliable, F cannot be judged.

            Example:
              verity source add \\
                https://www.rt.com/russia/562933-kremlin-izyum-mass-graves/ \\
                --title "Kremlin responds to Izyum mass grave claims" --publisher RT \\
                --published-at 2022-09-19 --kind article --reliability E \\
                --file article.txt --case IZY-001 \\
                --collected-at 2022-09-19T14:05:00Z --tool "Hunchly 2.3" --copy evidentiary

            A --file is the collected material: its SHA-256 and the collection (when, with what tool,
            evidentiary or working copy, by whom) become the first event of its chain of custody
            (`verity source custody ID`).
            """))

    @Argument(help: "Where it was said or shown.") var url: String
    @Option(help: "Title.") var title: String
    @Option(help: "Publisher.") var publisher: String
    @Option(help: "Author.") var author: String?
    @Option(name: .customLong("published-at"), help: "Publication date (YYYY-MM-DD).") var publishedAt: CalendarDate?
    @Option(help: "Kind of source.") var kind: SourceKind = .article
    @Option(help: "Admiralty reliability grade A-F.") var reliability: Reliability = .F
    @Option(help: "A local copy to hash.") var file: String?
    @OptionGroup var collection: CollectionOptions
    @Option(name: .customLong("archive-url"), help: "An archived copy's URL.") var archiveURL: String?
    @Option(help: "External reference, unique, e.g. SRC-RT-2022-09-19.") var ref: String?
    @Option(name: .customLong("case"), help: "Link to this case (id or reference); repeat for several.") var cases: [String] = []
    @Option(help: ArgumentHelp(
        "What the source is to the --case cases: appearance (where the claim appeared) or evidence (what checks it).",
        valueName: "role"))
    var role: SourceRole?
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func validate() throws {
        if role != nil && cases.isEmpty {
            throw ValidationError("--role is the source's role for a case: give the case with --case")
        }
    }

    func run() throws {
        var draft = SourceDraft(url: url, title: title, publisher: publisher)
        draft.author = author
        draft.publishedAt = publishedAt
        draft.kind = kind
        draft.reliability = reliability
        draft.filePath = file
        draft.archiveURL = archiveURL
        draft.ref = ref
        draft.collection = try collection.collection(file: file)
        let source = try options.openDesk().addSource(draft, linkTo: cases.map(CaseKey.init), role: role, as: actor.actor)
        ModelViews.printSource(source, format: options.format, sentence: "Added source \(source.id).")
    }
}

struct SourceLink: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link", abstract: "Link a source to a case, or set the role of a link.",
        discussion: Help.paragraphs("""
            A link's role says what the source is to the case: appearance (where the claim appeared: the \
            post, the article quoting it) or evidence (what the desk used to check it). `verity export \
            claimreview` lists only appearances. Without --role the export infers it: a source that a \
            supporting or refuting note cites is evidence, any other an appearance. Linking again with \
            another --role changes the role, recorded in the case's history.
            Example: verity source link SRC-RT-IZIUM --case IZY-001 --role appearance --as analyst
            """))

    @Argument(help: "Source id or reference.") var source: String
    @Option(name: .customLong("case"), help: "Case id or reference.") var caseID: String
    @Option(help: ArgumentHelp("appearance (where the claim appeared) or evidence (what checks it).", valueName: "role"))
    var role: SourceRole?
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func run() throws {
        let desk = try options.openDesk()
        let sourceID = try desk.sourceID(named: source)
        let outcome = try desk.linkSource(sourceID, to: CaseKey(caseID), role: role, as: actor.actor)
        let source = try desk.source(sourceID)
        let sentence: String
        switch outcome {
        case .linked:
            sentence = "Linked source \(sourceID) to case \(caseID)" + (role.map { " as \($0.rawValue)" } ?? "") + "."
        case .roleChanged(let from):
            sentence = "Source \(sourceID) is now \(role?.rawValue ?? "") for case \(caseID)"
                + (from.map { " (was \($0.rawValue))." } ?? " (its role was not said).")
        case .unchanged:
            sentence = "Source \(sourceID) was already linked to case \(caseID)" + (role.map { " as \($0.rawValue)" } ?? "") + "."
        }
        ModelViews.printSource(source, format: options.format, sentence: sentence)
    }
}

struct SourceList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List sources.")
    @OptionGroup var options: DeskOptions

    func run() throws {
        ModelViews.printSources(try options.openDesk().sources(), format: options.format)
    }
}

struct SourceShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a source and the cases it is linked to.")
    @Argument(help: "Source id or reference.") var source: String
    @OptionGroup var options: DeskOptions

    func run() throws {
        let desk = try options.openDesk()
        ModelViews.printSource(try desk.source(desk.sourceID(named: source)), format: options.format)
    }
}
