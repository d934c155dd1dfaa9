import ArgumentParser

/// `verity import FILE|-`: bulk import of JSON Lines or CSV.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import reviewers, cases, sources, evidence and history from JSON Lines or CSV (all or nothing).")

    func run() throws {
        throw ValidationError("import is not built yet")
    }
}

/// `verity generate`: a deterministic synthetic dataset in the import format.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a deterministic synthetic dataset in the import format, for tests and benchmarks.")

    func run() throws {
        throw ValidationError("generate is not built yet")
    }
}
