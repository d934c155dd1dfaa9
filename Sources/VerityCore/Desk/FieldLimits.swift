#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The longest value, in characters, that each free-text field takes. The database
/// keeps the rule (CHECK constraints named `<table>_<column>_length`, in
/// sql/migrations/005_field_limits.sql); this mirror of it, which a test compares
/// with the database, lets the CLI name the field, the limit and the length given.
public struct FieldLimit: Sendable, Equatable {
    public var table: String
    public var column: String
    /// How the user knows the field (an option or a record field).
    public var field: String
    public var limit: Int

    public var constraint: String { "\(table)_\(column)_length" }

    public static let all: [FieldLimit] = [
        .init(table: "cases", column: "claim", field: "claim", limit: 4_000),
        .init(table: "cases", column: "claimant", field: "claimant", limit: 500),
        .init(table: "cases", column: "location", field: "location", limit: 500),
        .init(table: "cases", column: "rationale", field: "rationale", limit: 20_000),
        .init(table: "case_history", column: "reason", field: "reason", limit: 4_000),
        .init(table: "evidence_notes", column: "note", field: "note", limit: 20_000),
        .init(table: "evidence_notes", column: "retraction_reason", field: "retraction reason", limit: 4_000),
        .init(table: "sources", column: "url", field: "url", limit: 2_048),
        .init(table: "sources", column: "archive_url", field: "archive url", limit: 2_048),
        .init(table: "sources", column: "title", field: "title", limit: 1_000),
        .init(table: "sources", column: "publisher", field: "publisher", limit: 500),
        .init(table: "sources", column: "author", field: "author", limit: 500),
        .init(table: "sources", column: "file_name", field: "file name", limit: 1_000),
        .init(table: "verdict_proposals", column: "rationale", field: "rationale", limit: 20_000),
        .init(table: "verdict_proposals", column: "reason", field: "reason", limit: 4_000),
        .init(table: "case_links", column: "reason", field: "reason", limit: 4_000),
        .init(table: "case_links", column: "unlink_reason", field: "reason", limit: 4_000),
        .init(table: "source_custody_events", column: "note", field: "note", limit: 20_000),
        .init(table: "source_custody_events", column: "tool", field: "tool", limit: 200),
        .init(table: "source_custody_events", column: "from_holder", field: "holder", limit: 200),
        .init(table: "source_custody_events", column: "to_holder", field: "holder (--to)", limit: 200),
        .init(table: "source_custody_events", column: "file_name", field: "file name", limit: 1_000),
        .init(table: "reviewers", column: "name", field: "name", limit: 200),
        .init(table: "reviewers", column: "email", field: "email", limit: 320),
        .init(table: "desk_settings_history", column: "reason", field: "reason", limit: 4_000),
    ]

    /// The longest tag, in characters.
    public static let tagLimit = 64

    public static func named(constraint: String) -> FieldLimit? { all.first { $0.constraint == constraint } }

    public static func limit(_ table: String, _ column: String) -> FieldLimit {
        all.first { $0.table == table && $0.column == column }!
    }

    /// Refuses `value` when it is longer than this field takes, naming the option
    /// (`--claim`) or field, the limit and the length given.
    public func check(_ value: String?, as name: String? = nil) throws {
        guard let value else { return }
        let length = value.unicodeScalars.count  // PostgreSQL's char_length counts code points
        guard length > limit else { return }
        throw VerityError.usage(Self.message(name ?? field, limit: limit, length: length),
                                hint: "shorten it; a longer text belongs in an attached source or evidence notes")
    }

    static func message(_ name: String, limit: Int, length: Int?) -> String {
        "\(name) is too long: \(length.map { "\(Self.grouped($0)) characters; " } ?? "")the limit is \(Self.grouped(limit)) characters"
    }

    public static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(d)
        }
        return out
    }
}

/// What a tag is: trimmed, lower-case (so "Izium" and "izium" are one tag), not
/// empty, without ';' (the CSV list separator) or control characters, at most 64
/// characters. The database keeps the rule (CHECK cases_tags_defined); every place
/// that takes a tag from the user (--tag, --untag, --where-tag, report status --tag,
/// an import) writes it this way first, so that matching is case-insensitive.
public enum Tag {
    public static func normalized(_ raw: String, option: String = "--tag") throws -> String {
        let tag = raw.trimmed.lowercased()
        guard let problem = problem(tag) else { return tag }
        throw VerityError.usage("\(option) \"\(raw.prefix(80))\": \(problem)", hint: "e.g. \(option) mass-graves")
    }

    /// A tag as given to a filter (--tag, --where-tag), as the desk stores it: tags match case-insensitively.
    public static func matching(_ given: String) -> String {
        given.trimmed.lowercased()
    }

    /// Why a trimmed, lower-cased tag is not one, or nil.
    static func problem(_ tag: String) -> String? {
        if tag.isEmpty { return "a tag must not be empty" }
        if tag.contains(";") { return "a tag must not contain ';' (it separates tags in CSV)" }
        if tag.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "a tag must not contain control characters"
        }
        if tag.unicodeScalars.count > FieldLimit.tagLimit {
            return "a tag is at most \(FieldLimit.tagLimit) characters, not \(tag.unicodeScalars.count)"
        }
        return nil
    }
}
