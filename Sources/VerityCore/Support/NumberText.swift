#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A number as fixed-point text, C's `%.Nf` (the digits Foundation's `String(format:)` gave,
/// without linking Foundation for it).
public enum NumberText {
    public static func fixed(_ value: Double, places: Int) -> String {
        let format = "%.\(places)f"
        let needed = withVaList([value]) { vsnprintf(nil, 0, format, $0) }
        var buffer = [CChar](repeating: 0, count: Int(max(needed, 0)) + 1)
        _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, format, $0) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
