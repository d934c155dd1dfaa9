#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// Atlos's bulk-export CSV (`platform/lib/platform_web/controllers/media/export_controller.ex`):
/// `slug, project, inserted_at, updated_at, latitude, longitude`, the incident's attributes
/// (`status, assignments, description, date, time, tags, geolocation_resolution, more_info,
/// restrictions, sensitive`, ...), `source_1 ... source_N`, then the project's custom
/// attributes. Lists are joined with ", "; a cell that a spreadsheet would run as a formula
/// starts with `'`, which is taken off.
///
/// One row is one case: slug → ref, description → claim, date → claimed_at, inserted_at →
/// when the case was opened, latitude/longitude → its coordinates, tags (and `atlos:STATUS`)
/// → tags, each source_N → a linked source, status → a state (`stateOf`), `sensitive` other
/// than "Not Sensitive" → restricted. Every other non-empty column (assignments, time,
/// geolocation_resolution, more_info, restrictions, project, custom attributes, and the
/// status and sensitivity as Atlos words them) is kept, one line each, in a context
/// evidence note. docs/import-export.md has the table.
struct AtlosCSV: ForeignCSVMapping {
    /// Atlos records no claimant: the case says so instead of inventing one.
    static let claimant = "unknown (not recorded in Atlos)"
    /// Columns that become case fields or are read and not kept (updated_at: Verity's history
    /// records its own times; a note that changed with every export would not be idempotent).
    static let mapped: Set<String> = [
        "slug", "description", "date", "inserted_at", "updated_at", "latitude", "longitude", "tags",
    ]

    /// Atlos's statuses, as its interface words them, and the state each case reaches.
    /// Atlos has no verdict, and assessed needs one: finished work waits at evidence-pending
    /// for the desk's assessment; a cancelled incident stays claimed, with low priority.
    static let states: [(status: String, state: String)] = [
        ("To Do", "claimed"), ("Unclaimed", "claimed"), ("In Progress", "evidence-pending"),
        ("Help Needed", "evidence-pending"), ("Ready for Review", "evidence-pending"),
        ("Completed", "evidence-pending"), ("Cancelled", "claimed"),
    ]

    var table = ForeignTable(required: ["slug", "description"], format: "an Atlos export")
    private var knownSources: Set<String> = []

    var missingHeader: String { "the file is empty; an Atlos export starts with its header row (slug, ..., description, ...)" }

    mutating func map(_ cell: ForeignCells, line: Int, validator: RecordValidator) -> (rows: [StagedRow], issues: [ImportIssue]) {
        var row = ForeignRow(line: line)
        row.columnOfMissing = ["ref": "slug", "claim": "description"]
        let slug = cell("slug")
        if let slug { row.set("ref", .string(slug), from: "slug") } else { row.problem("slug", "is required: it becomes the case's reference") }
        if let description = cell("description") { row.set("claim", .string(description), from: "description") }
        else { row.problem("description", "is required: it becomes the case's claim") }
        row.set("claimant", .string(Self.claimant), from: "description")
        if let date = cell("date") { row.set("claimed_at", .string(date), from: "date") }
        if let inserted = cell("inserted_at") { row.set("at", .string(inserted), from: "inserted_at") }
        if let updated = cell("updated_at"), TimestampText.parse(updated) == nil {
            row.problem("updated_at", "\"\(updated.prefix(40))\" is not a timestamp such as 2024-03-01 12:00:00")
        }
        for axis in ["latitude", "longitude"] {
            if let value = cell(axis) { row.set(axis, .string(value), from: axis) }
        }

        let status = cell("status")
        var tags = cell("tags").map(ForeignRow.list) ?? []
        if let status {
            guard let known = Self.states.first(where: { $0.status.lowercased() == status.lowercased() }) else {
                row.problem("status", "\"\(status.prefix(40))\" is not an Atlos status: \(Self.states.map(\.status).joined(separator: ", "))")
                return ([], row.issues)
            }
            row.state = known.state
            tags.append("atlos:" + known.status.lowercased().replacing(" ", with: "-"))
            if known.status == "Cancelled" { row.set("priority", .string("low"), from: "status") }
        }
        row.set("tags", .array(tags.map(JSONField.string)), from: "tags")

        if let sensitive = cell("sensitive"), sensitive.lowercased() != "not sensitive" {
            row.set("restricted", .bool(true), from: "sensitive")
            row.set("restriction_reason", .string("Atlos marks it sensitive: \(sensitive)"), from: "sensitive")
        }

        var kept: [String] = []
        for name in table.header where !Self.mapped.contains(name) {
            guard let value = cell(name) else { continue }
            if Self.isSourceColumn(name) {
                row.sources.append((value, name, ForeignRow.sourceKind(value)))
            } else {
                kept.append("\(name): \(value)")
            }
        }
        if !kept.isEmpty {
            row.notes.append("Imported from Atlos (\(slug ?? "?")); its fields that Verity has no place for:\n"
                + kept.joined(separator: "\n"))
        }
        return row.stage(validator: validator, knownSources: &knownSources)
    }

    /// `source_1`, `source_2`, ...
    static func isSourceColumn(_ name: String) -> Bool {
        name.hasPrefix("source_") && !name.dropFirst(7).isEmpty && name.dropFirst(7).allSatisfy(\.isASCII) && Int(name.dropFirst(7)) != nil
    }
}
