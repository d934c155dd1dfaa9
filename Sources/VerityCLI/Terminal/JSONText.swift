#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VerityCore

/// The JSON text that `JSONOutput` prints, written without Foundation's `JSONEncoder`.
///
/// Byte for byte what `JSONEncoder` with `.convertToSnakeCase`, `[.prettyPrinted, .sortedKeys,
/// .withoutEscapingSlashes]` and `TimestampFormatting.iso` dates writes: two-space indents,
/// `"key" : value`, an empty array or object as its brackets around an empty line, keys sorted
/// by their UTF-8 bytes, the keys of a `[String: ...]` dictionary not converted. `JSONEncoder`
/// asks the Swift runtime, for every type it meets, whether it conforms to a handful of its own
/// protocols; the first time for each type, the runtime walks every conformance record of the
/// binary (6,300 in the static release), which was a quarter of `case show`'s instructions
/// (callgrind: 10.9 M of 44.5 M). This encoder compares metatypes instead. Anything it does not
/// write exactly as `JSONEncoder` would (floating-point numbers, `URL`, `Data`, `Decimal`,
/// integer dictionary keys, super-encoders, non-ASCII keys) makes `encode` answer nil, and the
/// caller uses `JSONEncoder`.
enum JSONText {
    static func encode<Value: Encodable>(_ value: Value) -> String? {
        let state = TreeState()
        let root = JSONBox()
        do {
            try TreeEncoder(box: root, state: state, codingPath: []).encodeValue(value)
        } catch {
            return nil
        }
        // (JSONEncoder refuses a top-level value that encodes nothing: leave that to it.)
        guard !state.unsupported, !root.isUnset else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(8192)
        write(root, indent: 0, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: writing

    // (Bytes, not a String: appending UTF-8 to an array is a copy; to a String, a check of each piece.)
    private static func write(_ box: JSONBox, indent: Int, into out: inout [UInt8]) {
        switch box.value {
        case .unset: emptyContainer("{", "}", indent: indent, into: &out)  // (not reached: see TreeKeyed.set)
        case .literal(let text): out += text.utf8
        case .string(let text): quote(text, into: &out)
        case .object(let members):
            guard !members.isEmpty else { return emptyContainer("{", "}", indent: indent, into: &out) }
            out.append(UInt8(ascii: "{"))
            out.append(0x0A)
            let sorted = sortedMembers(members)
            for (index, (key, value)) in sorted.enumerated() {
                spaces(indent + 2, into: &out)
                quote(key, into: &out)
                out += " : ".utf8
                write(value, indent: indent + 2, into: &out)
                if index != sorted.count - 1 { out.append(UInt8(ascii: ",")) }
                out.append(0x0A)
            }
            spaces(indent, into: &out)
            out.append(UInt8(ascii: "}"))
        case .array(let items):
            guard !items.isEmpty else { return emptyContainer("[", "]", indent: indent, into: &out) }
            out.append(UInt8(ascii: "["))
            out.append(0x0A)
            for (index, item) in items.enumerated() {
                spaces(indent + 2, into: &out)
                write(item, indent: indent + 2, into: &out)
                if index != items.count - 1 { out.append(UInt8(ascii: ",")) }
                out.append(0x0A)
            }
            spaces(indent, into: &out)
            out.append(UInt8(ascii: "]"))
        }
    }

    /// An object's members by their keys' UTF-8 bytes; of a key written more than once, its last
    /// value (as a dictionary keeps it: JSONEncoder's containers are dictionaries).
    private static func sortedMembers(_ members: [(key: String, box: JSONBox)]) -> [(key: String, box: JSONBox)] {
        let sorted = members.indices.sorted { a, b in
            let (x, y) = (members[a].key, members[b].key)
            if x == y { return a < b }
            return x.utf8.lexicographicallyPrecedes(y.utf8)
        }
        var kept: [(key: String, box: JSONBox)] = []
        kept.reserveCapacity(sorted.count)
        for (position, index) in sorted.enumerated()
        where position == sorted.count - 1 || members[sorted[position + 1]].key != members[index].key {
            kept.append(members[index])
        }
        return kept
    }

    /// JSONEncoder's empty array or object: its brackets around an empty line.
    private static func emptyContainer(_ open: Unicode.Scalar, _ close: Unicode.Scalar, indent: Int, into out: inout [UInt8]) {
        out.append(UInt8(ascii: open))
        out += [0x0A, 0x0A]
        spaces(indent, into: &out)
        out.append(UInt8(ascii: close))
    }

    private static func spaces(_ count: Int, into out: inout [UInt8]) {
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: count))
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// `text` in quotes: runs of bytes that need no escape are copied whole.
    static func quote(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for index in bytes.indices where bytes[index] < 0x20 || bytes[index] == 0x22 || bytes[index] == 0x5C {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                escape(bytes[index], into: &out)
                start = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func escape(_ byte: UInt8, into out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
        case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
        case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
        case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
        case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
        case 0x00..<0x20: out += [UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
        default: out.append(byte)
        }
    }

    /// `JSONEncoder.KeyEncodingStrategy.convertToSnakeCase`, for ASCII keys (nil for others).
    static func snakeCase(_ key: String) -> String? {
        guard key.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        let chars = Array(key.utf8)
        guard !chars.isEmpty else { return key }
        func isUpper(_ c: UInt8) -> Bool { c >= 0x41 && c <= 0x5A }
        func isLower(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }
        var words: [Range<Int>] = []
        var wordStart = 0
        var searchStart = 1
        let end = chars.count
        while let upper = (searchStart..<end).first(where: { isUpper(chars[$0]) }) {
            words.append(wordStart..<upper)
            guard let lower = (upper..<end).first(where: { isLower(chars[$0]) }) else {
                wordStart = upper
                searchStart = end
                break
            }
            if lower == upper + 1 {
                wordStart = upper
            } else {
                words.append(upper..<(lower - 1))
                wordStart = lower - 1
            }
            searchStart = lower + 1
        }
        words.append(wordStart..<end)
        var snake: [UInt8] = []
        snake.reserveCapacity(chars.count + words.count)
        for (index, range) in words.enumerated() {
            if index > 0 { snake.append(UInt8(ascii: "_")) }
            for char in chars[range] { snake.append(isUpper(char) ? char + 0x20 : char) }
        }
        return String(decoding: snake, as: UTF8.self)
    }
}

/// One value of the tree being built; a class, so that containers fill it in place.
final class JSONBox {
    enum Value {
        case unset
        case literal(String)
        /// A string, quoted when written.
        case string(String)
        /// Members in the order written (`JSONText.sortedMembers` orders them).
        case object([(key: String, box: JSONBox)])
        case array([JSONBox])
    }
    var value: Value = .unset
    var isUnset: Bool {
        if case .unset = value { return true }
        return false
    }
}

final class TreeState {
    var unsupported = false
    var snakeCache: [String: String] = [:]
    var keyTypes: [ObjectIdentifier: Bool] = [:]

    /// Whether keys of this type are converted to snake case: all but those of Swift's Dictionary.
    func converts(_ type: any CodingKey.Type) -> Bool {
        if let known = keyTypes[ObjectIdentifier(type)] { return known }
        let converts = _typeName(type, qualified: true) != "Swift._DictionaryCodingKey"
        keyTypes[ObjectIdentifier(type)] = converts
        return converts
    }

    func key(_ raw: String) -> String {
        if let known = snakeCache[raw] { return known }
        guard let converted = JSONText.snakeCase(raw) else {
            unsupported = true
            return raw
        }
        snakeCache[raw] = converted
        return converted
    }
}

// (codingPath stays empty: nothing here reports errors by path, and building it costs an array per value.)
private struct TreeEncoder: Encoder {
    let box: JSONBox
    let state: TreeState
    var codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = box.value {} else { box.value = .object([]) }
        // Swift's own Dictionary encodes through a keyed container of this key type:
        // JSONEncoder writes such keys as they are. (Its name once per key type: printing it costs.)
        let converts = state.converts(Key.self)
        return KeyedEncodingContainer(TreeKeyed<Key>(box: box, state: state, codingPath: codingPath, converts: converts))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        if case .array = box.value {} else { box.value = .array([]) }
        return TreeUnkeyed(box: box, state: state, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer {
        TreeSingle(box: box, state: state, codingPath: codingPath)
    }

    /// Any value: the types JSONEncoder treats specially are compared by metatype (no protocol casts).
    func encodeValue<T: Encodable>(_ value: T) throws {
        if T.self == Date.self {
            box.value = .string(TimestampFormatting.iso(value as! Date))
        } else if T.self == String.self {
            box.value = .string(value as! String)
        } else if T.self == Double.self || T.self == Float.self || T.self == URL.self || T.self == Data.self
            || T.self == Decimal.self
        {
            state.unsupported = true
        } else {
            try value.encode(to: self)
        }
    }
}

private struct TreeKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: JSONBox
    let state: TreeState
    var codingPath: [CodingKey]
    let converts: Bool

    private func set(_ child: JSONBox, _ key: Key) {
        if key.intValue != nil && !converts { state.unsupported = true }
        let name = converts ? state.key(key.stringValue) : key.stringValue
        guard case .object(var members) = box.value else { state.unsupported = true; return }
        box.value = .unset  // keep the array uniquely referenced while it grows
        members.append((name, child))
        box.value = .object(members)
    }

    private func literal(_ text: String, _ key: Key) {
        let child = JSONBox()
        child.value = .literal(text)
        set(child, key)
    }

    private func string(_ text: String, _ key: Key) {
        let child = JSONBox()
        child.value = .string(text)
        set(child, key)
    }

    mutating func encodeNil(forKey key: Key) throws { literal("null", key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { literal(value ? "true" : "false", key) }
    mutating func encode(_ value: String, forKey key: Key) throws { string(value, key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { literal(String(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { state.unsupported = true }
    mutating func encode(_ value: Float, forKey key: Key) throws { state.unsupported = true }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let child = JSONBox()
        try TreeEncoder(box: child, state: state, codingPath: []).encodeValue(value)
        if child.isUnset { state.unsupported = true }  // a value that wrote nothing: left to JSONEncoder
        set(child, key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let child = JSONBox()
        set(child, key)
        return TreeEncoder(box: child, state: state, codingPath: []).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        let child = JSONBox()
        set(child, key)
        return TreeEncoder(box: child, state: state, codingPath: []).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder {
        state.unsupported = true
        return TreeEncoder(box: JSONBox(), state: state, codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> Encoder {
        state.unsupported = true
        return TreeEncoder(box: JSONBox(), state: state, codingPath: codingPath)
    }
}

/// The scalar encodings both containers share: each scalar is a literal, and floating point
/// (whose text JSONEncoder formats its own way) marks the value as one to leave to JSONEncoder.
private protocol LiteralScalars {
    var state: TreeState { get }
    func literal(_ text: String)
    func string(_ text: String)
}

extension LiteralScalars {
    mutating func encodeNil() throws { literal("null") }
    mutating func encode(_ value: Bool) throws { literal(value ? "true" : "false") }
    mutating func encode(_ value: String) throws { string(value) }
    mutating func encode(_ value: Int) throws { literal(String(value)) }
    mutating func encode(_ value: Int8) throws { literal(String(value)) }
    mutating func encode(_ value: Int16) throws { literal(String(value)) }
    mutating func encode(_ value: Int32) throws { literal(String(value)) }
    mutating func encode(_ value: Int64) throws { literal(String(value)) }
    mutating func encode(_ value: UInt) throws { literal(String(value)) }
    mutating func encode(_ value: UInt8) throws { literal(String(value)) }
    mutating func encode(_ value: UInt16) throws { literal(String(value)) }
    mutating func encode(_ value: UInt32) throws { literal(String(value)) }
    mutating func encode(_ value: UInt64) throws { literal(String(value)) }
    mutating func encode(_ value: Double) throws { state.unsupported = true }
    mutating func encode(_ value: Float) throws { state.unsupported = true }
}

private struct TreeUnkeyed: UnkeyedEncodingContainer, LiteralScalars {
    let box: JSONBox
    let state: TreeState
    var codingPath: [CodingKey]
    var count: Int {
        if case .array(let items) = box.value { return items.count }
        return 0
    }

    private func append(_ child: JSONBox) {
        guard case .array(var items) = box.value else { state.unsupported = true; return }
        box.value = .unset
        items.append(child)
        box.value = .array(items)
    }

    func literal(_ text: String) {
        let child = JSONBox()
        child.value = .literal(text)
        append(child)
    }

    func string(_ text: String) {
        let child = JSONBox()
        child.value = .string(text)
        append(child)
    }


    mutating func encode<T: Encodable>(_ value: T) throws {
        let child = JSONBox()
        try TreeEncoder(box: child, state: state, codingPath: codingPath).encodeValue(value)
        if child.isUnset { state.unsupported = true }
        append(child)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = JSONBox()
        append(child)
        return TreeEncoder(box: child, state: state, codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        let child = JSONBox()
        append(child)
        return TreeEncoder(box: child, state: state, codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder {
        state.unsupported = true
        return TreeEncoder(box: JSONBox(), state: state, codingPath: codingPath)
    }
}

private struct TreeSingle: SingleValueEncodingContainer, LiteralScalars {
    let box: JSONBox
    let state: TreeState
    var codingPath: [CodingKey]

    func literal(_ text: String) { box.value = .literal(text) }
    func string(_ text: String) { box.value = .string(text) }


    mutating func encode<T: Encodable>(_ value: T) throws {
        try TreeEncoder(box: box, state: state, codingPath: codingPath).encodeValue(value)
    }
}
