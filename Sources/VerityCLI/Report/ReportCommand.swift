import ArgumentParser

/// `verity report ...`: desk status reports and case dossiers.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Desk status reports and per-case dossiers.",
        subcommands: [ReportStatus.self, ReportCase.self, ReportLog.self])
}
