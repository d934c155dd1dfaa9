#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Finds PostgreSQL's server programs (initdb, pg_ctl), which Debian keeps off
/// the PATH in /usr/lib/postgresql/VERSION/bin.
public struct ServerPrograms: Sendable {
    public let directory: String

    public var initdb: String { directory + "/initdb" }
    public var pgCtl: String { directory + "/pg_ctl" }

    /// Another server program of the same installation (pg_basebackup, postgres):
    /// next to pg_ctl, or next to the file pg_ctl links to (a PATH folder may
    /// hold only links to initdb and pg_ctl).
    public func program(_ name: String) -> String {
        let linked = (try? FileManager.default.destinationOfSymbolicLink(atPath: pgCtl))
            .map { URL(fileURLWithPath: $0.hasPrefix("/") ? $0 : directory + "/" + $0).deletingLastPathComponent().path }
        for folder in [directory, linked].compactMap({ $0 })
        where FileManager.default.isExecutableFile(atPath: folder + "/" + name) {
            return folder + "/" + name
        }
        return directory + "/" + name
    }

    /// Where distributions put the programs when they are not on the PATH.
    public static var standardDirectories: [String] {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "/usr/lib/postgresql/\($0)/bin" }
            + ["/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin"]
    }

    public static func locate(
        environment: Environment = ProcessEnvironment.current, extraDirectories: [String] = standardDirectories
    ) throws -> ServerPrograms {
        var candidates: [String] = []
        if let explicit = environment["VERITY_PG_BIN"], !explicit.isEmpty { candidates.append(explicit) }
        for directory in (environment["PATH"] ?? "").split(separator: ":") { candidates.append(String(directory)) }
        candidates += extraDirectories
        for directory in candidates
        where FileManager.default.isExecutableFile(atPath: directory + "/initdb")
            && FileManager.default.isExecutableFile(atPath: directory + "/pg_ctl")
        {
            return ServerPrograms(directory: directory)
        }
        throw VerityError.unavailable(
            "PostgreSQL's server programs (initdb, pg_ctl, postgres) were not found, so the embedded database cannot start",
            hint: "install them: `sudo apt-get install postgresql` on Debian or Ubuntu (or set VERITY_PG_BIN to their folder), "
                + "or point Verity at an existing server with --database-url or VERITY_DATABASE_URL")
    }
}
