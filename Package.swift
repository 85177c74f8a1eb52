// swift-tools-version:6.0
//
// TCPLab: learn and test the TCP connection lifecycle on real Linux sockets.
//
// Modules, one job each:
//   CPcap           libpcap, as a system library (pkg-config "libpcap").
//   CTCPLabShims    declarations glibc hides behind _GNU_SOURCE (unshare, CLONE_NEWNET).
//   TCPLabSystem    the one system-call wrapper: EINTR retry, typed errno, file descriptors.
//   TCPLabIsolation a fresh network namespace with its own lo, per call.
//   TCPLabPacket    decoding link, IP and TCP headers into value types.
//   TCPLabCapture   capture files (pcap, pcapng; read and write) and live libpcap capture.
//   TCPLabAnalysis  connections, relative numbers, labels, per-endpoint TCP states, summaries.
//   TCPLabReport    rendering an analysis as a ladder diagram or JSON lines.
//   tcplab          the command-line tool.
import PackageDescription

let package = Package(
    name: "TCPLab",
    products: [
        .executable(name: "tcplab", targets: ["tcplab"]),
        .library(name: "TCPLabAnalysis", targets: ["TCPLabAnalysis"]),
        .library(name: "TCPLabCapture", targets: ["TCPLabCapture"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        .target(name: "CTCPLabShims"),
        .target(name: "TCPLabSystem"),
        .target(name: "TCPLabIsolation", dependencies: ["CTCPLabShims", "TCPLabSystem"]),
        .target(name: "TCPLabPacket"),
        .target(
            name: "TCPLabCapture",
            dependencies: ["CPcap", "TCPLabSystem", "TCPLabPacket"]
        ),
        .target(
            name: "TCPLabAnalysis",
            dependencies: [
                "TCPLabPacket",
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "TCPLabReport",
            dependencies: ["TCPLabAnalysis", "TCPLabPacket"]
        ),
        .executableTarget(
            name: "tcplab",
            dependencies: [
                "TCPLabCapture", "TCPLabAnalysis", "TCPLabReport", "TCPLabSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "tcplab-benchmark",
            dependencies: [
                "TCPLabCapture", "TCPLabPacket", "TCPLabSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "TCPLabTests",
            dependencies: [
                "TCPLabCapture", "TCPLabAnalysis", "TCPLabReport", "TCPLabPacket", "TCPLabSystem", "TCPLabIsolation",
            ]
        ),
    ]
)
