/// One numbered file of `sql/`, as embedded in the binary at build time.
public struct Migration: Sendable, Equatable {
    /// File name such as `001_workflow.sql`; its number orders the migrations.
    public let name: String
    public let sql: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }

    /// SHA-256 of the file's bytes; an applied file must never change.
    public var checksum: String { SHA256Digest.hex(of: sql) }

    /// Every migration in `sql/`, in order.
    public static let all: [Migration] = embeddedMigrationFiles
        .map { Migration(name: $0.name, sql: $0.sql) }
        .sorted { $0.name < $1.name }
}
