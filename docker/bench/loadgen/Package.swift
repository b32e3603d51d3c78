// swift-tools-version: 6.1
import PackageDescription

/// kv-loadgen: the open-loop (fixed-rate) load generator of docker/bench/openloop.py.
/// Plain POSIX sockets + epoll + timerfd (a small C shim), no package dependencies, so it builds in about a minute and
/// stays out of the server's package. Linux only.
let package = Package(
    name: "kv-loadgen",
    targets: [
        .target(name: "CLinuxShim"),
        .executableTarget(
            name: "kv-loadgen",
            dependencies: ["CLinuxShim"],
            swiftSettings: [.swiftLanguageMode(.v6), .unsafeFlags(["-Ounchecked"])]
        )
    ]
)
