#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The environment variables commands read (VERITY_HOME, VERITY_DATABASE_URL,
/// VERITY_REVIEWER, ...). A task-local, so tests can give each command its own
/// environment without touching the process's, which tests share.
public enum ProcessEnvironment {
    @TaskLocal public static var current: [String: String] = ProcessInfo.processInfo.environment
}
