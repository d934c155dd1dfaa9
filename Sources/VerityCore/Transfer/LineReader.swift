#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a file (or standard input) one line at a time through a fixed-size
/// buffer, so memory stays flat whatever the file's size. Lines end with LF or
/// CRLF; the terminator is not returned. Counts lines and bytes for error
/// positions and progress.
public final class LineReader {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var atEnd = false
    /// Bytes of the input consumed so far.
    public private(set) var bytesRead: Int = 0
    /// Number of the line last returned (1-based).
    public private(set) var lineNumber = 0
    /// The input's size when known (a regular file), for percent progress.
    public let totalBytes: Int?
    /// Longest line accepted; longer lines are an error, not an unbounded allocation.
    public let maxLineLength: Int

    /// Opens `path`, or standard input for "-".
    public init(path: String, chunkSize: Int = 256 * 1024, maxLineLength: Int = 16 * 1024 * 1024) throws {
        if path == "-" {
            descriptor = STDIN_FILENO
            ownsDescriptor = false
        } else {
            descriptor = open(path, O_RDONLY)
            guard descriptor >= 0 else {
                let reason = String(cString: strerror(errno))
                throw VerityError.usage("cannot read \(path): \(reason)", hint: "check the file's name and permissions")
            }
            ownsDescriptor = true
        }
        var info = stat()
        if fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            totalBytes = Int(info.st_size)
        } else {
            totalBytes = nil
        }
        buffer = [UInt8](repeating: 0, count: chunkSize)
        self.maxLineLength = maxLineLength
    }

    deinit { if ownsDescriptor { close(descriptor) } }

    /// The next line's bytes, or nil at the end of the input.
    public func nextLine() throws -> [UInt8]? {
        var line = try readLine()
        // Excel's "CSV UTF-8" and some editors start the file with a UTF-8 byte-order mark:
        // it is not part of the first field (nor of a JSON line), so it is dropped here, once.
        if lineNumber == 1, let first = line, first.starts(with: Self.byteOrderMark) {
            line = Array(first.dropFirst(Self.byteOrderMark.count))
        }
        return line
    }

    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    private func readLine() throws -> [UInt8]? {
        var scanFrom = start
        while true {
            if let newline = buffer[scanFrom..<end].firstIndex(of: 10) {
                var lineEnd = newline
                if lineEnd > start, buffer[lineEnd - 1] == 13 { lineEnd -= 1 }
                let line = Array(buffer[start..<lineEnd])
                bytesRead += newline + 1 - start
                start = newline + 1
                lineNumber += 1
                return line
            }
            if atEnd {
                guard start < end else { return nil }
                var lineEnd = end
                if buffer[lineEnd - 1] == 13 { lineEnd -= 1 }
                let line = Array(buffer[start..<lineEnd])
                bytesRead += end - start
                start = end
                lineNumber += 1
                return line
            }
            // Keep the partial line, make room, read more.
            if start > 0 {
                let pending = end - start
                if pending > 0 {
                    buffer.withUnsafeMutableBufferPointer { raw in
                        _ = memmove(raw.baseAddress!, raw.baseAddress! + start, pending)
                    }
                }
                start = 0
                end = pending
            }
            scanFrom = end
            if end == buffer.count {
                guard buffer.count < maxLineLength else {
                    throw VerityError.usage(
                        "line \(lineNumber + 1) is longer than \(maxLineLength / 1024 / 1024) MB",
                        hint: "each record must be on one line of its own")
                }
                buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count))
            }
            let count = buffer.withUnsafeMutableBufferPointer { raw in
                read(descriptor, raw.baseAddress! + end, raw.count - end)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw VerityError.usage("reading the input failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 { atEnd = true } else { end += count }
        }
    }
}
