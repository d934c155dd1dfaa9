#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

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
        // Without an "@" there is no URL userinfo, and without "password=" no keyword: most
        // strings, answered by two scans of their bytes (every command redacts its URL).
        guard text.utf8.contains(UInt8(ascii: "@")) || passwordKey(in: text[...]) != nil else { return text }
        var result = text
        // URL userinfo: scheme://user:password@host
        if let schemeEnd = result.firstRange(of: "://") {
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
        while let range = Self.passwordKey(in: rest) {
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

    /// Where `password=` is, in any case (libpq's keywords are ASCII). By hand: a Regex built at
    /// run time costs more than the rest of a short command's start.
    static func passwordKey(in text: Substring) -> Range<String.Index>? {
        let key = Array("password=".utf8)
        let utf8 = text.utf8
        var start = utf8.startIndex
        while start != utf8.endIndex {
            var index = start
            var matched = 0
            while matched < key.count, index != utf8.endIndex, lowercasedASCII(utf8[index]) == key[matched] {
                matched += 1
                index = utf8.index(after: index)
            }
            if matched == key.count { return start..<index }
            start = utf8.index(after: start)
        }
        return nil
    }

    private static func lowercasedASCII(_ byte: UInt8) -> UInt8 { (65...90).contains(byte) ? byte + 32 : byte }
}
