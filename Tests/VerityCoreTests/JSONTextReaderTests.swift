import Foundation
import Testing

@testable import VerityCore

/// JSONTextReader reads what JSONDecoder reads, or declines (nil) and leaves the text to it.
@Suite("JSON text read without JSONDecoder")
struct JSONTextReaderTests {
    static func decoded(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test("the same value as JSONDecoder for jsonb's text and other JSON")
    func sameValue() throws {
        let texts = [
            #"{}"#, #"[]"#, #"null"#, #"true"#, #"false"#, #"0"#, #"-0"#, #"3"#, #"-12.5"#, #"1e3"#, #"2.5E-3"#, #"0.1"#,
            #"123456789012345"#, #""""#, #""a\"b\\c\/d\n\r\t\b\f\u0001\u001f\u007f""#, #""é 😀 日本""#,
            #"{"to": "disputed", "from": "claimed", "n": [1, 2.5, null, true, {"x": {}}], "s": "\u001b[31m"}"#,
            #"{"verdict": {"to": "mixed", "from": null}, "confidence": {"to": 3, "from": 2}}"#,
            "  {\"a\" :\n [ 1 ,2 ] }  ",
        ]
        for text in texts {
            let fast = try #require(JSONTextReader.parse(text), "\(text)")
            #expect(fast == Self.decoded(text), "\(text)")
            #expect(JSONValue(parsing: text) == fast)
        }
    }

    @Test("what it is not sure of goes to JSONDecoder; text that is not JSON stays a string")
    func declines() {
        for text in [
            "", "not json", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "+1", "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"a\u{1}\"",
            "1 2", "{\"a\":1,\"a\":2}", "12345678901234567890", "1e999", "nul", "\"\\x\"",
        ] {
            #expect(JSONTextReader.parse(text) == nil, "\(text)")
            #expect(JSONValue(parsing: text) == (Self.decoded(text) ?? .string(text)), "\(text)")
        }
    }
}
