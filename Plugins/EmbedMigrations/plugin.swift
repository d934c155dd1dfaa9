import Foundation
import PackagePlugin

/// Embeds the package's `sql/migrations/*.sql` (versioned, applied once) and
/// `sql/definitions/*.sql` (repeatable, re-applied when changed) into the
/// target that uses this plugin, so `sql/` stays the single source of the schema.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let sqlDirectory = context.package.directoryURL.appending(path: "sql")
        var inputs: [URL] = []
        var directories: [URL] = []
        for kind in ["migrations", "definitions"] {
            let directory = sqlDirectory.appending(path: kind)
            directories.append(directory)
            inputs += try FileManager.default.contentsOfDirectory(atPath: directory.path())
                .filter { $0.hasSuffix(".sql") }
                .sorted()
                .map { directory.appending(path: $0) }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) SQL files from sql/",
                executable: try context.tool(named: "EmbedMigrationsTool").url,
                arguments: [output.path()] + inputs.map { $0.path() },
                inputFiles: inputs + directories,
                outputFiles: [output]
            )
        ]
    }
}
