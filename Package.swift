// swift-tools-version:6.0
//
// TCPLab: learn and test the TCP connection lifecycle on real Linux sockets.
//
// Modules, one job each:
//   CPcap           libpcap, as a system library (pkg-config "libpcap").
//   CTCPLabShims    declarations glibc hides (unshare, CLONE_NEWNET, capget, capset) and
//                   the Linux netlink and capability headers.
//   TCPLabSystem    the one system-call wrapper: EINTR retry, typed errno, file descriptors,
//                   child processes.
//   TCPLabIsolation a fresh network namespace with its own lo, per call; the user namespace
//                   for ordinary users; capabilities dropped per thread.
//   TCPLabPacket    decoding link, IP and TCP headers into value types.
//   TCPLabCapture   capture files (pcap, pcapng; read and write) and live libpcap capture.
//   TCPLabAnalysis  connections, relative numbers, labels, per-endpoint TCP states, summaries.
//   TCPLabReport    every output: an inspection (ladder, JSON lines, summaries, HTML) and a
//                   run of labs (LabResult: text, JSON, HTML), as sibling renderers; annotated pcapng.
//   TCPLabKernel    what the kernel says: sock_diag sockets, netstat/snmp counters, sysctls.
//   CBPF            libbpf, as a system library (pkg-config "libbpf").
//   CTCPLabKernelLog the kernel log's BPF program, compiled by BPF/generate and embedded,
//                   and the layout of its events.
//   TCPLabKernelLog the kernel's own log of a namespace's TCP sockets, recorded with eBPF.
//   TCPLabSocket    real TCP sockets with deadlines (poll), typed options and errors.
//   TCPLabPeer      the scripted peer: segments crafted by hand through a TUN device.
//   TCPLabEngine    lab files (YAML), the runner, results; the built-in labs embedded.
//   tcplab          the command-line tool.
//   EmbedLabs       build plugin: compiles Labs/*.yaml into the engine, so an installed
//                   binary carries its labs (tcplab-embed-labs does the work).
import PackageDescription

let package = Package(
    name: "TCPLab",
    products: [
        .executable(name: "tcplab", targets: ["tcplab"]),
        .library(name: "TCPLabAnalysis", targets: ["TCPLabAnalysis"]),
        .library(name: "TCPLabCapture", targets: ["TCPLabCapture"]),
        // For the fuzz targets (Fuzz/), a package of their own that depends on this one.
        .library(name: "TCPLabPacket", targets: ["TCPLabPacket"]),
        .library(name: "TCPLabReport", targets: ["TCPLabReport"]),
        .library(name: "TCPLabSystem", targets: ["TCPLabSystem"]),
        .library(name: "TCPLabEngine", targets: ["TCPLabEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        .target(name: "CTCPLabShims"),
        .target(name: "TCPLabSystem", dependencies: ["CTCPLabShims"]),
        .target(name: "TCPLabIsolation", dependencies: ["CTCPLabShims", "TCPLabSystem"]),
        .target(
            name: "TCPLabPacket",
            dependencies: [.product(name: "DequeModule", package: "swift-collections")]
        ),
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
            dependencies: ["TCPLabAnalysis", "TCPLabCapture", "TCPLabPacket", "TCPLabKernel", "TCPLabKernelLog"]
        ),
        .target(
            name: "TCPLabKernel",
            dependencies: ["CTCPLabShims", "TCPLabSystem", "TCPLabPacket", "TCPLabAnalysis"]
        ),
        .systemLibrary(
            name: "CBPF",
            pkgConfig: "libbpf",
            providers: [.apt(["libbpf-dev"])]
        ),
        .target(name: "CTCPLabKernelLog"),
        .target(
            name: "TCPLabKernelLog",
            dependencies: ["CBPF", "CTCPLabKernelLog", "TCPLabSystem", "TCPLabPacket", "TCPLabAnalysis"]
        ),
        .target(name: "TCPLabSocket", dependencies: ["TCPLabSystem", "TCPLabPacket"]),
        .target(name: "TCPLabPeer", dependencies: ["CTCPLabShims", "TCPLabSystem", "TCPLabPacket"]),
        .target(
            name: "TCPLabEngine",
            dependencies: [
                "TCPLabAnalysis", "TCPLabCapture", "TCPLabIsolation", "TCPLabKernel", "TCPLabKernelLog", "TCPLabPacket",
                "TCPLabPeer", "TCPLabReport", "TCPLabSocket", "TCPLabSystem",
                .product(name: "Yams", package: "Yams"),
            ],
            plugins: ["EmbedLabs"]
        ),
        .executableTarget(name: "tcplab-embed-labs"),
        .plugin(name: "EmbedLabs", capability: .buildTool(), dependencies: ["tcplab-embed-labs"]),
        .executableTarget(
            name: "tcplab",
            dependencies: [
                "TCPLabCapture", "TCPLabAnalysis", "TCPLabReport", "TCPLabSystem", "TCPLabEngine",
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
                "TCPLabKernel", "TCPLabKernelLog", "TCPLabSocket", "TCPLabEngine", "TCPLabPeer",
            ]
        ),
    ]
)
