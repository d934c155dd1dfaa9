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

/// What a printed dossier adds to the HTML one: where it comes from (the SHA-256 of the HTML
/// dossier it was printed from and the head of the case's history chain, the hash that
/// `audit verify` recomputes), on every page, and a block for a reviewer's signature.
public struct DossierPrint: Sendable {
    /// SHA-256 of the HTML dossier (`report case ID --format html`) this page prints.
    public var dossierSHA256: String
    /// The hash of the last row of the case's history chain.
    public var chainHead: String

    public init(dossierSHA256: String, chainHead: String) {
        self.dossierSHA256 = dossierSHA256
        self.chainHead = chainHead
    }

    /// A CSS string literal of plain text (`"` and `\` escaped, line breaks as `\A`).
    static func cssString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\A "
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { out += " " } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    /// Print CSS: A4 pages, the case at the top of each, page numbers and the provenance at the
    /// bottom (CSS page-margin boxes, which Chromium prints when its own header is off).
    func css(caseLabel: String) -> String {
        let provenance = "Dossier SHA-256 \(dossierSHA256)\nCase chain head \(chainHead)"
        return """

            @page {
              size: A4; margin: 20mm 15mm 24mm;
              @top-left { content: \(Self.cssString("Verity · case \(caseLabel)")); font: 8.5pt system-ui, sans-serif; color: #555; }
              @top-right { content: \(Self.cssString("Case \(caseLabel)")); font: 600 8.5pt system-ui, sans-serif; color: #1c2331; }
              @bottom-left { content: \(Self.cssString(provenance)); white-space: pre; font: 6.5pt ui-monospace, monospace; color: #555; }
              @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8.5pt system-ui, sans-serif; color: #555; }
            }
            @media print {
              body { background: #fff; font-size: 10.5pt; }
              .wrap { max-width: none; padding: 0; }
              header { background: #fff; color: #1c2331; padding: 0 0 8px; border-bottom: 2px solid #1c2331; }
              header .eyebrow, header .meta { color: #555; }
              section { break-inside: auto; }
              h2, h3 { break-after: avoid; }
              tr, li, blockquote, .signature { break-inside: avoid; }
              table { font-size: 9pt; }
              td, th { overflow-wrap: break-word; word-break: normal; }
            }
            .signature { margin-top: 28px; border: 1px solid #1c2331; border-radius: 4px; padding: 12px 16px; }
            .signature dl { grid-template-columns: 110px 1fr; gap: 22px 12px; }
            .signature dd { border-bottom: 1px solid #1c2331; min-height: 18px; }
            .provenance { font-family: ui-monospace, Menlo, monospace; font-size: 8pt; color: #555; overflow-wrap: anywhere; }
            """
    }

    /// The signature block and the provenance, at the end of the dossier.
    func closingSections() -> [HTML] {
        [
            el("section", ["class": "signature"], [
                el("h2", text: "Signature"),
                el("dl", [:], [
                    el("dt", text: "Reviewed by"), el("dd", text: ""),
                    el("dt", text: "Signed"), el("dd", text: ""),
                    el("dt", text: "Date"), el("dd", text: ""),
                ]),
            ]),
            el("section", [:], [
                el("h2", text: "Provenance"),
                el("p", ["class": "provenance"], text: "Dossier SHA-256 \(dossierSHA256)"),
                el("p", ["class": "provenance"], text: "Case chain head \(chainHead)"),
                el("p", ["class": "note"], text: "The first is the SHA-256 of the HTML dossier this page was printed from; the second is the hash of the last entry of the case's append-only history, which verity audit verify recomputes."),
            ]),
        ]
    }
}

/// Prints a dossier to PDF with headless Chromium (`--print-to-pdf`).
public enum DossierPDF {
    /// The programs tried on the PATH, in order; `VERITY_CHROMIUM` names another.
    public static let programNames = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]

    /// Chromium's path, or a usage error that says how to install it.
    public static func locateChromium() throws -> String {
        if let chosen = ProcessEnvironment.current["VERITY_CHROMIUM"], !chosen.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: chosen) else {
                throw VerityError.usage(
                    "VERITY_CHROMIUM is \(chosen), which is not an executable program",
                    hint: "point it at Chromium (e.g. /usr/bin/chromium), or unset it to look for chromium on the PATH")
            }
            return chosen
        }
        let path = ProcessEnvironment.current["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for name in programNames {
            for directory in path.split(separator: ":") where !directory.isEmpty {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        throw VerityError.usage(
            "--format pdf prints the HTML dossier with headless Chromium, and no chromium is on the PATH",
            hint: "install it (Debian/Ubuntu: apt-get install chromium; or run scripts/ensure-deps.sh), "
                + "or set VERITY_CHROMIUM to the program; --format html gives the same dossier without it")
    }

    /// How long Chromium may take to print a dossier.
    static let renderTimeout: TimeInterval = 120

    /// The PDF of `html`, printed by Chromium at `chromium` in a throwaway directory.
    public static func render(html: String, chromium: String) throws -> Data {
        let directory = POSIXFile.temporaryDirectory + "verity-pdf-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/profile", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let page = directory + "/dossier.html"
        let pdf = directory + "/dossier.pdf"
        try Data(html.utf8).write(to: URL(fileURLWithPath: page))
        var arguments = [
            "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--user-data-dir=\(directory)/profile",
            "--no-pdf-header-footer", "--print-to-pdf=\(pdf)",
        ]
        // Chromium refuses to run as root with its sandbox on (containers, CI).
        if geteuid() == 0 { arguments.insert("--no-sandbox", at: 0) }
        arguments.append(URL(fileURLWithPath: page).absoluteString)
        // A dossier prints in seconds; a Chromium that hangs (a locked profile, a missing
        // display library) must not hang the command with it.
        let outcome = try Subprocess.run(chromium, arguments, timeout: renderTimeout)
        guard outcome.status == 0, let data = FileManager.default.contents(atPath: pdf), data.starts(with: Array("%PDF".utf8)) else {
            let said = outcome.output.split(separator: "\n").suffix(5).joined(separator: "\n")
            throw VerityError.unavailable(
                "Chromium (\(chromium)) did not print the dossier (exit \(outcome.status))" + (said.isEmpty ? "" : ":\n\(said)"))
        }
        return data
    }
}

extension Desk {
    /// The hash of the last row of the case's history chain (what `audit verify` recomputes).
    public func caseChainHead(caseID: Int) throws -> String {
        let rows = try db.query(
            "SELECT hash FROM public.case_history WHERE case_id = \(caseID) ORDER BY seq DESC LIMIT 1")
        return try rows.first?.decode("hash", as: String?.self) ?? "none"
    }
}
