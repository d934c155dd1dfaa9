import Foundation

// Usage: EmbedMigrationsTool OUTPUT.swift MIGRATION.sql...
// Writes `embeddedMigrationFiles`, an array of (file name, exact file text).
// The text travels as base64 so that every byte (quotes, backslashes, CRLF,
// `#`) round-trips exactly and the checksum matches the file on disk.

let arguments = Array(CommandLine.arguments.dropFirst())
guard let outputPath = arguments.first else {
    FileHandle.standardError.write(Data("usage: EmbedMigrationsTool OUTPUT FILE...\n".utf8))
    exit(64)
}

var swift = """
    // Generated from sql/ by the EmbedMigrations plugin. Do not edit.
    import Foundation

    let embeddedMigrationFiles: [(name: String, sql: String)] = [

    """
for path in arguments.dropFirst() {
    let url = URL(fileURLWithPath: path)
    let base64 = try Data(contentsOf: url).base64EncodedString()
    swift += "    (name: \"\(url.lastPathComponent)\", sql: decodeMigration(\"\(base64)\")),\n"
}
swift += """
    ]

    private func decodeMigration(_ base64: String) -> String {
        String(decoding: Data(base64Encoded: base64) ?? Data(), as: UTF8.self)
    }

    """
try swift.write(toFile: outputPath, atomically: true, encoding: .utf8)
