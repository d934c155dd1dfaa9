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

/// A file read or written through the C library (open, read, write). Foundation's FileHandle
/// would link all of Foundation into the binary; a failure here carries the system's own words
/// (`strerror`), which is what a user can act on.
/// (Sendable: the standard streams are never closed, and an opened file belongs to one task.)
public final class POSIXFile: @unchecked Sendable {
    public let descriptor: Int32
    private let owned: Bool
    private var closed = false

    /// A failed call: what was being done, to which path, and errno.
    public struct Failure: Error, CustomStringConvertible {
        public let action: String
        public let path: String
        public let code: Int32
        /// The system's words ("No such file or directory").
        public var reason: String { String(cString: strerror(code)) }
        public var description: String { "cannot \(action) \(path): \(reason)" }
    }

    private init(descriptor: Int32, owned: Bool, path: String) {
        self.descriptor = descriptor
        self.owned = owned
        self.path = path
    }

    public let path: String

    public static let standardInput = POSIXFile(descriptor: STDIN_FILENO, owned: false, path: "standard input")
    public static let standardOutput = POSIXFile(descriptor: STDOUT_FILENO, owned: false, path: "standard output")
    public static let standardError = POSIXFile(descriptor: STDERR_FILENO, owned: false, path: "standard error")

    public static func open(reading path: String) throws(Failure) -> POSIXFile {
        try open(path, O_RDONLY, action: "read")
    }

    /// Opens `path` for writing: truncated (or created with `mode`), or appended to.
    public static func open(writing path: String, append: Bool = false, mode: mode_t = 0o644) throws(Failure) -> POSIXFile {
        try open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), mode: mode, action: "write")
    }

    private static func open(_ path: String, _ flags: Int32, mode: mode_t = 0, action: String) throws(Failure) -> POSIXFile {
        while true {
            let descriptor = systemOpen(path, flags | O_CLOEXEC, mode)
            if descriptor >= 0 { return POSIXFile(descriptor: descriptor, owned: true, path: path) }
            if errno != EINTR { throw Failure(action: action, path: path, code: errno) }
        }
    }

    /// Up to `count` bytes; empty at the end of the file.
    public func read(upTo count: Int) throws(Failure) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        while true {
            let got = bytes.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, count) }
            if got >= 0 {
                bytes.removeLast(count - got)
                return bytes
            }
            if errno != EINTR { throw Failure(action: "read", path: path, code: errno) }
        }
    }

    /// Everything up to the end of the file.
    public func readToEnd() throws(Failure) -> [UInt8] {
        var all: [UInt8] = []
        while true {
            let chunk = try read(upTo: 1 << 16)
            if chunk.isEmpty { return all }
            all += chunk
        }
    }

    public func write(_ text: String) throws(Failure) {
        var text = text
        var failure: Failure?
        text.withUTF8 { buffer in
            do throws(Failure) { try write(UnsafeRawBufferPointer(buffer)) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let wrote = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if wrote >= 0 {
                offset += wrote
            } else if errno != EINTR {
                throw Failure(action: "write", path: path, code: errno)
            }
        }
    }

    /// Waits until what was written is on the disk.
    public func synchronize() throws(Failure) {
        if fsync(descriptor) != 0 { throw Failure(action: "write", path: path, code: errno) }
    }

    public func close() {
        guard owned, !closed else { return }
        closed = true
        _ = systemClose(descriptor)
    }

    deinit { close() }

    /// Writes `path` whole or not at all: `body` writes a file beside it, which is then synchronised
    /// and renamed over it; after any failure the partial file is removed and `path` is as it was.
    /// A failure of the file itself is a `Failure` naming `path`.
    public static func replace(_ path: String, _ body: (POSIXFile) throws -> Void) throws {
        let partial = path + ".partial-\(getpid())"
        do {
            let file: POSIXFile
            do { file = try open(writing: partial) } catch { throw Failure(action: "write", path: path, code: error.code) }
            defer { file.close() }
            try body(file)
            do { try file.synchronize() } catch { throw Failure(action: "write", path: path, code: error.code) }
            guard rename(partial, path) == 0 else { throw Failure(action: "write", path: path, code: errno) }
        } catch {
            unlink(partial)
            throw error
        }
    }

    /// The directory for temporary files ($TMPDIR or /tmp), ending in "/".
    public static var temporaryDirectory: String {
        let path = FileManager.default.temporaryDirectory.path
        return path.hasSuffix("/") ? path : path + "/"
    }
}

// The C library's calls, named apart from POSIXFile's methods of the same names.
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
