import ArgumentParser
import VerityCore

/// `verity config ...`: the desk's settings, stored in the database.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show and change the desk's settings (stored in the database, the same for every reviewer).",
        discussion: Help.paragraphs("""
            Settings:
              four-eyes   on|off (default off). When on, `verity case assess` records a proposed verdict
                          and a second reviewer completes it with `verity case sign-off`.

            Example: verity config set four-eyes on --as editor --reason "policy from 1 March"
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
                        ModelViews.time(settings.fourEyesChangedAt)]]))
        case .table:
            var line = "four-eyes  " + (settings.fourEyes ? "on" : "off")
            if let by = settings.fourEyesChangedBy {
                line += " (set by \(by) at \(ModelViews.time(settings.fourEyesChangedAt)))"
            } else {
                line += " (default)"
            }
            console.print(line)
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

/// on/off, as typed.
enum Switch: String, CaseIterable, ExpressibleByArgument {
    case on, off
}

struct ConfigSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Change a desk setting (editors and admins; the change is recorded).",
        discussion: Help.paragraphs("""
            four-eyes on: `case assess` proposes a verdict; the case stays evidence-pending, awaiting sign-off, \
            until a different reviewer who wrote none of the case's evidence notes runs `verity case sign-off`. \
            four-eyes off: `case assess` concludes the case in one step (the default, for small desks).

            Example: verity config set four-eyes on --as editor
            """))

    @Argument(help: "The setting: four-eyes.") var name: String
    @Argument(help: "The value: on or off.") var value: Switch
    @Option(help: "Why the setting changes (kept with the change).") var reason: String?
    @OptionGroup var actor: ActorOptions
    @OptionGroup var options: DeskOptions

    func validate() throws {
        guard DeskSetting(rawValue: name) != nil else {
            throw ValidationError(
                "unknown setting \"\(name)\"; known: " + DeskSetting.allCases.map(\.rawValue).joined(separator: ", "))
        }
    }

    func run() throws {
        let desk = try options.openDesk()
        if try desk.fourEyes() == (value == .on) {
            // Already so: nothing to change, nothing recorded.
            switch options.format {
            case .json: Console.current.print(JSONOutput.encode(try desk.deskSettings()))
            default: Console.current.print("four-eyes is already \(value == .on ? "on" : "off"); nothing changed.")
            }
            return
        }
        let settings = try desk.setFourEyes(value == .on, reason: reason, as: actor.actor)
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
