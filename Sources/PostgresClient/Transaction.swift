import CLibPQ
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Transaction isolation levels, as PostgreSQL spells them.
public enum IsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension Connection {
    /// Runs `body` in one transaction: it commits when `body` returns and rolls
    /// back when it throws. With `retryingConflicts > 0`, a serialization failure
    /// or deadlock (at any statement or at COMMIT) reruns the whole body, so the
    /// body must not have effects outside the database.
    ///
    /// Called inside an open transaction it uses a savepoint, so helpers can be
    /// composed without knowing whether their caller already began one.
    ///
    /// `opening`, a statement that begins the work (the session settings of a change), is sent
    /// with BEGIN in one round trip; inside an open transaction it runs first, alone.
    @discardableResult
    public func transaction<Result>(
        _ isolation: IsolationLevel = .readCommitted,
        retryingConflicts retries: Int = 0,
        opening: Query? = nil,
        _ body: (Connection) throws -> Result
    ) throws -> Result {
        if isInTransaction {
            return try savepoint { db in
                if let opening { try db.query(opening) }
                return try body(db)
            }
        }
        var attempt = 0
        while true {
            let begin = Query(unsafeSQL: "BEGIN ISOLATION LEVEL \(isolation.rawValue)")
            if let opening, !preparesRepeatedStatements {
                // (BEGIN in a pipeline opens a block that its Sync does not end. A session that
                // prepares its repeated statements runs them one by one, as prepared statements.)
                let answers = try pipelineEach([[begin, opening]])
                if case .failure(let error) = answers[0] { throw error }
                if case .failure(let error) = answers[1] {
                    if isInTransaction { try? execute(unsafeSQL: "ROLLBACK") }
                    throw error
                }
            } else {
                try execute(unsafeSQL: begin.sql)
                if let opening {
                    do {
                        try query(opening)
                    } catch {
                        try? execute(unsafeSQL: "ROLLBACK")
                        throw error
                    }
                }
            }
            do {
                let value = try body(self)
                // COMMIT of a failed transaction quietly rolls back; say so instead.
                if PQtransactionStatus(handle) == PQTRANS_INERROR {
                    throw PostgresError(
                        kind: .protocolViolation,
                        message: "the transaction was aborted by an earlier error that was not reported; nothing was committed")
                }
                try execute(unsafeSQL: "COMMIT")
                return value
            } catch {
                if isInTransaction { try? execute(unsafeSQL: "ROLLBACK") }
                guard attempt < retries, let postgresError = error as? PostgresError,
                    postgresError.isTransientConflict
                else { throw error }
                attempt += 1
                // Jittered backoff so two retrying writers do not collide again.
                usleep(UInt32.random(in: 1_000...(5_000 * UInt32(min(attempt, 8)))))
            }
        }
    }

    private func savepoint<Result>(_ body: (Connection) throws -> Result) throws -> Result {
        try execute(unsafeSQL: "SAVEPOINT verity_nested")
        do {
            let value = try body(self)
            try execute(unsafeSQL: "RELEASE SAVEPOINT verity_nested")
            return value
        } catch {
            try? execute(unsafeSQL: "ROLLBACK TO SAVEPOINT verity_nested; RELEASE SAVEPOINT verity_nested")
            throw error
        }
    }
}
