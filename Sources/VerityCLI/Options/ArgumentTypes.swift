import ArgumentParser
import PostgresClient
import VerityCore

// The model's closed vocabularies, typed on the command line; `--help` lists their values.
extension CaseState: ExpressibleByArgument {}
extension Verdict: ExpressibleByArgument {}
extension Priority: ExpressibleByArgument {}
extension ReviewerRole: ExpressibleByArgument {}
extension SourceKind: ExpressibleByArgument {}
extension Reliability: ExpressibleByArgument {}
extension Stance: ExpressibleByArgument {}
extension ClaimantType: ExpressibleByArgument {}
extension SourceRole: ExpressibleByArgument {}

extension CalendarDate: ExpressibleByArgument {
    /// Dates are typed as YYYY-MM-DD.
    public init?(argument: String) { self.init(argument) }
    public static var defaultCompletionKind: CompletionKind { .default }
}
