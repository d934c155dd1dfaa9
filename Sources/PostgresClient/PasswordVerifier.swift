import CLibPQ
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Connection {
    /// The SCRAM-SHA-256 verifier of `password` for the role `role`, computed by
    /// libpq on this machine. `CREATE ROLE ... PASSWORD 'SCRAM-SHA-256$...'`
    /// then stores it as is, so the clear password never reaches the server or
    /// its statement log.
    public func passwordVerifier(_ password: String, role: String) throws -> String {
        guard let encrypted = PQencryptPasswordConn(handle, password, role, "scram-sha-256") else {
            let reason = String(cString: PQerrorMessage(handle)).trimmed
            throw PostgresError(kind: .connection, message: "libpq could not hash the password: \(reason)")
        }
        defer { PQfreemem(encrypted) }
        return String(cString: encrypted)
    }
}
