#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

extension Desk {
    /// Recomputes every source's chain of custody (sql/definitions/50_custody_output.sql) in Swift, as
    /// `checkCustodyChain` does for one source, adds each chain's last hash to the verifier's head
    /// (after the record chains' lines), and reports a source whose collected hash is not the one its
    /// chain's last collection or correction recorded. Runs inside `verifyHistory`'s snapshot.
    func verifyCustody(_ db: Connection, into verifier: inout ChainVerifier, chunkSize: Int) throws {
        try db.execute(
            unsafeSQL: """
                DECLARE verity_audit_custody NO SCROLL CURSOR FOR
                    SELECT id, source_id, seq, at, recorded_at, actor_id, event, tool, sha256, copy_kind, file_name,
                           file_size, from_holder, to_holder, note, outcome, prev_hash, hash
                      FROM public.source_custody_events ORDER BY source_id, seq, id
                """)
        var chain: Int?
        var expectedSeq = 1
        var previousHash: String?
        func close() {
            if let chain { verifier.addHeadLine("source_custody_events/\(chain):\(previousHash ?? "")\n") }
        }
        let fetch = Query(unsafeSQL: "FETCH FORWARD \(max(1, chunkSize)) FROM verity_audit_custody")
        while true {
            let chunk = try db.query(fetch)
            if chunk.rowCount == 0 { break }
            for index in 0..<chunk.rowCount {
                func text(_ column: Int) -> String? { chunk.text(row: index, column: column) }
                let id = text(0).flatMap(Int.init) ?? 0
                let sourceID = text(1).flatMap(Int.init) ?? 0
                let seq = text(2).flatMap(Int.init) ?? 0
                let prevHash = text(16)
                let hash = text(17)
                verifier.countCustodyEvent()
                if chain != sourceID {
                    close()
                    chain = sourceID
                    expectedSeq = 1
                    previousHash = nil
                }
                func report(_ kind: HistoryProblem.Kind, _ detail: String) {
                    verifier.add(HistoryProblem(
                        kind: kind, seq: seq, table: "source_custody_events", rowID: id,
                        detail: "custody event \(seq) of source \(sourceID): " + detail))
                }
                if seq != expectedSeq {
                    report(.seqGap, "expected seq \(expectedSeq), found \(seq): events of this source's chain of custody were deleted or inserted out of order")
                } else if prevHash != previousHash {
                    report(.prevHashMismatch, "prev_hash \(prevHash ?? "NULL") is not the previous event's hash \(previousHash ?? "NULL"): an event before it was deleted or replaced")
                }
                // Kind, times, actor, tool, hash, copy, file, holders, note and outcome, as the trigger hashed them.
                let expected = CustodyChain.expectedHash(
                    (sourceID, seq, text(3) ?? "", text(4) ?? ""), (5...15).map(text) + [prevHash])
                if let hash, let expected {
                    if hash != expected {
                        report(.altered, "content (event, time, actor, tool, hash, holders, note) does not match its hash (stored \(hash), recomputed \(expected)): the event was altered")
                    }
                } else {
                    report(.unhashed, "the event has no hash, or a time that cannot be put in canonical form")
                }
                expectedSeq = seq + 1
                previousHash = hash
            }
        }
        close()
        // The collected file a source names is the last one its chain collected or corrected.
        let differing = try db.query(
            """
            SELECT s.id AS source_id, s.file_sha256, e.sha256
              FROM public.sources s
              JOIN LATERAL (SELECT x.sha256 FROM public.source_custody_events x
                             WHERE x.source_id = s.id AND x.event IN ('collected', 'corrected')
                             ORDER BY x.seq DESC LIMIT 1) e ON true
             WHERE s.file_sha256 IS DISTINCT FROM e.sha256
             ORDER BY s.id
            """)
        for row in differing.rows {
            let sourceID: Int = try row.decode("source_id")
            let current: String? = try row.decode("file_sha256")
            let recorded: String? = try row.decode("sha256")
            verifier.add(HistoryProblem(
                kind: .rowAltered, table: "sources", rowID: sourceID, field: "file_sha256",
                detail: "is \(current ?? "NULL"), but its chain of custody collected or corrected \(recorded ?? "NULL") last: "
                    + "the collected hash was changed outside a custody event"))
        }
    }
}
