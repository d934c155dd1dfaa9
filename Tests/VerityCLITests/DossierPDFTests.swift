import Foundation
import PostgresClient
import Testing
import VerityCore
import VerityTestSupport

/// `report case --format pdf`, read back with poppler-utils (pdftoppm, pdftotext), which
/// scripts/ensure-deps.sh installs with Chromium.
@Suite("verity report case --format pdf")
struct DossierPDFTests {
    static let directory: String = {
        let path = NSTemporaryDirectory() + "verity-pdf-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: DossierPDFTests.directory) }
        return path
    }()

    static func tool(_ name: String) throws -> String {
        for directory in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw ChildProcessError("\(name) is not installed: run scripts/ensure-deps.sh (it installs poppler-utils and chromium)")
    }

    static func text(ofPage page: Int, _ pdf: String) throws -> String {
        let outcome = try ChildProcess.run(try tool("pdftotext"), ["-f", String(page), "-l", String(page), "-layout", pdf, "-"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return outcome.stdout
    }

    @Test("the PDF dossier has numbered pages, each with the case, the dossier's SHA-256 and the chain head; then a signature block")
    func printsDossier() throws {
        let desk = try IziumDesk.make()  // its own: the output log's last row must be this report's
        let pdf = Self.directory + "/IZY-001.pdf"
        let result = verity(["report", "case", "IZY-001", "--format", "pdf", "--output", pdf, "--database-url", desk.url])
        #expect(result.status == 0, "\(result.stderr)")
        let bytes = try #require(FileManager.default.contents(atPath: pdf))
        #expect(bytes.starts(with: Array("%PDF".utf8)))

        // Every page as a PNG, as a reader would see it.
        let prefix = Self.directory + "/page"
        let rendered = try ChildProcess.run(try Self.tool("pdftoppm"), ["-png", "-r", "40", pdf, prefix])
        #expect(rendered.status == 0, "\(rendered.stderr)")
        let pages = try FileManager.default.contentsOfDirectory(atPath: Self.directory)
            .filter { $0.hasPrefix("page") && $0.hasSuffix(".png") }.sorted()
        #expect(pages.count == 3, "\(pages)")
        if let keep = ProcessInfo.processInfo.environment["VERITY_KEEP_DOSSIER_PNG"], let first = pages.first {
            // (docs/dossier-page1.png: VERITY_KEEP_DOSSIER_PNG=path keeps page 1 at 60 dpi as path.png, and the PDF as path.pdf)
            let page1 = try ChildProcess.run(
                try Self.tool("pdftoppm"), ["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf, keep])
            #expect(page1.status == 0 && !first.isEmpty)
            try? FileManager.default.removeItem(atPath: keep + ".pdf")
            try FileManager.default.copyItem(atPath: pdf, toPath: keep + ".pdf")
        }

        let head = try #require(try desk.connect().query(
            """
            SELECT h.hash FROM case_history h JOIN cases c ON c.id = h.case_id
             WHERE c.ref = 'IZY-001' ORDER BY h.seq DESC LIMIT 1
            """).first).decode("hash", as: String.self)
        var dossierHashes: Set<String> = []
        for page in 1...pages.count {
            let text = try Self.text(ofPage: page, pdf)
            #expect(text.contains("Case IZY-001"), "page \(page): \(text)")
            #expect(text.contains("Page \(page) of \(pages.count)"), "page \(page): \(text)")
            #expect(text.contains("Case chain head \(head)"), "page \(page): \(text)")
            let digest = try #require(text.firstMatch(of: /Dossier SHA-256 ([0-9a-f]{64})/), "page \(page): \(text)")
            dossierHashes.insert(String(digest.1))
        }
        #expect(dossierHashes.count == 1)
        let last = try Self.text(ofPage: pages.count, pdf)
        for label in ["Signature", "Reviewed by", "Signed", "Date", "Provenance"] {
            #expect(last.contains(label), "\(last)")
        }
        // The output log records the PDF's own bytes.
        let logged = try #require(try desk.connect().query(
            "SELECT sha256, format FROM output_log ORDER BY id DESC LIMIT 1").first)
        #expect(try logged.decode("format", as: String.self) == "pdf")
        #expect(try logged.decode("sha256", as: String.self) == SHA256Digest.hex(of: bytes))
    }

    @Test("without Chromium the PDF is refused with how to install it; without --output it is refused")
    func refusals() throws {
        let desk = try IziumDesk.shared()
        let missing = verity(
            ["report", "case", "IZY-001", "--format", "pdf", "--output", Self.directory + "/x.pdf", "--database-url", desk.url],
            environment: ["PATH": Self.directory])
        #expect(missing.status == 64, "\(missing.stderr)")
        #expect(missing.stderr.contains("no chromium is on the PATH") && missing.stderr.contains("apt-get install chromium"))
        let wrong = verity(
            ["report", "case", "IZY-001", "--format", "pdf", "--output", Self.directory + "/x.pdf", "--database-url", desk.url],
            environment: ["VERITY_CHROMIUM": "/nonexistent/chromium"])
        #expect(wrong.status == 64 && wrong.stderr.contains("VERITY_CHROMIUM"), "\(wrong.stderr)")
        let toTerminal = verity(["report", "case", "IZY-001", "--format", "pdf", "--database-url", desk.url])
        #expect(toTerminal.status == 64 && toTerminal.stderr.contains("--output"), "\(toTerminal.stderr)")
        #expect(!FileManager.default.fileExists(atPath: Self.directory + "/x.pdf"))
    }
}
