/// Trimming white space, which the standard library lacks and which every module needs
/// without Foundation (Foundation's `trimmingCharacters(in:)` would link it in whole).
extension StringProtocol {
    /// The text without leading and trailing white space or line breaks: Unicode's White_Space
    /// scalars, the set of Foundation's `.whitespacesAndNewlines`.
    public var trimmed: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
