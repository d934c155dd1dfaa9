import VerityCore

/// `case show`, `case list` and `case move` in their plain forms, parsed without argument-parser.
///
/// argument-parser builds a command's arguments by reflection: a `Mirror` of the command and
/// the generic metadata of each property wrapper (`Option<String?>`, `OptionGroup<...>`), whose
/// generic requirements the Swift runtime checks by walking every protocol conformance record
/// of the binary (6,300 in the static release) the first time each is asked. For `case show`
/// that was 15.9 M of 37.4 M instructions (callgrind), more than the rest of the command's own
/// work. These three commands, the commonest in scripts, are read here when their words are
/// exactly of the forms below; anything else (another option, a flag, `--help`, a repeated or
/// missing value, a value that starts with `-`, `--`) answers nil and the whole line goes to
/// argument-parser, so every message and exit code stays its own. `FastPathTests` compares
/// what this reads with what argument-parser reads for the same words.
///
///   case show ID [--format F] [--database-url URL]       (options before or after ID, `--x=v` too)
///   case list [--limit N] [--format F] [--database-url URL]
///   case move ID --to STATE [--reason R] [--as HANDLE] [--format F] [--database-url URL]
enum FastPath {
    enum Command: Equatable {
        case caseShow(id: String, format: OutputFormat, databaseURL: String?)
        case caseList(limit: Int?, format: OutputFormat, databaseURL: String?)
        case caseMove(id: String, to: CaseState, reason: String?, handle: String?, format: OutputFormat, databaseURL: String?)
    }

    static func match(_ arguments: [String]) -> Command? {
        guard arguments.count >= 2, arguments[0] == "case" else { return nil }
        switch arguments[1] {
        case "show":
            guard let (positionals, values) = words(arguments.dropFirst(2), options: ["format", "database-url"]),
                positionals.count == 1, let format = format(values["format"])
            else { return nil }
            return .caseShow(id: positionals[0], format: format, databaseURL: values["database-url"])
        case "list":
            guard let (positionals, values) = words(arguments.dropFirst(2), options: ["limit", "format", "database-url"]),
                positionals.isEmpty, let format = format(values["format"])
            else { return nil }
            var limit: Int?
            if let text = values["limit"] {
                // (argument-parser reads an Int with Int(_:); below 1 is CaseList.validate's usage error.)
                guard let value = Int(text), value >= 1 else { return nil }
                limit = value
            }
            return .caseList(limit: limit, format: format, databaseURL: values["database-url"])
        case "move":
            guard
                let (positionals, values) = words(
                    arguments.dropFirst(2), options: ["to", "reason", "as", "format", "database-url"]),
                positionals.count == 1, let format = format(values["format"]),
                let to = values["to"].flatMap(CaseState.init(argument:))
            else { return nil }
            return .caseMove(
                id: positionals[0], to: to, reason: values["reason"], handle: values["as"], format: format,
                databaseURL: values["database-url"])
        default:
            return nil
        }
    }

    static func run(_ command: Command) throws {
        switch command {
        case .caseShow(let id, let format, let url):
            try CaseShow.show(id, format: format, location: DatabaseLocation.resolve(flag: url))
        case .caseList(let limit, let format, let url):
            var filter = CaseFilter()
            filter.mineHandle = ActorOptions.acting(nil)
            filter.limit = limit
            try CaseList.list(filter, format: format, location: DatabaseLocation.resolve(flag: url))
        case .caseMove(let id, let to, let reason, let handle, let format, let url):
            try CaseMove.moveOne(
                id, to: to, reason: reason, as: ActorOptions.acting(handle), format: format,
                location: DatabaseLocation.resolve(flag: url))
        }
    }

    private static func format(_ text: String?) -> OutputFormat? {
        guard let text else { return .table }
        return OutputFormat(argument: text)
    }

    /// Positional words and `--name value` / `--name=value` options of the given names, each at
    /// most once; nil for anything else.
    private static func words(_ list: ArraySlice<String>, options: Set<String>) -> ([String], [String: String])? {
        var positionals: [String] = []
        var values: [String: String] = [:]
        var index = list.startIndex
        while index < list.endIndex {
            let word = list[index]
            index += 1
            guard word.hasPrefix("-") else {
                positionals.append(word)
                continue
            }
            guard word.hasPrefix("--") else { return nil }
            var name = String(word.dropFirst(2))
            let value: String
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
                // (argument-parser takes the next word for an empty `--x=`.)
                guard !value.isEmpty else { return nil }
            } else {
                guard index < list.endIndex else { return nil }
                value = list[index]
                index += 1
            }
            guard options.contains(name), values[name] == nil, !value.hasPrefix("-") else { return nil }
            values[name] = value
        }
        return (positionals, values)
    }
}
