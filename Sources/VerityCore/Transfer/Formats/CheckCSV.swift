#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// Meedan Check's media export (`lib/check_search.rb`, `get_exported_data`): `Claim, Item page
/// URL, Status, Created by, Submitted at, Social Media Posted at, Report Published at, Number of
/// media, Tags`, then one column per workspace task, headed by the task's label.
///
/// One row is one case: Claim → claim, the item's page → its reference (`check-TEAM-ID`) and a
/// linked source, Social Media Posted at → claimed_at, Submitted at → when the case was opened,
/// Tags → tags, Status → a state (Unstarted stays claimed; any other status, Check's own or a
/// workspace's, means work began: evidence-pending). Check's verdict statuses (False, Verified,
/// Inconclusive) are not turned into an assessment, which needs the desk's own evidence and
/// rationale: the status is quoted, with who created the item, when its report was published,
/// how many media it has and every task's answer, in a context evidence note. Task answers
/// that are addresses (Check lists a task's files one a line) are not fetched.
struct CheckCSV: ForeignCSVMapping {
    static let claimant = "unknown (not recorded in Check)"
    static let columns = [
        "Claim", "Item page URL", "Status", "Created by", "Submitted at", "Social Media Posted at",
        "Report Published at", "Number of media", "Tags",
    ]
    /// Check's status before any work, in its default English wording.
    static let unstarted = "Unstarted"

    var table = ForeignTable(required: ["Claim", "Item page URL", "Status"], format: "a Check export")
    private var knownSources: Set<String> = []

    var missingHeader: String { "the file is empty; a Check export starts with its header row (Claim, Item page URL, Status, ...)" }

    mutating func map(_ cell: ForeignCells, line: Int, validator: RecordValidator) -> (rows: [StagedRow], issues: [ImportIssue]) {
        var row = ForeignRow(line: line)
        row.columnOfMissing = ["ref": "Item page URL", "claim": "Claim"]

        let page = cell("Item page URL")
        var ref: String?
        if let page {
            ref = Self.ref(page)
            if ref == nil { row.problem("Item page URL", "\"\(page.prefix(80))\" is not a Check item's address (https://checkmedia.org/TEAM/media/ID)") }
            row.sources.append((page, "Item page URL", "other"))
        } else {
            row.problem("Item page URL", "is required: the item's address names the case")
        }
        if let ref { row.set("ref", .string(ref), from: "Item page URL") }
        if let claim = cell("Claim") { row.set("claim", .string(claim), from: "Claim") }
        else { row.problem("Claim", "is required: fill in the item's claim in Check, or leave the item out of the export") }
        row.set("claimant", .string(Self.claimant), from: "Claim")
        if let posted = cell("Social Media Posted at") {
            row.set("claimed_at", .string(String(posted.prefix(10))), from: "Social Media Posted at")
        }
        if let submitted = cell("Submitted at") { row.set("at", .string(submitted), from: "Submitted at") }
        row.set("tags", .array((cell("Tags").map(ForeignRow.list) ?? []).map(JSONField.string)), from: "Tags")
        if let published = cell("Report Published at"), TimestampText.parse(published) == nil {
            row.problem("Report Published at", "\"\(published.prefix(40))\" is not a time such as 2024-03-01 12:00:00")
        }
        if let count = cell("Number of media"), Int(count) == nil {
            row.problem("Number of media", "\"\(count.prefix(40))\" is not a whole number")
        }

        let status = cell("Status")
        if let status, status.lowercased() != Self.unstarted.lowercased() { row.state = "evidence-pending" }
        var kept: [String] = []
        for name in ["Status", "Created by", "Report Published at", "Number of media"] {
            if let value = cell(name) { kept.append("\(name): \(value)") }
        }
        for name in table.header where !Self.columns.contains(name) {
            if let value = cell(name) { kept.append("\(name): \(value)") }
        }
        row.notes.append("Imported from Meedan Check (\(page ?? "?")):\n" + kept.joined(separator: "\n"))
        return row.stage(validator: validator, knownSources: &knownSources)
    }

    /// `check-TEAM-ID` from `https://checkmedia.org/TEAM/media/ID` (or `.../TEAM/project/P/media/ID`).
    static func ref(_ page: String) -> String? {
        guard let components = URLComponents(string: page) else { return nil }
        let parts = components.path.split(separator: "/").map(String.init)
        guard parts.count >= 3, let media = parts.lastIndex(of: "media"), media + 1 == parts.count - 1,
            let id = parts.last, !id.isEmpty, id.allSatisfy(\.isASCII), Int(id) != nil
        else { return nil }
        let team = parts[0].lowercased()
        guard !team.isEmpty, team.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        let ref = "check-\(team)-\(id)"
        return ref.count <= 64 ? ref : nil
    }
}
