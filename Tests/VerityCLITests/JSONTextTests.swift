import Foundation
import Testing
import VerityCore

@testable import VerityCLI

/// JSONText writes what JSONEncoder (as JSONOutput configures it) writes, byte for byte,
/// or declines (nil) and leaves the value to JSONEncoder.
@Suite("JSON output without JSONEncoder")
struct JSONTextTests {
    struct Inner: Encodable {
        var emptyArr: [Int] = []
        var emptyObj: [String: Int] = [:]
        var dictKeys: [String: Int] = ["fooBar": 1, "a10": 2, "a9": 3, "B": 4, "b": 5, "_x": 6, "é": 7]
        var nestedDict: [String: [String: String?]] = ["k": ["x": nil, "yZ": "v"]]
        var flag = false
        var small: Int8 = -3
        var big: UInt64 = .max
    }

    struct Outer: Encodable {
        var caseID = 3
        var allowedNextStates = ["x"]
        var s = "a/b \"q\" \\ \n\r\t\u{8}\u{c}\u{1}\u{1b}\u{1f}\u{7f} é 😀 \u{2028} <>&"
        var inner = Inner()
        var absent: Int? = nil
        var nested: [[Int]] = [[1], []]
        var urlHTTPs = true
        var aBCDef = 1
        var _lead = 2
        var x2y = 3
        var userIDs = [1]
        var at = Date(timeIntervalSince1970: 1_700_000_000.123)
        var dates: [Date?] = [Date(timeIntervalSince1970: 0), nil]
        var details: JSONValue = .object(["fromState": .string("a"), "n": .number(3), "list": .array([.null, .bool(true)])])
    }

    /// Encodes explicitly: a nil written as null, a nested container, a value written twice into one object.
    struct Manual: Encodable {
        enum Keys: String, CodingKey { case nilValue, nestedBox, listOfThings }
        func encode(to encoder: Encoder) throws {
            try Outer().inner.encode(to: encoder)
            var c = encoder.container(keyedBy: Keys.self)
            try c.encodeNil(forKey: .nilValue)
            try c.encode("written again", forKey: .nilValue)  // (the last value of a key is kept)
            try c.encodeNil(forKey: .nilValue)
            var nested = c.nestedContainer(keyedBy: Keys.self, forKey: .nestedBox)
            try nested.encode("x", forKey: .listOfThings)
            var list = c.nestedUnkeyedContainer(forKey: .listOfThings)
            try list.encode(1)
            try list.encodeNil()
            try list.encode("two")
        }
    }

    func expectSame<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = JSONText.encode(value)
        #expect(text != nil, sourceLocation: sourceLocation)
        #expect(text == JSONOutput.encodeWithFoundation(value), sourceLocation: sourceLocation)
    }

    @Test("the same text as JSONEncoder: keys, sorting, escapes, empty containers, dates, nested values")
    func sameText() {
        expectSame(Outer())
        expectSame(Manual())
        expectSame([Outer(), Outer()])
        expectSame([Int]())
        expectSame(["onlyKey": [String]()])
        expectSame("top \"level\"")
        expectSame(Optional<Int>.none)
        expectSame(JSONValue.object([:]))
        expectSame(CaseState.disputed)
    }

    /// An object whose keys are the given strings, for comparing key conversion.
    struct Keys: Encodable {
        struct Key: CodingKey {
            var stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }
        let names: [String]
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            for (index, name) in names.enumerated() { try c.encode(index, forKey: Key(stringValue: name)) }
        }
    }

    @Test("snake case as JSONEncoder converts it")
    func snakeCase() {
        for key in [
            "caseID", "userIDs", "urlHTTPs", "aBCDef", "_lead", "x2y", "ABC", "A", "isHTTP", "allowedNextStates",
            "p90Days", "a_B", "aB_c", "__x", "x__Y", "Ab", "AbC", "a1B2", "HTTPServer", "aBc", "already_snake",
        ] {
            expectSame(Keys(names: [key]))
        }
        #expect(JSONText.snakeCase("allowedNextStates") == "allowed_next_states")
    }

    @Test("what it does not write exactly, it leaves to JSONEncoder")
    func declines() {
        #expect(JSONText.encode(["x": 1.5]) == nil)
        #expect(JSONText.encode(JSONValue.number(0.25)) == nil)
        #expect(JSONText.encode(URL(fileURLWithPath: "/tmp")) == nil)
        #expect(JSONOutput.encode(["x": 1.5]) == JSONOutput.encodeWithFoundation(["x": 1.5]))
    }

    @Test("table cells are padded to a display width: wide characters count two, combining marks none")
    func padding() {
        for cell in ["", "abc", "é", "e\u{301}", "😀", "ab😀", "👩‍👩‍👧", "日本語", "x\u{1b}"] {
            for width in 0...8 {
                let padded = TableOutput.pad(cell, width)
                #expect(padded.hasPrefix(cell), "\(cell) \(width)")
                #expect(DisplayWidth.of(padded) == max(width, DisplayWidth.of(cell)), "\(cell) \(width)")
            }
        }
        #expect(TableOutput.pad("日本語", 8) == "日本語  ")
        #expect(TableOutput.pad("e\u{301}", 3) == "e\u{301}  ")
    }

    @Test("text counted a column a scalar (Latin, Cyrillic, quotes, the ellipsis) is that wide by the grapheme walk too")
    func narrowScalars() {
        for value in UInt32(0x20)...0x2FFF {
            guard let scalar = Unicode.Scalar(value), DisplayWidth.isNarrowAlone(scalar) else { continue }
            #expect(DisplayWidth.of(Character(scalar)) == 1, "U+\(String(value, radix: 16))")
        }
        // Next to a combining mark, a soft hyphen or a wide character, the walk decides.
        #expect(DisplayWidth.of("Изюм…") == 5)
        #expect(DisplayWidth.of("Изю\u{301}м") == 4)
        #expect(DisplayWidth.of("a\u{AD}b") == 2)
        #expect(DisplayWidth.of("«日本»") == 6)
    }
}
