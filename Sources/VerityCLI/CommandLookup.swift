import ArgumentParser

/// Parses a command line starting from the command it names instead of from
/// the root.
///
/// argument-parser's `parseAsRoot` on the root reflects on every command of
/// the tree before parsing (about half a millisecond here, more than `case
/// show`'s own client work, and per line of a `verity batch`); parsing from
/// the named leaf reflects on that one command only. The leaf is found by the
/// subcommand names alone. Anything but a clean parse (help, a usage error, a
/// misspelt name, a default subcommand) answers nil, and the caller parses
/// from the root, so messages and exit codes stay exactly the root's.
enum CommandLookup {
    static func parseFromLeaf(_ arguments: [String]) -> ParsableCommand? {
        var command: ParsableCommand.Type = VerityCommand.self
        var consumed = 0
        while !command.configuration.subcommands.isEmpty {
            guard consumed < arguments.count else { return nil }
            let word = arguments[consumed]
            guard
                let next = command.configuration.subcommands.first(where: {
                    $0._commandName == word || $0.configuration.aliases.contains(word)
                })
            else { return nil }
            command = next
            consumed += 1
        }
        // `--help` parses into argument-parser's own help command, which would print
        // the leaf's usage without its parents: only the leaf itself is a clean parse.
        guard let parsed = try? command.parseAsRoot(Array(arguments[consumed...])), type(of: parsed) == command
        else { return nil }
        return parsed
    }
}
