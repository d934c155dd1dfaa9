/// The statements one session has prepared on the server, by SQL text and
/// parameter types.
///
/// When a connection's `preparesRepeatedStatements` is on, a statement is
/// prepared the second time its text runs: a long-lived session such as
/// `verity batch`, which runs the same reads and writes for every line, stops
/// having the server parse and plan them again each time, and a text that runs
/// once costs nothing extra. Named statements are not transactional: they survive a rollback
/// and live as long as the session.
struct PreparedStatements {
    struct Key: Hashable {
        var sql: String
        var types: [UInt32]
    }

    /// Bounds the server memory a session with many distinct texts (lists of
    /// varying length, generated reports) could hold in prepared statements.
    static let limit = 256

    private var names: [Key: String] = [:]
    private var seenOnce: Set<Key> = []
    private var prepared = 0

    /// The statement's name if it is prepared already.
    func name(for key: Key) -> String? { names[key] }

    /// Records one more run of `key` and answers with a fresh name when it is
    /// time to prepare it (its second run, while under the limit).
    mutating func nameToPrepare(for key: Key) -> String? {
        guard prepared < Self.limit else { return nil }
        guard seenOnce.contains(key) else {
            seenOnce.insert(key)
            return nil
        }
        seenOnce.remove(key)
        prepared += 1
        return "verity_\(prepared)"
    }

    mutating func remember(_ name: String, for key: Key) { names[key] = name }

    /// Forgets a statement the server can no longer run as prepared (a table it
    /// reads changed shape); it is prepared afresh when it runs twice again.
    mutating func forget(_ key: Key) { names[key] = nil }
}
