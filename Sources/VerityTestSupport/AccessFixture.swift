import Foundation
import PostgresClient
import VerityCore

/// A migrated database with the group roles granted (`verity db roles`), and
/// reviewer logins made for one test. Roles are shared by the whole cluster,
/// so every login gets the fixture's random suffix; `dropLogins()` removes them.
public final class AccessFixture: @unchecked Sendable {
    /// The superuser's URL (the embedded cluster's owner: sees everything).
    public let url: String
    public let token = String(UUID().uuidString.prefix(8).lowercased())
    public let password: String
    private var logins: [String] = []
    private static let rolesLock = NSLock()

    public init() throws {
        url = try TestServer.shared.makeDatabase()
        password = "pw-\(token)-correct-horse"
        // Group roles are cluster-wide: create and grant them one database at a time.
        try Self.rolesLock.withLock { _ = try DeskRoles(connection: Connection(url)).ensure() }
    }

    /// A handle unique to this fixture, e.g. "alice-1a2b3c4d".
    public func handle(_ base: String) -> String { "\(base)-\(token)" }

    /// Adds a reviewer with a login (as the owner) and returns the handle.
    @discardableResult
    public func addLogin(_ base: String, role: ReviewerRole = .reviewer) throws -> String {
        let handle = handle(base)
        try Desk(connection: Connection(url)).addReviewer(
            handle: handle, name: base, email: nil, role: role, loginPassword: password)
        logins.append(handle)
        return handle
    }

    /// Creates a login in `verity_reader` only (no reviewer behind it) and returns its name.
    @discardableResult
    public func addReader(_ base: String) throws -> String {
        let reader = handle(base)
        let owner = try Connection(url)
        let verifier = try owner.passwordVerifier(password, role: reader)
        let create: String = try owner.query(
            "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE verity_reader', \(reader)::text, \(verifier)::text) AS s")[0]
            .decode("s")
        try owner.execute(unsafeSQL: create)
        logins.append(reader)
        return reader
    }

    /// The URL that connects as `login` with the fixture's password.
    public func url(as login: String, password: String? = nil) -> String {
        var components = URLComponents(string: url)!
        var items = (components.queryItems ?? []).filter { $0.name != "user" && $0.name != "password" }
        items.append(URLQueryItem(name: "user", value: login))
        items.append(URLQueryItem(name: "password", value: password ?? self.password))
        components.queryItems = items
        return components.string!
    }

    /// The owner's desk: acts with --as, sees every case.
    public func ownerDesk() throws -> Desk { Desk(connection: try Connection(url)) }

    /// A desk connected with a reviewer's login.
    public func desk(as login: String) throws -> Desk { Desk(connection: try Connection(url(as: login))) }

    /// Drops `login` with the fixture's own (for logins made through the CLI).
    public func track(_ login: String) { logins.append(login) }

    public func dropLogins() {
        guard let admin = try? Connection(url) else { return }
        for login in logins {
            if let statement: String = try? admin.query("SELECT format('DROP ROLE IF EXISTS %I', \(login)::text) AS s")[0]
                .decode("s")
            {
                try? admin.execute(unsafeSQL: statement)
            }
        }
    }
}
