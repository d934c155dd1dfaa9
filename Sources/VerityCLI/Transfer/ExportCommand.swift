import ArgumentParser

/// `verity export ...`: the whole database in the import format (the default),
/// or schema.org ClaimReview for assessed cases.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the database (import format) or ClaimReview JSON-LD.",
        subcommands: [ExportDatabase.self, ExportClaimReview.self],
        defaultSubcommand: ExportDatabase.self)
}
