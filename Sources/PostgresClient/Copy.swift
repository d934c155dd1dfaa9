import CLibPQ

extension Connection {
    /// Streams rows into `COPY ... FROM STDIN` (text format). `feed` writes rows
    /// through the writer, which sends them in large chunks with `PQputCopyData`;
    /// if `feed` throws, the COPY is aborted and nothing it sent is kept.
    /// Returns the number of rows the server stored.
    @discardableResult
    public func copyIn(_ statement: Query, _ feed: (CopyWriter) throws -> Void) throws -> Int {
        let sql = statement.sql
        let started = withCStrings(statement.parameters) { pointers in
            PQexecParams(
                handle, sql, Int32(pointers.count), statement.parameterTypes.map { Oid($0.rawValue) },
                pointers, nil, nil, 0)
        }
        let start = try check(started, sql: sql)
        guard PQresultStatus(start.handle) == PGRES_COPY_IN else {
            throw PostgresError(
                kind: .protocolViolation, message: "the statement is not a COPY ... FROM STDIN", sql: sql)
        }
        let writer = CopyWriter(connection: self)
        do {
            try feed(writer)
            try writer.flush()
        } catch {
            _ = PQputCopyEnd(handle, "aborted by the client")
            drainResults()
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw connectionError(sql: sql) }
        var stored = 0
        var failure: Error?
        while let result = PQgetResult(handle) {
            do {
                let checked = try check(result, sql: sql)
                stored = checked.affectedRows
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        return stored
    }

    /// Reads and frees every pending result (after an aborted COPY or pipeline).
    func drainResults() {
        while let result = PQgetResult(handle) { PQclear(result) }
    }
}

/// Encodes rows in COPY's text format and hands them to libpq in chunks.
public final class CopyWriter {
    private unowned let connection: Connection
    private var buffer: [UInt8] = []
    private let chunkSize = 256 * 1024
    public private(set) var rowsWritten = 0

    init(connection: Connection) {
        self.connection = connection
        buffer.reserveCapacity(chunkSize + 4096)
    }

    /// Writes one row; nil fields are NULL. Tabs, newlines and backslashes in
    /// values are escaped; a NUL byte is refused because text cannot hold it.
    public func writeRow(_ fields: [String?]) throws {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(9) }
            guard let field else {
                buffer.append(contentsOf: [92, 78])  // \N
                continue
            }
            for byte in field.utf8 {
                switch byte {
                case 0:
                    throw PostgresError(
                        kind: .invalidParameter,
                        message: "field \(index + 1) of COPY row \(rowsWritten + 1) contains a NUL byte (\\0)")
                case 92: buffer.append(contentsOf: [92, 92])
                case 10: buffer.append(contentsOf: [92, 110])
                case 13: buffer.append(contentsOf: [92, 114])
                case 9: buffer.append(contentsOf: [92, 116])
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(10)
        rowsWritten += 1
        if buffer.count >= chunkSize { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        let sent = buffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                PQputCopyData(connection.handle, chars.baseAddress, Int32(chars.count))
            }
        }
        guard sent == 1 else { throw connection.connectionError(sql: nil) }
        buffer.removeAll(keepingCapacity: true)
    }
}
