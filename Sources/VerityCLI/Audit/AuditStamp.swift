import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VerityCore

/// `verity audit stamp --tsa URL`: a trusted timestamp (RFC 3161) of the desk's head.
struct AuditStamp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stamp",
        abstract: "Have a time-stamping authority (RFC 3161) sign the desk's head hash, and keep its token.",
        discussion: Help.paragraphs("""
            Sends the head hash (`verity audit head`) to the time-stamping authority at --tsa as an RFC 3161 \
            request and stores the signed reply in the desk (audit_stamps, append-only). A token proves the \
            head, and so every history row under it, existed at the time the authority signed; `verity \
            audit verify --tsa-ca FILE` checks every stored token against the authority's CA certificate. \
            Needs openssl and curl on the PATH, and the desk owner (no reviewer role may write stamps).
            Example: verity audit stamp --tsa https://freetsa.org/tsr
            """))

    @Option(help: ArgumentHelp("The time-stamping authority's URL (it takes POSTs of application/timestamp-query).", valueName: "url"))
    var tsa: String
    @Option(help: "Output format: table for people, json for programs.") var format: AuditFormat = .table
    @OptionGroup var actor: ActorOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard let url = URL(string: tsa), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            throw ValidationError("--tsa must be an http or https URL, e.g. https://freetsa.org/tsr")
        }
    }

    func run() throws {
        let desk = Desk(connection: try Database.open(connection.location))
        let stamp = try desk.stampHead(tsa: tsa, by: try actor.actor ?? desk.connectedReviewer())
        switch format {
        case .json: Console.current.print(JSONOutput.encode(stamp))
        case .table:
            Console.current.print("Stamped head \(stamp.head) at \(stamp.stampedAt) by \(stamp.tsaURL) (stamp \(stamp.id)).")
        }
    }
}
