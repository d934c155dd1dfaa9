#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import VerityCLI

exit(VerityCommand.run(Array(CommandLine.arguments.dropFirst())))
