// swift-tools-version:6.0
import PackageDescription

// The architecture at a glance:
//   CLibPQ (libpq headers) → PostgresClient (safe queries, errors, COPY, pipelines)
//   → VerityCore (schema, embedded cluster, cases; no terminal code; SHA-256 from
//     libcrypto, libpq's own TLS library, through CLibPQ too)
//   → VerityCLI (commands, rendering) → verity (a thin @main).
let package = Package(
    name: "Verity",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "verity", targets: ["verity"]),
        .library(name: "PostgresClient", targets: ["PostgresClient"]),
        .library(name: "VerityCore", targets: ["VerityCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            path: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .target(name: "PostgresClient", dependencies: ["CLibPQ"]),
        // Turns sql/*.sql into Swift string literals at build time, so that the binary
        // carries exactly the files a DBA reads and applies with psql.
        // (CLibPQ for SHA-256: each file's checksum is computed here, at build time.)
        .executableTarget(name: "EmbedMigrationsTool", dependencies: ["CLibPQ"]),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["EmbedMigrationsTool"]
        ),
        .target(
            name: "VerityCore",
            // CLibPQ also for SHA-256, from the libcrypto that libpq loads (CLibPQ/shim.h).
            dependencies: ["PostgresClient", "CLibPQ"],
            plugins: ["EmbedMigrations"]
        ),
        .target(
            name: "VerityCLI",
            dependencies: [
                "VerityCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "verity", dependencies: ["VerityCLI"]),
        .target(name: "VerityTestSupport", dependencies: ["VerityCore"]),
        .testTarget(
            name: "PostgresClientTests",
            dependencies: ["PostgresClient", "VerityTestSupport"]
        ),
        .testTarget(
            name: "VerityCoreTests",
            dependencies: ["VerityCore", "VerityTestSupport"]
        ),
        .testTarget(
            name: "VerityCLITests",
            dependencies: ["VerityCLI", "VerityTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
