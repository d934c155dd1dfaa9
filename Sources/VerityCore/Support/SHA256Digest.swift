#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// SHA-256 as lowercase hex, the form Verity stores and prints.
public enum SHA256Digest {
    public static func hex(of data: some DataProtocol) -> String {
        var hasher = SHA256Hasher()
        for region in data.regions { region.withUnsafeBytes { hasher.update($0) } }
        return hasher.hexDigest()
    }

    public static func hex(of text: String) -> String {
        var text = text
        return text.withUTF8 { SHA256Hasher.hex(of: UnsafeRawBufferPointer($0)) }
    }

    /// Hashes a file in 1 MiB chunks, so memory stays flat for large videos.
    public static func hex(ofFileAt path: String) throws -> (hex: String, size: Int) {
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw VerityError.notFound("there is no file at \(path)", hint: "check the path (relative paths start in the current directory)")
        }
        if isDirectory {
            throw VerityError.usage("\(path) is a directory, not a file", hint: "name the file itself, e.g. \(path)/photo.jpg")
        }
        let file: POSIXFile
        do {
            file = try POSIXFile.open(reading: path)
        } catch {
            throw VerityError.notFound(
                "cannot read the file \(path): \(error.reason)", hint: "check the file's permissions (ls -l \(path))")
        }
        var hasher = SHA256Hasher()
        var size = 0
        do {
            while case let chunk = try file.read(upTo: 1 << 20), !chunk.isEmpty {
                chunk.withUnsafeBytes { hasher.update($0) }
                size += chunk.count
            }
        } catch {
            // Reading failed after opening (an I/O error, a special file): say which file and why.
            throw VerityError.notFound("cannot read the file \(path): \(error.reason)", hint: "check the file and the disk it is on")
        }
        return (hasher.hexDigest(), size)
    }
}
