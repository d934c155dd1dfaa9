#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// Where Verity's data lives, decided in this order: `--database-url`, then
/// `VERITY_DATABASE_URL`, then `DATABASE_URL`, then the embedded cluster under
/// `$VERITY_HOME` (default `~/.local/share/verity`).
public enum DatabaseLocation: Sendable {
    case url(String, origin: Origin)
    case embedded(home: String)

    public enum Origin: String, Sendable {
        case flag = "--database-url"
        case verityEnvironment = "VERITY_DATABASE_URL"
        case environment = "DATABASE_URL"
    }

    public static func resolve(
        flag: String?, environment: Environment = ProcessEnvironment.current
    ) -> DatabaseLocation {
        if let flag { return .url(flag, origin: .flag) }
        if let url = environment["VERITY_DATABASE_URL"], !url.isEmpty {
            return .url(url, origin: .verityEnvironment)
        }
        if let url = environment["DATABASE_URL"], !url.isEmpty { return .url(url, origin: .environment) }
        return .embedded(home: home(environment: environment))
    }

    public static func home(environment: Environment) -> String {
        if let home = environment["VERITY_HOME"], !home.isEmpty { return home }
        let userHome = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.homeDirectoryForCurrentUser.path
        return userHome + "/.local/share/verity"
    }

    /// A sentence for `db status`, with any password redacted.
    public var summary: String {
        switch self {
        case .url(let url, let origin): return "\(ConnectionString.redact(url)) (from \(origin.rawValue))"
        case .embedded(let home): return "embedded cluster in \(home)/cluster"
        }
    }

    /// The connection string, starting and migrating the embedded cluster if needed.
    public func connectionString() throws -> String {
        switch self {
        case .url(let url, _): return url
        case .embedded(let home): return try EmbeddedCluster.forHome(home).connectionString()
        }
    }
}
