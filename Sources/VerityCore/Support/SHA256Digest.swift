import Foundation

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
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw VerityError.notFound("there is no file at \(path)", hint: "check the path (relative paths start in the current directory)")
        }
        if isDirectory.boolValue {
            throw VerityError.usage("\(path) is a directory, not a file", hint: "name the file itself, e.g. \(path)/photo.jpg")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw VerityError.notFound(
                "cannot read the file \(path): permission denied", hint: "check the file's permissions (ls -l \(path))")
        }
        defer { try? handle.close() }
        var hasher = SHA256Hasher()
        var size = 0
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                chunk.withUnsafeBytes { hasher.update($0) }
                size += chunk.count
            }
        } catch {
            // Reading failed after opening (an I/O error, a special file): say which file, not Foundation's code.
            let reason = readFailure(error)
            throw VerityError.notFound("cannot read the file \(path): \(reason)", hint: "check the file and the disk it is on")
        }
        return (hasher.hexDigest(), size)
    }

    /// The operating system's words for a failed read ("Input/output error"), not Foundation's error code.
    private static func readFailure(_ error: Error) -> String {
        var current: NSError? = error as NSError
        while let nsError = current {
            if nsError.domain == NSPOSIXErrorDomain, let message = strerror(Int32(nsError.code)) {
                return String(cString: message)
            }
            current = nsError.userInfo[NSUnderlyingErrorKey] as? NSError
        }
        return "the read failed"
    }
}
