#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import PostgresClient

/// The desk's settings, stored in the database (table `desk_settings`) so that
/// every reviewer and the database's own rules see the same values.
public struct DeskSettings: Encodable, Sendable {
    /// Four-eyes assessment: `case assess` proposes, a second reviewer signs off.
    public var fourEyes: Bool
    @Nullable public var fourEyesChangedBy: String?
    @Nullable public var fourEyesChangedAt: Date?
    /// The ClaimReview export's publisher: its `author` (name, address) and each review's page.
    @Nullable public var publisher: String?
    @Nullable public var publisherURL: String?
    @Nullable public var reviewURLTemplate: String?
    /// The desk's wording of each verdict (ClaimReview's `alternateName`), by verdict.
    public var verdictLabels: [String: String]
    /// Every change of a setting, oldest first.
    public var history: [DeskSettingChange]
}

/// One recorded change of a desk setting (table `desk_settings_history`, append-only).
public struct DeskSettingChange: Encodable, Sendable {
    public var setting: String
    @Nullable public var from: String?
    public var to: String
    public var changedBy: String
    public var changedAt: Date
    @Nullable public var reason: String?
}

/// The settings a desk can change; `name` is how users type it.
public enum DeskSetting: String, CaseIterable, Sendable {
    case fourEyes = "four-eyes"
    case publisher
    case publisherURL = "publisher-url"
    case reviewURLTemplate = "review-url-template"
    case labelTrue = "label-true"
    case labelMostlyTrue = "label-mostly-true"
    case labelMixed = "label-mixed"
    case labelMostlyFalse = "label-mostly-false"
    case labelFalse = "label-false"
    case labelUnverifiable = "label-unverifiable"

    /// The key in `desk_settings`.
    var key: String { rawValue.replacing("-", with: "_") }

    /// The verdict a `label-...` setting words.
    public var verdict: Verdict? {
        guard rawValue.hasPrefix("label-") else { return nil }
        return Verdict(rawValue: String(rawValue.dropFirst("label-".count)))
    }

    public static func label(_ verdict: Verdict) -> DeskSetting {
        allCases.first { $0.verdict == verdict }!
    }

    /// Why `value` cannot be this setting's value, or nil when it can (the database checks again).
    public func problem(_ value: String) -> String? {
        switch self {
        case .fourEyes:
            return ["on", "off"].contains(value) ? nil : "four-eyes is on or off, not \"\(value.prefix(40))\""
        case .publisherURL, .reviewURLTemplate:
            if value.isEmpty { return nil }
            guard value.hasPrefix("https://") || value.hasPrefix("http://"),
                !value.unicodeScalars.contains(where: { $0.properties.isWhitespace })
            else { return "\(rawValue) must be an http(s) address without spaces (or \"\" to clear it), not \"\(value.prefix(80))\"" }
            return nil
        case .publisher:
            if value.unicodeScalars.count > 500 { return "publisher is at most 500 characters" }
            return value.unicodeScalars.contains(where: { $0.value < 32 }) ? "publisher must not contain control characters" : nil
        default:
            if value.trimmed.isEmpty { return "\(rawValue) must not be empty: readers see it as the verdict" }
            if value.unicodeScalars.count > 100 { return "\(rawValue) is at most 100 characters" }
            return value.unicodeScalars.contains(where: { $0.value < 32 }) ? "\(rawValue) must not contain control characters" : nil
        }
    }
}

extension Desk {
    /// Every setting's current value, by setting ("" for a text setting not set).
    public func settingValues() throws -> [DeskSetting: String] {
        var values: [DeskSetting: String] = [:]
        for row in try db.query("SELECT key, value FROM desk_settings").rows {
            let key: String = try row.decode("key")
            if let setting = DeskSetting.allCases.first(where: { $0.key == key }) { values[setting] = try row.decode("value") }
        }
        return values
    }

    /// The publisher and verdict wording of the ClaimReview export, from the desk settings.
    public func claimReviewPublisher() throws -> ClaimReviewPublisher {
        let values = try settingValues()
        func text(_ setting: DeskSetting) -> String? { values[setting].flatMap { $0.isEmpty ? nil : $0 } }
        var labels: [Verdict: String] = [:]
        for verdict in Verdict.allCases { labels[verdict] = text(.label(verdict)) }
        return ClaimReviewPublisher(
            name: text(.publisher), url: text(.publisherURL), reviewURLTemplate: text(.reviewURLTemplate), labels: labels)
    }

    /// Sets a setting other than four-eyes (`setFourEyes`); editors and admins. Returns
    /// false when it already had that value (nothing recorded).
    @discardableResult
    public func setSetting(_ setting: DeskSetting, to value: String, reason: String? = nil, as actor: String?) throws -> Bool {
        if let problem = setting.problem(value) { throw VerityError.usage(problem) }
        if try settingValues()[setting] == value { return false }
        if let actor {
            let reviewer = try requireActiveReviewer(actor)
            guard reviewer.role != .reviewer else {
                throw VerityError.ruleViolated(
                    "reviewer \"\(actor)\" is not an editor or admin, so cannot change the desk setting \(setting.rawValue)",
                    hint: "ask an editor to run it with --as EDITOR")
            }
        }
        try change(as: actor, reason: reason) { db in
            _ = try db.query("UPDATE desk_settings SET value = \(value) WHERE key = \(setting.key)")
        }
        return true
    }

    public func deskSettings() throws -> DeskSettings {
        let row = try db.query(
            """
            SELECT s.value, r.handle AS updated_by, s.updated_at
              FROM desk_settings s LEFT JOIN reviewers r ON r.id = s.updated_by
             WHERE s.key = 'four_eyes'
            """
        ).first
        let history = try db.query(
            """
            SELECT h.key, h.old_value, h.new_value, r.handle, h.changed_at, h.reason
              FROM desk_settings_history h JOIN reviewers r ON r.id = h.changed_by
             ORDER BY h.id
            """
        ).rows.map { row in
            DeskSettingChange(
                setting: (try row.decode("key", as: String.self)).replacing("_", with: "-"),
                from: try row.decode("old_value"), to: try row.decode("new_value"), changedBy: try row.decode("handle"),
                changedAt: try row.decode("changed_at"), reason: try row.decode("reason"))
        }
        let updatedBy: String? = try row?.decode("updated_by")
        let publisher = try claimReviewPublisher()
        var labels: [String: String] = [:]
        for verdict in Verdict.allCases { labels[verdict.rawValue] = publisher.label(verdict) }
        return DeskSettings(
            fourEyes: try row?.decode("value", as: String.self) == "on",
            fourEyesChangedBy: updatedBy, fourEyesChangedAt: updatedBy == nil ? nil : try row?.decode("updated_at"),
            publisher: publisher.name, publisherURL: publisher.url, reviewURLTemplate: publisher.reviewURLTemplate,
            verdictLabels: labels, history: history)
    }

    /// Whether four-eyes assessment is on.
    public func fourEyes() throws -> Bool {
        try db.query("SELECT verity_four_eyes() AS on")[0].decode("on")
    }

    /// Turns four-eyes assessment on or off; needs an editor or admin (the database checks again).
    @discardableResult
    public func setFourEyes(_ on: Bool, reason: String? = nil, as actor: String?) throws -> DeskSettings {
        if let actor {
            let reviewer = try requireActiveReviewer(actor)
            guard reviewer.role != .reviewer else {
                throw VerityError.ruleViolated(
                    "reviewer \"\(actor)\" is not an editor or admin, so cannot change the desk setting four-eyes",
                    hint: "ask an editor to run it with --as EDITOR")
            }
        }
        try change(as: actor, reason: reason) { db in
            _ = try db.query("UPDATE desk_settings SET value = \(on ? "on" : "off") WHERE key = 'four_eyes'")
        }
        return try deskSettings()
    }
}
