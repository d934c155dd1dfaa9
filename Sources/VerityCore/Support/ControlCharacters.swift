/// Control characters in text that came from users (claims, notes, reasons,
/// imported files), written so that a terminal shows them instead of obeying
/// them. A claim holding `ESC ] 0 ; ... BEL` would otherwise set the window
/// title, and `ESC [ 2 J` clear the screen, of whoever runs `case list`.
/// The bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069)
/// count as controls too: `\u{202e}` in a claim would reverse what the terminal
/// shows after it ("Trojan Source"), so a table cell could read as another case's
/// verdict. Tables, Markdown, CSV and error messages all go through `visible`;
/// JSON needs nothing (its encoder writes `\u001b`; bidi characters stay as they
/// are for programs) and keeps the text exact.
public enum ControlCharacters {
    /// C0 controls, DEL, the C1 controls U+0080–U+009F (U+009B is a one-character
    /// CSI on some terminals, so C1 is as dangerous as ESC), and the bidi embeddings,
    /// overrides and isolates U+202A–U+202E and U+2066–U+2069.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// `text` with every control character except those in `keeping` written
    /// visibly: `\n`, `\r`, `\t` for line breaks and tabs, `\x1b` for the other
    /// C0 controls and DEL, `\u{9b}` for C1, `\u{202e}` for the bidi controls. Text without any is returned as it is.
    public static func visible(_ text: String, keeping: Set<Unicode.Scalar> = []) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) && !keeping.contains($0) }) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            guard isControl(scalar), !keeping.contains(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            result += written(scalar)
        }
        return result
    }

    /// How one control character is written: `\n`, `\x1b`, `\u{9b}`.
    static func written(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default:
            let hex = String(scalar.value, radix: 16)
            return scalar.value < 0x80 ? "\\x" + (hex.count == 1 ? "0" + hex : hex) : "\\u{" + hex + "}"
        }
    }
}
