/// RFC 4180 CSV, read record by record from a `LineReader`: fields separated by
/// commas, optionally quoted with `"`, a quote inside a quoted field doubled
/// (`""`), and quoted fields may span lines. Written by hand (about eighty
/// lines) rather than adding a package: import needs only this much, with the
/// record's starting line number for error messages.
public struct CSVReader {
    public struct Failure: Error, Equatable {
        public let line: Int
        public let problem: String
    }

    private let lines: LineReader

    public init(_ lines: LineReader) { self.lines = lines }

    /// The next record and the line it starts on, or nil at the end. Blank lines are skipped.
    public mutating func next() throws -> (line: Int, fields: [String])? {
        guard var bytes = try lines.nextLine() else { return nil }
        while bytes.isEmpty {
            guard let following = try lines.nextLine() else { return nil }
            bytes = following
        }
        let firstLine = lines.lineNumber
        var fields: [String] = []
        var field: [UInt8] = []
        var index = 0
        var quoted = false
        var fieldStarted = false  // true once the current field had its opening quote
        while true {
            if index == bytes.count {
                if quoted {
                    // The quoted field goes on on the next line.
                    guard let more = try lines.nextLine() else {
                        throw Failure(line: firstLine, problem: "a quoted field is not closed before the end of the file")
                    }
                    field.append(10)
                    bytes = more
                    index = 0
                    continue
                }
                fields.append(try text(field, line: firstLine))
                return (firstLine, fields)
            }
            let byte = bytes[index]
            index += 1
            if quoted {
                if byte == 34 {
                    if index < bytes.count, bytes[index] == 34 {
                        field.append(34)
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case 44:  // ,
                fields.append(try text(field, line: firstLine))
                field.removeAll(keepingCapacity: true)
                fieldStarted = false
            case 34 where field.isEmpty && !fieldStarted:
                quoted = true
                fieldStarted = true
            case 34:
                throw Failure(
                    line: lines.lineNumber,
                    problem: "a quote inside an unquoted field (column \(fields.count + 1)); quote the field and double the quote (\"\")")
            default:
                if fieldStarted {
                    throw Failure(
                        line: lines.lineNumber,
                        problem: "text after the closing quote of column \(fields.count + 1)")
                }
                field.append(byte)
            }
        }
    }

    private func text(_ bytes: [UInt8], line: Int) throws -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Failure(line: line, problem: "the record is not valid UTF-8")
        }
        return text
    }
}
