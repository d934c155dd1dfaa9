import Foundation
import Testing

/// `make bench-smoke` inside the test suite, so the benchmark script cannot rot:
/// runs `scripts/bench.sh --smoke` with the debug binary on tiny data (its own
/// throwaway cluster) and checks that it wrote a well-formed results file.
@Suite("Benchmark smoke run")
struct BenchSmokeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The `verity` built next to this test binary (swift test builds it too).
    static var verityBinary: String? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("verity").path,
            Bundle.main.bundleURL.appendingPathComponent("verity").path,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("verity").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test("bench.sh --smoke measures every workload and writes results.json and BENCHMARKS.md")
    func smokeRun() throws {
        let binary = try #require(Self.verityBinary, "no verity binary next to the test binary \(CommandLine.arguments[0])")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("verity-bench-smoke-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let process = Process()
        // A hard limit, so that a stalled tool (pgbench once ignored -T under the
        // test runner's signal mask) fails this test instead of hanging the suite.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = [
            "-k", "10", "300", "/bin/bash", Self.root.appendingPathComponent("scripts/bench.sh").path, "--smoke",
            "--verity", binary, "--out", out.path,
        ]
        var environment = ProcessInfo.processInfo.environment
        for key in ["VERITY_DATABASE_URL", "DATABASE_URL", "VERITY_HOME"] { environment[key] = nil }
        environment["BENCH_CASES"] = "600"
        environment["BENCH_SMALL_CASES"] = "60"
        environment["BENCH_STREAM_SECONDS"] = "2"
        environment["BENCH_RUNS"] = "2"
        environment["BENCH_WARMUP"] = "1"
        // The script's work directory (mktemp -d, under TMPDIR) and with it every path and, for
        // a cluster that is not root's, the database URL get a space: a command that a shell
        // reads again as a string breaks on it, as on the `&` of root's `&user=verity`.
        // (Short: a Unix socket's path, the cluster's inside this directory, has at most 107 bytes.)
        let spacedTemp = FileManager.default.temporaryDirectory.appendingPathComponent("vb \(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: spacedTemp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: spacedTemp) }
        environment["TMPDIR"] = spacedTemp.path
        process.environment = environment
        let log = out.appendingPathExtension("log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "bench.sh --smoke failed:\n\(output.suffix(3000))")

        let data = try Data(contentsOf: out.appendingPathComponent("results.json"))
        let rows = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let names = rows.compactMap { $0["name"] as? String }
        #expect(
            names == [
                "import-600", "report-600", "report-60-vs-600", "case-show", "case-show-memory", "case-list", "batch-case-show",
                "case-move", "batch-case-move", "concurrent-moves", "concurrent-moves-processes", "import-60-into-600",
                "import-update-6", "memory",
            ])
        for row in rows {
            for key in ["name", "verity_s", "reference_s", "ratio", "target", "met"] {
                #expect(row.keys.contains(key), "\(row["name"] ?? "?") has no \(key)")
            }
            #expect(row["target"] is String)
            if let ratio = row["ratio"] as? Double { #expect(ratio > 0, "\(row["name"] ?? "?") ratio \(ratio)") }
        }
        let big = try #require(rows.first { $0["name"] as? String == "import-600" })
        #expect(big["reference"] as? String == "copy-all", "\(big)")
        #expect((big["copy_all_rows"] as? Int ?? 0) > 600, "\(big)")
        #expect((big["bare_cases_reference_s"] as? Double ?? 0) > 0, "\(big)")
        let update = try #require(rows.first { $0["name"] as? String == "import-update-6" })
        #expect(update["cases_changed"] as? Int == 6, "\(update)")
        for name in ["import-600", "report-600", "case-show", "case-move", "import-60-into-600", "import-update-6"] {
            let row = try #require(rows.first { $0["name"] as? String == name })
            #expect((row["verity_s"] as? Double ?? 0) > 0 && (row["reference_s"] as? Double ?? 0) > 0, "\(name): \(row)")
        }
        // The short commands' C floor (bench/floor.c) beside Verity and psql, of the reference's SQL
        // and of the statements Verity itself sent.
        for name in ["case-show", "case-list", "case-move"] {
            let row = try #require(rows.first { $0["name"] as? String == name })
            #expect((row["floor_s"] as? Double ?? 0) > 0 && (row["floor_ratio"] as? Double ?? 0) > 0, "\(name): \(row)")
            #expect((row["own_floor_s"] as? Double ?? 0) > 0 && (row["own_floor_ratio"] as? Double ?? 0) > 0, "\(name): \(row)")
        }
        let concurrent = try #require(rows.first { $0["name"] as? String == "concurrent-moves" })
        #expect((concurrent["verity_tps"] as? Double ?? 0) > 0, "no Verity transitions counted: \(concurrent)")
        let processes = try #require(rows.first { $0["name"] as? String == "concurrent-moves-processes" })
        #expect((processes["verity_tps"] as? Double ?? 0) > 0, "no transitions counted for a process per move: \(processes)")
        let markdown = try String(contentsOf: out.appendingPathComponent("BENCHMARKS.md"), encoding: .utf8)
        #expect(markdown.contains("| workload | Verity | reference | ratio | target | met |"))
        #expect(markdown.contains("`case-move`"))
    }
}
