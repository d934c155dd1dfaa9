import Foundation

/// A libpq connection string (a `postgresql://` URL or `key=value` pairs) that
/// knows how to show itself without its password.
public struct ConnectionString: Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// The string with any password replaced by `***`, safe for logs and errors.
    public var redacted: String { Self.redact(rawValue) }

    public var description: String { redacted }

    /// Replaces passwords in URLs (`user:secret@`, `?password=secret`) and in
    /// keyword form (`password=secret`, `password='se cret'`).
    public static func redact(_ text: String) -> String {
        var result = text
        // URL userinfo: scheme://user:password@host
        if let schemeEnd = result.range(of: "://") {
            let afterScheme = result[schemeEnd.upperBound...]
            let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
            let authority = afterScheme[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                result.replaceSubrange(result.index(after: colon)..<at, with: "***")
            }
        }
        // password=... in a URL query or in keyword/value form.
        var output = ""
        var rest = result[...]
        while let range = rest.range(of: "password=", options: [.caseInsensitive]) {
            output += rest[..<range.upperBound]
            rest = rest[range.upperBound...]
            if rest.first == "'" {
                // Quoted keyword value: skip to the closing unescaped quote.
                var index = rest.index(after: rest.startIndex)
                while index < rest.endIndex {
                    if rest[index] == "\\" {
                        index = rest.index(index, offsetBy: 2, limitedBy: rest.endIndex) ?? rest.endIndex
                        continue
                    }
                    if rest[index] == "'" {
                        index = rest.index(after: index)
                        break
                    }
                    index = rest.index(after: index)
                }
                rest = rest[index...]
            } else {
                let end = rest.firstIndex(where: { $0 == "&" || $0 == " " }) ?? rest.endIndex
                rest = rest[end...]
            }
            output += "***"
        }
        return output + rest
    }
}
