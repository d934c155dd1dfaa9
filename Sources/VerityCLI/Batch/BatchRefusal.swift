import ArgumentParser

/// The command lines a batch will not run, with the reason a user reads.
/// Everything else runs exactly as it would as its own process.
enum BatchRefusal {
    /// Checked on the words before parsing: every line runs on the batch's
    /// connection, so a line naming another database would silently not get it.
    static func reason(words: [String]) -> String? {
        guard words.contains(where: { $0 == "--database-url" || $0.hasPrefix("--database-url=") }) else { return nil }
        return "--database-url is not allowed on a line of a batch: every line runs on the batch's one connection; "
            + "give --database-url to `verity batch` itself"
    }

    /// Checked on the parsed command.
    static func reason(for command: ParsableCommand) -> String? {
        switch command {
        case is BatchCommand:
            return "`batch` cannot run inside a batch; put its lines in this one"
        case is DBStart, is DBStop:
            // Stopping the server would cut the batch's own connection; starting
            // it is done once, when the batch connects.
            return "`db start` and `db stop` cannot run inside a batch, which holds a connection to that server; run them on their own"
        case let importing as ImportCommand where importing.file == "-":
            return "`import -` cannot run inside a batch: standard input holds the batch's own lines; import from a file"
        default:
            return nil
        }
    }
}
