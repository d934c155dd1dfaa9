import Foundation
import PostgresClient

/// The desk's settings, stored in the database (table `desk_settings`) so that
/// every reviewer and the database's own rules see the same values.
public struct DeskSettings: Encodable, Sendable {
    /// Four-eyes assessment: `case assess` proposes, a second reviewer signs off.
    public var fourEyes: Bool
    @Nullable public var fourEyesChangedBy: String?
    @Nullable public var fourEyesChangedAt: Date?
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

    /// The key in `desk_settings`.
    var key: String {
        switch self {
        case .fourEyes: return "four_eyes"
        }
    }
}

extension Desk {
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
                setting: (try row.decode("key", as: String.self)).replacingOccurrences(of: "_", with: "-"),
                from: try row.decode("old_value"), to: try row.decode("new_value"), changedBy: try row.decode("handle"),
                changedAt: try row.decode("changed_at"), reason: try row.decode("reason"))
        }
        let updatedBy: String? = try row?.decode("updated_by")
        return DeskSettings(
            fourEyes: try row?.decode("value", as: String.self) == "on",
            fourEyesChangedBy: updatedBy, fourEyesChangedAt: updatedBy == nil ? nil : try row?.decode("updated_at"),
            history: history)
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
