import PostgresClient

/// A password inside `--database-url` is in the process's arguments, which every
/// user of the machine can read with `ps` while the command runs (and which the
/// shell keeps in its history). Verity still connects, but says so once, on stderr.
enum PasswordOnCommandLine {
    /// The warning for `arguments` (a whole command line), or nil when no
    /// `--database-url` value on it holds a password.
    static func warning(_ arguments: [String]) -> String? {
        var urls: [String] = []
        for (index, argument) in arguments.enumerated() {
            if argument == "--" { break }
            if argument == "--database-url", index + 1 < arguments.count {
                urls.append(arguments[index + 1])
            } else if argument.hasPrefix("--database-url=") {
                urls.append(String(argument.dropFirst("--database-url=".count)))
            }
        }
        guard urls.contains(where: containsPassword) else { return nil }
        return "warning: the password in --database-url can be read by every user of this machine in `ps` "
            + "(and stays in your shell history); put it in ~/.pgpass or the file named by PGPASSFILE and "
            + "leave it out of the URL (passwords for new logins go in --password-file)"
    }

    /// Whether a URL or conninfo string holds a password (`user:secret@`, `password=`).
    static func containsPassword(_ url: String) -> Bool {
        ConnectionString.redact(url) != url
    }
}
