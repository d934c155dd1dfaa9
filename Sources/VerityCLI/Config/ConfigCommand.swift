import ArgumentParser
import VerityCore

/// `verity config ...`: the desk's settings, stored in the database.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show and change the desk's settings (stored in the database, the same for every reviewer).",
        discussion: Help.paragraphs("""
            Settings:
              four-eyes            on|off (default off). When on, `verity case assess` records a proposed
                                   verdict and a second reviewer completes it with `verity case sign-off`.
              publisher            the desk's name: the author of every `export claimreview` review.
              publisher-url        the desk's web address (http or https).
              review-url-template  each review's page, with {ref} or {id}: https://desk.example/checks/{ref}
              label-VERDICT        how readers are told a verdict (ClaimReview's alternateName), for
                                   label-true, label-mostly-true, label-mixed, label-mostly-false,
                                   label-false and label-unverifiable. Defaults: "True", "Mostly true", ...
              A text setting set to "" is cleared.

            Example: verity config set four-eyes on --as editor --reason "policy from 1 March"
                     verity config set publisher "Kharkiv Verification Desk" --as editor
                     verity config set label-mostly-false "Здебільшого неправда" --as editor
                     verity config show
            """),
        subcommands: [ConfigShow.self, ConfigSet.self])
}

struct ConfigShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show the desk's settings and who changed them.",
        discussion: "Example: verity config show --format json")

    @OptionGroup var options: DeskOptions

    func run() throws {
        let settings = try options.openDesk().deskSettings()
        let console = Console.current
        switch options.format {
        case .json: console.print(JSONOutput.encode(settings))
        case .csv:
            console.print(CSVOutput.render(
                header: ["setting", "value", "changed_by", "changed_at"],
                rows: [["four-eyes", settings.fourEyes ? "on" : "off", settings.fourEyesChangedBy ?? "",
                        ModelViews.time(settings.fourEyesChangedAt)]]
                    + Self.textSettings(settings).map { [$0.0, $0.1, "", ""] }))
        case .table:
            var line = "four-eyes  " + (settings.fourEyes ? "on" : "off")
            if let by = settings.fourEyesChangedBy {
                line += " (set by \(by) at \(ModelViews.time(settings.fourEyesChangedAt)))"
            } else {
                line += " (default)"
            }
            console.print(line)
            for (name, value) in Self.textSettings(settings) {
                console.print((name.count < 20 ? name + String(repeating: " ", count: 20 - name.count) : String(name.prefix(20))) + " " + (value.isEmpty ? "(not set)" : value))
            }
            if !settings.history.isEmpty {
                console.print("\nChanges")
                console.print(TableOutput.render(
                    header: ["at", "by", "setting", "from", "to", "reason"],
                    rows: settings.history.map {
                        [ModelViews.time($0.changedAt), $0.changedBy, $0.setting, $0.from ?? "", $0.to, $0.reason ?? ""]
                    }))
            }
        }
    }
}

extension ConfigShow {
    /// The settings other than four-eyes, in the order `--help` lists them.
    static func textSettings(_ settings: DeskSettings) -> [(String, String)] {
        [("publisher", settings.publisher ?? ""), ("publisher-url", settings.publisherURL ?? ""),
         ("review-url-template", settings.reviewURLTemplate ?? "")]
            + Verdict.allCases.map { (DeskSetting.label($0).rawValue, settings.verdictLabels[$0.rawValue] ?? $0.defaultLabel) }
    }
}

struct ConfigSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Change a desk setting (editors and admins; the change is recorded).",
        discussion: Help.paragraphs("""
            four-eyes on: `case assess` proposes a verdict; the case stays evidence-pending, awaiting sign-off, \
            until a different reviewer who wrote none of the case's evidence notes runs `verity case sign-off`. \
            four-eyes off: `case assess` concludes the case in one step (the default, for small desks).
            publisher, publisher-url, review-url-template and label-VERDICT are what `verity export \
            claimreview` publishes (see `verity config --help`).

            Example: verity config set four-eyes on --as editor
                     verity config set publisher-url https://desk.example --as editor
            """))

    @Argument(help: "The setting: four-eyes, publisher, publisher-url, review-url-template or label-VERDICT.") var name: String
    @Argument(help: "The value: on or off for four-eyes; text for the others (\"\" clears a text setting).") var value: String
    @Option(help: "Why the setting changes (kept with the change).") var reason: String?
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func validate() throws {
        guard let setting = DeskSetting(rawValue: name) else {
            throw ValidationError(
                "unknown setting \"\(name)\"; known: " + DeskSetting.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if let problem = setting.problem(value) { throw ValidationError(problem) }
    }

    func run() throws {
        let desk = try options.openDesk()
        guard let setting = DeskSetting(rawValue: name), setting == .fourEyes else {
            let changed = try desk.setSetting(DeskSetting(rawValue: name)!, to: value, reason: reason, as: actor.actor)
            switch options.format {
            case .json: Console.current.print(JSONOutput.encode(try desk.deskSettings()))
            default:
                Console.current.print(
                    changed ? (value.isEmpty ? "\(name) is cleared." : "\(name) is \"\(value)\".")
                        : "\(name) is already \"\(value)\"; nothing changed.")
            }
            return
        }
        let on = value == "on"
        if try desk.fourEyes() == on {
            // Already so: nothing to change, nothing recorded.
            switch options.format {
            case .json: Console.current.print(JSONOutput.encode(try desk.deskSettings()))
            default: Console.current.print("four-eyes is already \(on ? "on" : "off"); nothing changed.")
            }
            return
        }
        let settings = try desk.setFourEyes(on, reason: reason, as: actor.actor)
        switch options.format {
        case .json: Console.current.print(JSONOutput.encode(settings))
        default:
            Console.current.print(
                "four-eyes is \(settings.fourEyes ? "on" : "off")"
                    + (settings.fourEyes
                        ? ": `case assess` now proposes a verdict and another reviewer signs it off with `verity case sign-off`."
                        : ": `case assess` concludes a case in one step."))
        }
    }
}
