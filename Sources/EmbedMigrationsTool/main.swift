import CLibPQ
import Foundation

// Usage: EmbedMigrationsTool OUTPUT.swift SQL-FILE...
// Writes `embeddedMigrationFiles`: each file's path under sql/ (such as
// `migrations/001_baseline.sql`), the SHA-256 of its bytes
// and its exact text. The text travels as base64 so that every byte (quotes,
// backslashes, CRLF, `#`) round-trips exactly, and is decoded only when a
// migration is applied. The checksum is computed here, once per build: every
// command compares the applied migrations' checksums with these, and hashing
// the files at run time would start OpenSSL in every process.

let arguments = Array(CommandLine.arguments.dropFirst())
guard let outputPath = arguments.first else {
    FileHandle.standardError.write(Data("usage: EmbedMigrationsTool OUTPUT FILE...\n".utf8))
    exit(64)
}

func sha256Hex(_ data: Data) -> String {
    var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var length: UInt32 = 0
    let done = data.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &digest, &length, EVP_sha256(), nil) }
    guard done == 1 else {
        FileHandle.standardError.write(Data("EmbedMigrationsTool: OpenSSL could not compute SHA-256\n".utf8))
        exit(70)
    }
    return digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
}

var swift = """
    // Generated from sql/ by the EmbedMigrations plugin. Do not edit.

    let embeddedMigrationFiles: [(name: String, checksum: String, base64: String)] = [

    """
for path in arguments.dropFirst() {
    let url = URL(fileURLWithPath: path)
    let data = try Data(contentsOf: url)
    let name = url.deletingLastPathComponent().lastPathComponent + "/" + url.lastPathComponent
    swift += "    (name: \"\(name)\", checksum: \"\(sha256Hex(data))\", base64: \"\(data.base64EncodedString())\"),\n"
}
swift += "]\n"
try swift.write(toFile: outputPath, atomically: true, encoding: .utf8)
