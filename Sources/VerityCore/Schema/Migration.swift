#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One file of `sql/`, as embedded in the binary at build time: a versioned
/// migration (`sql/migrations/NNN_*.sql`: tables, constraints, data; applied
/// once, never edited) or a definition file (`sql/definitions/NN_*.sql`:
/// functions, triggers, views, policies; holds their current text and is
/// re-applied whenever it changes).
public struct Migration: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case versioned = "migration"
        case definition
    }

    /// Path under `sql/` such as `migrations/001_baseline.sql`; its number
    /// orders the files of its kind.
    public let name: String
    /// SHA-256 of the file's bytes; an applied file must never change. For the
    /// embedded files it was computed at build time (EmbedMigrationsTool): every
    /// command compares it with the database's record, and hashing at run time
    /// would cost each process OpenSSL's start-up (about 2 ms).
    public let checksum: String
    private let text: Text

    /// The SQL as given, or as embedded (decoded only when it is applied).
    private enum Text: Sendable {
        case plain(String)
        case base64(String)
    }

    public var kind: Kind { name.hasPrefix("definitions/") ? .definition : .versioned }

    public var sql: String {
        switch text {
        case .plain(let sql): return sql
        case .base64(let encoded): return String(decoding: Data(base64Encoded: encoded) ?? Data(), as: UTF8.self)
        }
    }

    public init(name: String, sql: String) {
        self.name = name
        self.checksum = SHA256Digest.hex(of: sql)
        self.text = .plain(sql)
    }

    init(name: String, checksum: String, base64: String) {
        self.name = name
        self.checksum = checksum
        self.text = .base64(base64)
    }

    /// The same file: the same name and the same bytes.
    public static func == (a: Migration, b: Migration) -> Bool { a.name == b.name && a.checksum == b.checksum }

    private static let embedded: [Migration] = embeddedMigrationFiles
        .map { Migration(name: $0.name, checksum: $0.checksum, base64: $0.base64) }
        .sorted { $0.name < $1.name }

    /// Every versioned migration in `sql/migrations/`, in order.
    public static let all: [Migration] = embedded.filter { $0.kind == .versioned }

    /// Every definition file in `sql/definitions/`, in the order they are applied.
    public static let definitions: [Migration] = embedded.filter { $0.kind == .definition }
}
