// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for every decoder that reads bytes from outside (Tests/Fuzz/README.md).
// A package of its own, so that the main package's `swift build` never builds them. Build
// with `Tests/Fuzz/run.sh`, which passes `--sanitize fuzzer -Xswiftc -sanitize=fuzzer,address`.

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

/// One executable per decoder; each defines `LLVMFuzzerTestOneInput`.
func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport"] + dependencies, swiftSettings: swiftSettings)
}

let kv = { (name: String) -> Target.Dependency in .product(name: name, package: "kv") }
let nio = { (name: String) -> Target.Dependency in .product(name: name, package: "swift-nio") }

let package = Package(
    name: "kv-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named, so that the dependency does not take the name of the checkout's directory.
        .package(name: "kv", path: "../.."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
    ],
    targets: [
        .target(name: "FuzzSupport", swiftSettings: swiftSettings),
        fuzzTarget("FuzzRESPCommand", [kv("KVCore"), kv("KVWire"), nio("NIOCore")]),
        fuzzTarget("FuzzRESPValue", [kv("KVWire"), nio("NIOCore")]),
        fuzzTarget("FuzzLogRecord", [kv("KVCore"), kv("KVStorage")]),
        fuzzTarget("FuzzSegment", [kv("KVCore"), kv("KVStorage")]),
        fuzzTarget("FuzzSnapshot", [kv("KVCore"), kv("KVStorage")]),
        fuzzTarget("FuzzCloneWriter", [kv("KVCore"), kv("KVStorage")]),
        fuzzTarget("FuzzReplicationStream", [
            kv("KVCore"), kv("KVStorage"), kv("KVReplication"), kv("KVReplicationWire"), kv("KVServer"),
            nio("NIOCore"), nio("NIOEmbedded"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        fuzzTarget("FuzzStreamAck", [kv("KVCore"), kv("KVReplicationWire")]),
        fuzzTarget("FuzzValuePayload", [kv("KVCore")]),
        fuzzTarget("FuzzHTTP", [
            kv("KVCore"), kv("KVStorage"), kv("KVServer"), nio("NIOCore"), nio("NIOEmbedded"), nio("NIOHTTP1"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ]
)
