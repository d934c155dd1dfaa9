import ArgumentParser

/// `verity export ...`: the whole database in the import format (the default),
/// or schema.org ClaimReview for assessed cases.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the database (import format), ClaimReview JSON-LD, or a verifiable bundle of cases.",
        subcommands: [ExportDatabase.self, ExportClaimReview.self, ExportBundle.self],
        defaultSubcommand: ExportDatabase.self)
}
