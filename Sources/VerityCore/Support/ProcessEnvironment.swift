#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The environment variables commands read (VERITY_HOME, VERITY_DATABASE_URL,
/// VERITY_REVIEWER, ...). A task-local, so tests can give each command its own
/// environment without touching the process's, which tests share.
public enum ProcessEnvironment {
    @TaskLocal public static var current: Environment = .process
}

/// A command's environment: the process's own, read a variable at a time when asked (a
/// dictionary of all of them costs a short command more than the variables it reads), or
/// variables given whole (a test's).
public struct Environment: Sendable, ExpressibleByDictionaryLiteral {
    private let given: [String: String]?

    public static let process = Environment(given: nil)

    public init(_ variables: [String: String]) { given = variables }

    public init(dictionaryLiteral elements: (String, String)...) {
        given = Dictionary(elements, uniquingKeysWith: { first, _ in first })
    }

    private init(given: [String: String]?) { self.given = given }

    public subscript(name: String) -> String? {
        if let given { return given[name] }
        return getenv(name).map { String(cString: $0) }
    }

    /// Every variable, for a program Verity runs.
    public var variables: [String: String] { given ?? Self.processVariables() }

    private static func processVariables() -> [String: String] {
        var variables: [String: String] = [:]
        let start: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
        guard var entry = start else { return variables }
        while let text = entry.pointee {
            let pair = String(cString: text)
            if let equals = pair.firstIndex(of: "=") {
                // (the first of a name given twice, as getenv reads it)
                let name = String(pair[..<equals])
                if variables[name] == nil { variables[name] = String(pair[pair.index(after: equals)...]) }
            }
            entry += 1
        }
        return variables
    }
}
