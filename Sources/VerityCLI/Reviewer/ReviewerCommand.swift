import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VerityCore

/// `verity reviewer ...`: the people on the desk.
struct ReviewerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reviewer",
        abstract: "Add, list and deactivate reviewers, and change their logins' passwords.",
        subcommands: [ReviewerAdd.self, ReviewerList.self, ReviewerHistory.self, ReviewerDeactivate.self, ReviewerPasswd.self])
}

struct ReviewerAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a reviewer.",
        discussion: Help.paragraphs("""
            Example: verity reviewer add analyst --name "OSINT analyst" --role reviewer

            With --login, also creates a database login role named after the handle,
            in the group verity_reviewer (reviewers and editors) or verity_admin
            (admins); run `verity db roles` once before. The password comes from
            --password-file (a file, or - for standard input) or $VERITY_NEW_PASSWORD
            set by a script, never from the command line (not even as a variable
            set in front of the command, which the shell's history keeps), and is
            hashed on this machine. Connected with that login, the
            reviewer acts as themselves (no --as) and sees only what their role allows:
              verity reviewer add analyst --name "Analyst" --login --password-file ~/analyst.pw
            """))

    @Argument(help: "Unique handle: lowercase letters, digits, . _ -") var handle: String
    @Option(help: "Full name or desk role.") var name: String
    @Option(help: "Email address.") var email: String?
    @Option(help: "reviewer, editor (may assess any case) or admin.") var role: ReviewerRole = .reviewer
    @Flag(help: "Also create a database login role for the reviewer (see below).") var login = false
    @Option(
        name: .customLong("password-file"),
        help: ArgumentHelp("With --login: a file holding the login's password. Default: $VERITY_NEW_PASSWORD.", valueName: "path"))
    var passwordFile: String?
    @OptionGroup var options: DeskOptions

    func validate() throws {
        if passwordFile != nil, !login { throw ValidationError("--password-file goes with --login") }
    }

    func run() throws {
        let desk = try options.openDesk()
        let reviewer: Reviewer
        if login {
            let password = try NewPassword.read(file: passwordFile, for: handle)
            reviewer = try desk.addReviewer(handle: handle, name: name, email: email, role: role, loginPassword: password)
        } else {
            reviewer = try desk.addReviewer(handle: handle, name: name, email: email, role: role)
        }
        if options.format == .table {
            Console.current.print(
                "Added reviewer \(reviewer.handle) (\(reviewer.role.rawValue))"
                    + (reviewer.login.map { ", with the database login \($0) in \(Desk.group(for: reviewer.role))" } ?? "")
                    + ".")
        } else {
            ModelViews.printReviewers([reviewer], format: options.format)
        }
    }
}

struct ReviewerList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List reviewers.")

    @Flag(help: "Only active reviewers.") var active = false
    @OptionGroup var options: DeskOptions

    func run() throws {
        ModelViews.printReviewers(try options.openDesk().reviewers(includeInactive: !active), format: options.format)
    }
}

struct ReviewerDeactivate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deactivate",
        abstract: "Deactivate a reviewer: their history stays, but they can no longer act or be assigned.")

    @Argument(help: "The reviewer's handle.") var handle: String
    @OptionGroup var options: DeskOptions

    func run() throws {
        let reviewer = try options.openDesk().deactivateReviewer(handle)
        if options.format == .table {
            Console.current.print("Deactivated reviewer \(reviewer.handle).")
        } else {
            ModelViews.printReviewers([reviewer], format: options.format)
        }
    }
}

struct ReviewerPasswd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Change the password of a reviewer's database login.",
        discussion: Help.paragraphs("""
            The new password is read from a file (its first line) or, with
            --password-file -, from standard input; never from the command line,
            where other users could read it in `ps`. It is hashed on this machine.
            A login changes its own password; a desk admin may change any
            reviewer's. Every change is recorded (who, when; never the password)
            in the table reviewer_password_changes.
              verity reviewer passwd analyst --password-file ~/.verity-new-password
            """))

    @Argument(help: "The reviewer's handle.") var handle: String
    @Option(
        name: .customLong("password-file"),
        help: ArgumentHelp("A file holding the new password, or - for standard input.", valueName: "path"))
    var passwordFile: String
    @OptionGroup var options: DeskOptions

    func run() throws {
        let password = try NewPassword.read(file: passwordFile, for: handle)
        try options.openDesk().changeLoginPassword(handle: handle, password: password)
        if options.format == .table {
            Console.current.print("Changed the password of \(handle)'s login.")
        } else if options.format == .json {
            Console.current.print(JSONOutput.encode(["reviewer": handle]))
        } else {
            Console.current.print(CSVOutput.render(header: ["reviewer", "password_changed"], rows: [[handle, "true"]]))
        }
    }
}

/// The password of a new login: from a file (first line) or $VERITY_NEW_PASSWORD,
/// never from an argument, which other users could read in `ps`.
enum NewPassword {
    static func read(file: String?, for handle: String) throws -> String {
        if file == "-" {
            return firstLine(String(decoding: try POSIXFile.standardInput.readToEnd(), as: UTF8.self))
        }
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw VerityError.usage(
                    "cannot read the password file \(file)", hint: "check the path and that you may read it")
            }
            return firstLine(text)
        }
        if let password = ProcessEnvironment.current["VERITY_NEW_PASSWORD"], !password.isEmpty { return password }
        throw VerityError.usage(
            "--login needs a password for \(handle)'s login",
            hint: "give --password-file PATH or set VERITY_NEW_PASSWORD (never on the command line)")
    }

    /// The first line, without its line break (LF or CRLF: "\r\n" is one Character).
    static func firstLine(_ text: String) -> String {
        String(text.prefix { $0 != "\n" && $0 != "\r\n" && $0 != "\r" })
    }
}
