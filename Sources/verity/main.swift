import Foundation
import VerityCLI

exit(VerityCommand.run(Array(CommandLine.arguments.dropFirst())))
