import ArgumentParser
import VerityCore

/// `verity reviewer ...`: the people on the desk.
struct ReviewerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reviewer",
        abstract: "Add, list and deactivate reviewers.",
        subcommands: [ReviewerAdd.self, ReviewerList.self, ReviewerDeactivate.self])
}

struct ReviewerAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a reviewer.",
        discussion: "Example: verity reviewer add analyst --name \"OSINT analyst\" --role reviewer")

    @Argument(help: "Unique handle: lowercase letters, digits, . _ -") var handle: String
    @Option(help: "Full name or desk role.") var name: String
    @Option(help: "Email address.") var email: String?
    @Option(help: "reviewer, editor (may assess any case) or admin.") var role: ReviewerRole = .reviewer
    @OptionGroup var options: DeskOptions

    func run() throws {
        let reviewer = try options.openDesk().addReviewer(handle: handle, name: name, email: email, role: role)
        if options.format == .table {
            Console.current.print("Added reviewer \(reviewer.handle) (\(reviewer.role.rawValue)).")
        } else {
            ModelViews.printReviewers([reviewer], format: options.format)
        }
    }
}

struct ReviewerList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List reviewers.")

    @Flag(help: "Only active reviewers.") var active = false
    @OptionGroup var options: DeskOptions

    func run() throws {
        ModelViews.printReviewers(try options.openDesk().reviewers(includeInactive: !active), format: options.format)
    }
}

struct ReviewerDeactivate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deactivate",
        abstract: "Deactivate a reviewer: their history stays, but they can no longer act or be assigned.")

    @Argument(help: "The reviewer's handle.") var handle: String
    @OptionGroup var options: DeskOptions

    func run() throws {
        let reviewer = try options.openDesk().deactivateReviewer(handle)
        if options.format == .table {
            Console.current.print("Deactivated reviewer \(reviewer.handle).")
        } else {
            ModelViews.printReviewers([reviewer], format: options.format)
        }
    }
}
