#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VerityCore
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where commands write. Commands never touch stdout directly, so tests can run
/// them in-process and read exactly what a user would see.
public struct Console: Sendable {
    public var writeOut: @Sendable (String) -> Void
    public var writeErr: @Sendable (String) -> Void
    /// Whether stdout is a terminal (decides colour and default formats).
    public var isTerminal: Bool

    public init(writeOut: @escaping @Sendable (String) -> Void, writeErr: @escaping @Sendable (String) -> Void, isTerminal: Bool) {
        self.writeOut = writeOut
        self.writeErr = writeErr
        self.isTerminal = isTerminal
    }

    public static let standard = Console(
        writeOut: { try? POSIXFile.standardOutput.write($0) },
        writeErr: { try? POSIXFile.standardError.write($0) },
        isTerminal: isatty(STDOUT_FILENO) == 1)

    @TaskLocal public static var current: Console = .standard

    public func print(_ line: String = "") { writeOut(line + "\n") }
    public func error(_ line: String) { writeErr(line + "\n") }

    /// The same console with `prefix` in front of every line it writes to
    /// stderr, so that `verity batch` can say which of its lines a message is about.
    public func prefixingErrors(with prefix: String) -> Console {
        var prefixed = self
        let write = writeErr
        prefixed.writeErr = { text in
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            write(lines.map { $0.isEmpty ? "" : prefix + $0 }.joined(separator: "\n"))
        }
        return prefixed
    }

    /// Colour only on a terminal and never when NO_COLOR is set (no-color.org).
    public var usesColour: Bool {
        isTerminal && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
    }
}
