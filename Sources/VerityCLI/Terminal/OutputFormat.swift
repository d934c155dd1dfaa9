import ArgumentParser

/// How a command prints its result: aligned columns for people, JSON and CSV for programs.
public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, json, csv
}
