// The least a Swift program can be for a short command (BENCHMARKS.md, issue 20): statically
// linked like verity, it connects with libpq, sends a file of statements (those Verity sent, from
// the server log), the first N in one pipeline and the rest one by one, and prints the rows. No
// decoding, no rendering, no argument parsing: what is left of its time and memory over psql's is
// the price of a Swift program and of the statements themselves.
//
//   make install PREFIX=/tmp/vinst     # (scripts/build-release.sh: .build-libstdcxx/ for the link)
//   swiftc -O -static-stdlib -I CLibPQ -I "$(pg_config --includedir)" bench/minimal-client.swift \
//     -o /tmp/minimal-client -Xlinker -lpq -L .build-libstdcxx -use-ld=lld \
//     -Xlinker -z -Xlinker pack-relative-relocs -Xlinker --no-export-dynamic
//   /tmp/minimal-client URL FILE N
import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count == 4, let pipelined = Int(arguments[3]), let file = fopen(arguments[2], "r") else {
    fputs("usage: minimal-client URL FILE N\n", stderr)
    exit(64)
}
var bytes = [UInt8](repeating: 0, count: 1 << 20)
bytes.removeLast(bytes.count - fread(&bytes, 1, bytes.count, file))
fclose(file)
let statements = String(decoding: bytes, as: UTF8.self).split(separator: ";\n").map(String.init)
    .filter { !$0.allSatisfy(\.isWhitespace) }

guard let connection = PQconnectdb(arguments[1]), PQstatus(connection) == CONNECTION_OK else { exit(69) }
var out: [UInt8] = []
func take(_ result: OpaquePointer) {
    guard PQresultStatus(result) == PGRES_TUPLES_OK else { return }
    for row in 0..<PQntuples(result) {
        for column in 0..<PQnfields(result) {
            out += Array(String(cString: PQgetvalue(result, row, column)).utf8)
            out.append(UInt8(ascii: "|"))
        }
        out.append(UInt8(ascii: "\n"))
    }
}
PQenterPipelineMode(connection)
for statement in statements.prefix(pipelined) {
    PQsendQueryParams(connection, statement, 0, nil, nil, nil, nil, 0)
    PQpipelineSync(connection)
}
var synced = 0
while synced < min(pipelined, statements.count) {
    guard let result = PQgetResult(connection) else { continue }
    if PQresultStatus(result) == PGRES_PIPELINE_SYNC { synced += 1 } else { take(result) }
    PQclear(result)
}
PQexitPipelineMode(connection)
for statement in statements.dropFirst(pipelined) {
    if let result = PQexec(connection, statement) {
        take(result)
        PQclear(result)
    }
}
PQfinish(connection)
out.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
