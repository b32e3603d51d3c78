// swift-tools-version: 6.1
import PackageDescription

/// One settings array for every target: Swift 6 language mode, strict concurrency.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "kv",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kv-server", targets: ["kv-server"]),
        .executable(name: "kv-cli", targets: ["kv-cli"]),
        .library(name: "KVCore", targets: ["KVCore"]),
        .library(name: "KVStorage", targets: ["KVStorage"]),
        .library(name: "KVReplication", targets: ["KVReplication"]),
        .library(name: "KVWire", targets: ["KVWire"]),
        .library(name: "KVReplicationWire", targets: ["KVReplicationWire"]),
        .library(name: "KVClient", targets: ["KVClient"]),
        .library(name: "KVClientTLS", targets: ["KVClientTLS"]),
        .library(name: "KVScripting", targets: ["KVScripting"]),
        .library(name: "KVServer", targets: ["KVServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // TLS for clients and replication (optional at run time; BoringSSL inside).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
    ],
    targets: [
        // Layer 1 — the data model: keyspace, commands, expiry. No NIO, no files, no clock of its own.
        .target(name: "KVCore", swiftSettings: swiftSettings),
        // Layer 2 — durability: write log, snapshots, recovery. Files only; no sockets.
        .target(name: "KVStorage", dependencies: ["KVCore"], swiftSettings: swiftSettings),
        // Layer 2½ — replication state machines: clone/stream decisions, acks, backoff. No sockets, no files, no clock.
        .target(name: "KVReplication", dependencies: ["KVCore"], swiftSettings: swiftSettings),
        // Layer 3 — bytes on the wire: RESP parsing and encoding (NIOCore only).
        .target(
            name: "KVWire",
            dependencies: ["KVCore", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        // Layer 3½ — the replication protocol's bytes, in one place: what pods send each other
        // (KV.CLONE, KV.STREAM, KV.ACK, the answer lines, the stream's frames). A target of its
        // own rather than part of KVWire: record frames are KVStorage's and `-KVRESYNC` carries
        // KVReplication's `ResyncReason`, which KVWire (RESP only; kv-cli uses it) must not need.
        .target(
            name: "KVReplicationWire",
            dependencies: [
                "KVCore", "KVStorage", "KVReplication", "KVWire",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Layer 3¾ — the one request/response RESP client: what a pod asks a peer and what kv-cli
        // asks a pod (pipelined commands → replies, timeouts, AUTH, TLS through a protocol so
        // that it builds without a TLS library). Sockets (NIOPosix), hence apart from KVWire.
        .target(
            name: "KVClient",
            dependencies: [
                "KVWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The client's TLS (swift-nio-ssl): CA verification and host name check. Apart from
        // KVClient so that KVServer, which uses KVClient, builds without BoringSSL.
        .target(
            name: "KVClientTLS",
            dependencies: [
                "KVClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // The C library calls Swift's Glibc module does not expose (malloc statistics).
        .target(name: "CKVSystem"),
        // Lua 5.1 from Debian's liblua5.1-0-dev: the one C library kv links (scripting, as Redis
        // embeds it; docs/architecture.md). A system library, found through pkg-config.
        .systemLibrary(name: "CLua", pkgConfig: "lua5.1", providers: [.apt(["liblua5.1-0-dev"])]),
        // Layer 1½ — scripting: the Lua interpreter, Redis's sandbox and `redis` API, cjson and bit.
        .target(name: "KVScripting", dependencies: ["KVCore", "CLua"], swiftSettings: swiftSettings),
        // Layer 4 — the shell: listeners, HTTP, lifecycle; turns the layers below into IO.
        .target(
            name: "KVServer",
            dependencies: [
                "KVCore", "KVStorage", "KVWire", "KVReplication", "KVReplicationWire", "KVClient", "CKVSystem", "KVScripting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // TLS for the shell (swift-nio-ssl, BoringSSL inside), apart so that KVServer builds
        // without a TLS library: the executable plugs it in (`TransportSecurity`).
        .target(
            name: "KVTLS",
            dependencies: [
                "KVServer", "KVClientTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Layer 5 — thin executables.
        .executableTarget(
            name: "kv-server",
            dependencies: [
                "KVServer", "KVTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "kv-cli",
            dependencies: [
                "KVWire", "KVClient", "KVClientTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test support: a manual clock, argument builders, a process harness for the real binary.
        .target(name: "KVTestKit", dependencies: ["KVCore"], swiftSettings: swiftSettings),

        .testTarget(name: "KVCoreTests", dependencies: ["KVCore", "KVTestKit"], swiftSettings: swiftSettings),
        .testTarget(name: "KVScriptingTests", dependencies: ["KVScripting", "KVTestKit"], swiftSettings: swiftSettings),
        .testTarget(name: "KVReplicationTests", dependencies: ["KVReplication", "KVTestKit"], swiftSettings: swiftSettings),
        .testTarget(name: "KVStorageTests", dependencies: ["KVStorage", "KVTestKit"], swiftSettings: swiftSettings),
        .testTarget(
            name: "KVWireTests",
            dependencies: [
                "KVWire", "KVTestKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KVReplicationWireTests",
            dependencies: [
                "KVReplicationWire", "KVCore", "KVStorage", "KVReplication", "KVWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KVClientTests",
            dependencies: [
                "KVClient", "KVWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KVServerTests",
            dependencies: [
                "KVServer", "KVTestKit", "kv-server", "KVClient", "KVClientTLS",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
