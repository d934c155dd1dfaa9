import CLibPQ

extension Connection {
    /// Sends many statements without waiting for each reply (libpq pipeline
    /// mode) and returns their results in order. Statements are sent in groups
    /// with one Sync each; a failing statement throws its error after the
    /// pipeline is drained, and (outside an explicit transaction) its group is
    /// rolled back. Use inside `transaction { }` for all-or-nothing batches.
    public func pipeline(_ queries: [Query], groupSize: Int = 500) throws -> [ResultSet] {
        var results: [ResultSet] = []
        results.reserveCapacity(queries.count)
        var start = 0
        while start < queries.count {
            // Small groups, each answered before the next is sent, keep both socket buffers from
            // filling up while the client is still sending, which could block client and server alike.
            let group = Array(queries[start..<min(start + groupSize, queries.count)])
            // (The first failure in order is the real one; the statements after it were not run.)
            for answer in try pipelineEach([group]) { results.append(try answer.get()) }
            start += groupSize
        }
        return results
    }

    /// `queries` in one round trip (a pipeline with one Sync: the first failure throws, and the
    /// statements after it do not run); in a session that prepares its repeated statements
    /// (`verity batch`), one by one as prepared statements instead, which saves it more than the
    /// round trips do.
    public func queries(_ queries: [Query]) throws -> [ResultSet] {
        if preparesRepeatedStatements { return try queries.map { try query($0) } }
        return try pipeline(queries)
    }

    /// Sends `groups` of statements in one pipeline, a Sync after each group (its own implicit
    /// transaction: an error cancels the rest of its group and nothing else), and returns each
    /// statement's result or error, in order; a statement after an error in its group answers
    /// that it was not run, so the first failure in order is the real one. Throws only when the
    /// connection itself fails. (A Sync is a transaction and a reply of the server's: ten
    /// statements in one group instead of ten took 0.8 ms off a short command's 11 ms.)
    func pipelineEach(_ groups: [[Query]]) throws -> [Result<ResultSet, PostgresError>] {
        let groups = groups.filter { !$0.isEmpty }
        guard !groups.isEmpty else { return [] }
        guard PQenterPipelineMode(handle) == 1 else { throw connectionError(sql: nil) }
        defer { _ = PQexitPipelineMode(handle) }
        for group in groups {
            for query in group {
                let sql = query.sql
                let sent = withCStrings(query.parameters) { pointers in
                    PQsendQueryParams(
                        handle, sql, Int32(pointers.count), query.parameterTypes.map { Oid($0.rawValue) }, pointers, nil,
                        nil, 0)
                }
                guard sent == 1 else {
                    drainResults()
                    throw connectionError(sql: sql)
                }
            }
            guard PQpipelineSync(handle) == 1 else {
                drainResults()
                throw connectionError(sql: nil)
            }
        }
        var answers: [Result<ResultSet, PostgresError>] = []
        answers.reserveCapacity(groups.reduce(0) { $0 + $1.count })
        for group in groups {
            for query in group {
                var answer: Result<ResultSet, PostgresError>?
                while let result = PQgetResult(handle) {
                    if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                        PQclear(result)
                        if answer == nil {
                            answer = .failure(PostgresError(
                                kind: .server, message: "not run: an earlier statement of its pipeline group failed"))
                        }
                        continue
                    }
                    do {
                        let set = try check(result, sql: query.sql)
                        if answer == nil { answer = .success(set) }
                    } catch let error as PostgresError {
                        if answer == nil { answer = .failure(error) }
                    } catch {
                        throw error
                    }
                }
                guard let answer else { throw connectionError(sql: query.sql) }
                answers.append(answer)
            }
            guard let sync = PQgetResult(handle) else { throw connectionError(sql: nil) }
            let syncStatus = PQresultStatus(sync)
            PQclear(sync)
            guard syncStatus == PGRES_PIPELINE_SYNC else {
                throw PostgresError(kind: .protocolViolation, message: "pipeline lost its Sync point")
            }
        }
        return answers
    }
}
