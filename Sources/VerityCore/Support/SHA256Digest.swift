import Crypto
import Foundation

/// SHA-256 as lowercase hex, the form Verity stores and prints.
public enum SHA256Digest {
    public static func hex(of data: some DataProtocol) -> String {
        SHA256.hash(data: data).map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    public static func hex(of text: String) -> String { hex(of: Data(text.utf8)) }

    /// Hashes a file in 1 MiB chunks, so memory stays flat for large videos.
    public static func hex(ofFileAt path: String) throws -> (hex: String, size: Int) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw VerityError.notFound("cannot read the file \(path)", hint: "check the path and its permissions")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += chunk.count
        }
        let hex = hasher.finalize().map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
        return (hex, size)
    }
}
