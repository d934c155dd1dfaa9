#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Converts between `Date` and PostgreSQL's ISO timestamp text without Foundation
/// formatters, which are slow to create and not thread-safe to share.
public enum TimestampText {
    /// Formats as `2022-09-18T10:15:00.123456Z` (UTC, microseconds, the precision PostgreSQL keeps).
    public static func format(_ date: Date) -> String {
        let totalMicros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = totalMicros / 1_000_000
        var micros = totalMicros % 1_000_000
        if micros < 0 {
            micros += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (y, m, d) = CivilCalendar.civil(fromDays: Int(days))
        var text = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T"
        text += pad(Int(secondOfDay / 3600), 2) + ":" + pad(Int(secondOfDay / 60 % 60), 2) + ":"
        text += pad(Int(secondOfDay % 60), 2)
        if micros != 0 { text += "." + pad(Int(micros), 6) }
        return text + "Z"
    }

    /// Parses `YYYY-MM-DD[ T]HH:MM:SS[.ffffff][Z|±HH[:MM[:SS]]]`, as PostgreSQL prints
    /// timestamptz with `DateStyle=ISO` and as users type ISO 8601. A missing zone means UTC.
    public static func parse(_ text: some StringProtocol) -> Date? {
        var bytes = Array(text.utf8)[...]
        func number(_ width: Int) -> Int? {
            guard bytes.count >= width else { return nil }
            var value = 0
            for _ in 0..<width {
                let b = bytes.removeFirst()
                guard b >= 48 && b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
            }
            return value
        }
        func expect(_ c: UInt8) -> Bool {
            guard bytes.first == c else { return false }
            bytes.removeFirst()
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
            let date = CalendarDate(year: year, month: month, day: day)
        else { return nil }
        var seconds = Double(date.daysSinceEpoch) * 86_400
        if bytes.isEmpty { return Date(timeIntervalSince1970: seconds) }
        guard expect(32) || expect(84) || expect(116),
            let hour = number(2), hour < 24, expect(58), let minute = number(2), minute < 60
        else { return nil }
        var second = 0
        if expect(58) {
            guard let s = number(2), s < 61 else { return nil }
            second = s
        }
        seconds += Double(hour * 3600 + minute * 60 + second)
        if expect(46) {
            var fraction = 0.0
            var scale = 0.1
            var digits = 0
            while let b = bytes.first, b >= 48 && b <= 57 {
                fraction += Double(b - 48) * scale
                scale /= 10
                digits += 1
                bytes.removeFirst()
            }
            guard digits > 0 else { return nil }
            seconds += fraction
        }
        if bytes.isEmpty || expect(90) || expect(122) {
            return bytes.isEmpty ? Date(timeIntervalSince1970: seconds) : nil
        }
        guard let signByte = bytes.first, signByte == 43 || signByte == 45 else { return nil }
        bytes.removeFirst()
        guard let offsetHours = number(2) else { return nil }
        var offset = offsetHours * 3600
        _ = expect(58)
        if let minutes = number(2) {
            offset += minutes * 60
            _ = expect(58)
            if let secs = number(2) { offset += secs }
        }
        guard bytes.isEmpty else { return nil }
        seconds -= Double(signByte == 43 ? offset : -offset)
        return Date(timeIntervalSince1970: seconds)
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
