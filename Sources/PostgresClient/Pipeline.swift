import CLibPQ

extension Connection {
    /// Sends many statements without waiting for each reply (libpq pipeline
    /// mode) and returns their results in order. Statements are sent in groups
    /// with one Sync each; a failing statement throws its error after the
    /// pipeline is drained, and (outside an explicit transaction) its group is
    /// rolled back. Use inside `transaction { }` for all-or-nothing batches.
    public func pipeline(_ queries: [Query], groupSize: Int = 500) throws -> [ResultSet] {
        guard !queries.isEmpty else { return [] }
        guard PQenterPipelineMode(handle) == 1 else { throw connectionError(sql: nil) }
        defer { _ = PQexitPipelineMode(handle) }
        var results: [ResultSet] = []
        results.reserveCapacity(queries.count)
        var firstError: Error?
        var start = 0
        while start < queries.count {
            // Small groups keep both socket buffers from filling up while the
            // client is still sending, which could block client and server alike.
            let group = queries[start..<min(start + groupSize, queries.count)]
            for query in group {
                let sql = query.sql
                let sent = withCStrings(query.parameters) { pointers in
                    PQsendQueryParams(
                        handle, sql, Int32(pointers.count), query.parameterTypes.map { Oid($0.rawValue) },
                        pointers, nil, nil, 0)
                }
                guard sent == 1 else {
                    drainResults()
                    throw connectionError(sql: sql)
                }
            }
            guard PQpipelineSync(handle) == 1 else { throw connectionError(sql: nil) }
            for query in group {
                // Each statement yields its result(s) and then a NULL.
                var own: ResultSet?
                while let result = PQgetResult(handle) {
                    let status = PQresultStatus(result)
                    if status == PGRES_PIPELINE_ABORTED {
                        PQclear(result)
                        continue
                    }
                    do {
                        own = try check(result, sql: query.sql)
                    } catch {
                        firstError = firstError ?? error
                    }
                }
                if let own { results.append(own) }
            }
            // Then the group's Sync.
            guard let sync = PQgetResult(handle) else { throw connectionError(sql: nil) }
            let syncStatus = PQresultStatus(sync)
            PQclear(sync)
            guard syncStatus == PGRES_PIPELINE_SYNC else {
                throw PostgresError(kind: .protocolViolation, message: "pipeline lost its Sync point")
            }
            if let firstError { throw firstError }
            start += groupSize
        }
        return results
    }

    /// Sends `queries` in one pipeline, each with its own Sync (its own implicit
    /// transaction: an error cancels nothing else), and returns each one's result or
    /// error, in order. Throws only when the connection itself fails.
    func pipelineEach(_ queries: [Query]) throws -> [Result<ResultSet, PostgresError>] {
        guard !queries.isEmpty else { return [] }
        guard PQenterPipelineMode(handle) == 1 else { throw connectionError(sql: nil) }
        defer { _ = PQexitPipelineMode(handle) }
        for query in queries {
            let sql = query.sql
            let sent = withCStrings(query.parameters) { pointers in
                PQsendQueryParams(
                    handle, sql, Int32(pointers.count), query.parameterTypes.map { Oid($0.rawValue) }, pointers, nil,
                    nil, 0)
            }
            guard sent == 1, PQpipelineSync(handle) == 1 else {
                drainResults()
                throw connectionError(sql: sql)
            }
        }
        var answers: [Result<ResultSet, PostgresError>] = []
        answers.reserveCapacity(queries.count)
        for query in queries {
            var answer: Result<ResultSet, PostgresError>?
            while let result = PQgetResult(handle) {
                do {
                    let set = try check(result, sql: query.sql)
                    if answer == nil { answer = .success(set) }
                } catch let error as PostgresError {
                    if answer == nil { answer = .failure(error) }
                } catch {
                    throw error
                }
            }
            guard let sync = PQgetResult(handle) else { throw connectionError(sql: nil) }
            let syncStatus = PQresultStatus(sync)
            PQclear(sync)
            guard syncStatus == PGRES_PIPELINE_SYNC else {
                throw PostgresError(kind: .protocolViolation, message: "pipeline lost its Sync point")
            }
            guard let answer else { throw connectionError(sql: query.sql) }
            answers.append(answer)
        }
        return answers
    }
}
