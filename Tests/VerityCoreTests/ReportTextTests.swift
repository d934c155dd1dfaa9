import Foundation
import Testing
@testable import VerityCore

@Suite("report text")
struct ReportTextTests {
    @Test("HTML escaping covers & < > \" ' and characters XML cannot carry")
    func htmlEscape() {
        #expect(HTML.escape("<a href=\"x\">Tom & Jerry's</a>") == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;")
        #expect(HTML.escape("bell\u{07}tab\tend") == "bell\u{FFFD}tab\tend")
        #expect(HTML.element("td", ["title": "\"><script>"], text: "<b>").markup == "<td title=\"&quot;&gt;&lt;script&gt;\">&lt;b&gt;</td>")
    }

    @Test("Markdown escaping keeps hostile text in one cell and out of links and HTML")
    func markdownEscape() {
        #expect(Markdown.escape("a | b\n[x](javascript:1) <i>") == "a \\| b \\[x\\](javascript:1) \\<i\\>")
    }

    @Test("claimants read as people unless their name marks an organisation")
    func claimantType() {
        #expect(ClaimReview.claimantType("Volodymyr Zelensky") == "Person")
        #expect(ClaimReview.claimantType("Kremlin press office") == "Organization")
        #expect(ClaimReview.claimantType("Ministry of Defence of Ukraine") == "Organization")
        #expect(ClaimReview.claimantType("Dmitry Peskov, Kremlin spokesman") == "Person")
        #expect(ClaimReview.claimantType("Serhiy Bolvinov, Kharkiv regional police") == "Person")
    }

    @Test("report figures print the same way everywhere")
    func formatting() {
        #expect(ReportFormatting.percent(0.4286) == "42.9%")
        #expect(ReportFormatting.days(nil) == "–")
        #expect(ReportFormatting.days(3.5) == "3.5")
        #expect(ReportFormatting.days(3.46) == "3.5")
        #expect(ReportFormatting.grade(2.25) == "2.25")
        #expect(ReportFormatting.time(Date(timeIntervalSince1970: 1_663_322_400)) == "2022-09-16 10:00 UTC")
    }
}
