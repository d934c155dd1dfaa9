import Foundation
import Testing
import VerityCore
import VerityTestSupport

@Suite("verity import --format atlos-csv and check-csv")
struct ForeignImportCommandTests {
    static let atlos = "\u{FEFF}slug,inserted_at,latitude,longitude,status,description,date,tags,sensitive,source_1,source_2\r\n"
        + "ATL-1A2B3C,2022-09-16 09:12:44,49.2125,'-37.2569,Ready for Review,\"Дрон зняв братську могилу\r\nбіля Ізюма\","
        + "2022-09-15,\"Izium, Graves\",Graphic Violence,https://t.me/example/1,https://example.org/a\r\n"

    func temporary(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "verity-foreign-cli-\(getpid())-\(UUID().uuidString.prefix(8)).csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("an Atlos export imports, shows its coordinates, and imports again as nothing changed")
    func atlosRoundTrip() throws {
        let url = try TestServer.shared.makeDatabase()
        let editor = try temporary("""
            {"type":"reviewer","handle":"editor","name":"Editor","role":"editor"}

            """)
        #expect(verity(["import", editor, "--format", "jsonl", "--database-url", url]).status == 0)
        let file = try temporary(Self.atlos)
        let dry = verity(["import", file, "--format", "atlos-csv", "--dry-run", "--as", "editor", "--database-url", url])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("Dry run: checked 1 record"))
        let first = verity(["import", file, "--format", "atlos-csv", "--as", "editor", "--database-url", url])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Imported 1 record from \(file)."), "\(first.stdout)")
        let show = verity(["case", "show", "ATL-1A2B3C", "--database-url", url])
        #expect(show.stdout.contains("49.212500, -37.256900"), "\(show.stdout)")
        #expect(show.stdout.contains("evidence-pending"))
        let json = try #require(try verity(["case", "show", "ATL-1A2B3C", "--format", "json", "--database-url", url]).json() as? [String: Any])
        let summary = (json["case"] as? [String: Any]) ?? json
        #expect(summary["latitude"] as? Double == 49.2125 && summary["longitude"] as? Double == -37.2569, "\(summary)")
        #expect(summary["restricted"] as? Bool == true)
        let again = verity(["import", file, "--format", "atlos-csv", "--as", "editor", "--database-url", url])
        #expect(again.status == 0 && again.stdout.contains("nothing changed"), "\(again.stdout)")
        #expect(verity(["audit", "verify", "--database-url", url]).status == 0)
    }

    @Test("a bad Atlos row exits 64 with FILE:LINE: column: problem and writes nothing")
    func atlosRefused() throws {
        let url = try TestServer.shared.makeDatabase()
        let file = try temporary(Self.atlos.replacingOccurrences(of: "Ready for Review", with: "Someday"))
        let result = verity(["import", file, "--format", "atlos-csv", "--as", "editor", "--database-url", url])
        #expect(result.status == 64)
        #expect(result.stderr.contains("\(file):2: status: \"Someday\" is not an Atlos status"), "\(result.stderr)")
        #expect(result.stderr.contains("nothing was written"))
        let help = verity(["import", "--help"]).stdout
        #expect(help.contains("atlos-csv") && help.contains("check-csv"))
    }
}
