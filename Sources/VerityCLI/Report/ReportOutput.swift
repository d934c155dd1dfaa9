import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient
import VerityCore
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--format` of the reports: documents for people, JSON and CSV for programs.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case markdown, html, json, csv
}

/// The formats of a dossier: a document, so no CSV (that is for `report status`).
enum DossierFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case markdown, html, json
    /// The HTML dossier printed by headless Chromium, for paper (docs/reports.md).
    case pdf
}

/// `--output FILE`, shared by the reports and the ClaimReview export.
struct ReportOutputOptions: ParsableArguments {
    @Option(name: .customLong("output"), help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var path: String?

    /// Writes `text` to the file, or prints it. The file is replaced whole or not at all.
    /// Returns the SHA-256 and size of the exact bytes written, for the output log.
    @discardableResult
    func deliver(_ text: String) throws -> OutputDigest {
        var digest = OutputDigest()
        guard let path else {
            digest.update(text + "\n")
            Console.current.print(text)
            return digest
        }
        let data = Data((text.hasSuffix("\n") ? text : text + "\n").utf8)
        digest.update(String(decoding: data, as: UTF8.self))
        try Self.replacing(path) { file in try data.withUnsafeBytes { try file.write($0) } }
        Console.current.writeErr("wrote \(path) (\(data.count) bytes)\n")
        return digest
    }
}

extension ReportOutputOptions {
    /// Checks that bytes that are not text (a PDF) have a file to go to: never standard output.
    func requirePath(for what: String) throws {
        guard path == nil else { return }
        throw VerityError.usage("\(what) is written to a file, not to standard output", hint: "give --output FILE")
    }

    /// Writes bytes that are not text (a PDF) to the file, replaced whole or not at all
    /// (`requirePath` first). Returns their SHA-256 and size, for the output log.
    @discardableResult
    func deliver(bytes data: Data) throws -> OutputDigest {
        var digest = OutputDigest()
        digest.update(bytes: data)
        guard let path else { throw VerityError.usage("no --output file for the bytes", hint: "give --output FILE") }
        try Self.replacing(path) { file in try data.withUnsafeBytes { try file.write($0) } }
        Console.current.writeErr("wrote \(path) (\(data.count) bytes)\n")
        return digest
    }

    /// Writes text piece by piece as `body` produces it, so a large export is
    /// never held whole in memory. A file is written beside its final name and
    /// renamed at the end, so it is replaced whole or not at all.
    /// Returns the SHA-256 and size of what was written, for the output log.
    @discardableResult
    func stream(_ body: (_ write: (String) throws -> Void) throws -> Void) throws -> OutputDigest {
        var digest = OutputDigest()
        guard let path else {
            try body { text in
                digest.update(text)
                Console.current.writeOut(text)
            }
            return digest
        }
        var bytes = 0
        try Self.replacing(path) { file in
            try body { text in
                try file.write(text)
                digest.update(text)
                bytes += text.utf8.count
            }
        }
        Console.current.writeErr("wrote \(path) (\(bytes) bytes)\n")
        return digest
    }

    /// `POSIXFile.replace`, its failures in the words of a command's usage error.
    static func replacing(_ path: String, _ body: (POSIXFile) throws -> Void) throws {
        do {
            try POSIXFile.replace(path, body)
        } catch let failure as POSIXFile.Failure {
            throw VerityError.usage(
                "cannot write \(path): \(failure.reason)", hint: "check that the directory exists and is writable")
        }
    }
}

/// Parses --as-of and --since: ISO 8601 timestamps with or without an offset
/// (UTC when none), or plain dates (midnight UTC at the start of that day).
enum ReportInstant {
    static func parse(_ text: String, option: String) throws -> Date {
        guard let date = TimestampText.parse(text.trimmed) else {
            throw VerityError.usage(
                "\(option) \"\(text)\" is not a date or timestamp",
                hint: "use 2022-09-20, 2022-09-20T12:00:00Z or 2022-09-20T12:00:00+03:00")
        }
        return date
    }
}
