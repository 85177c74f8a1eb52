// swift-tools-version:6.0
//
// libFuzzer targets for TCPLab, in a package of their own so that the main package's
// `swift build` and `swift test` never see the sanitizer flags. Built and run by Fuzz/run.
//
//   fuzz-capture  bytes as a capture file, through reading, decoding, analysis and every
//                 output `tcplab inspect` has (ladder, JSON lines, annotated pcapng).
//   fuzz-labfile  bytes as a lab file, through the parsing and checks `tcplab run` does
//                 before anything runs: a Lab or a file:line: error, nothing executed.
import PackageDescription

let package = Package(
    name: "TCPLabFuzz",
    dependencies: [
        // The main package, through a symlink Fuzz/run makes (work/TCPLab -> ../..): a path
        // dependency takes its identity from its directory's name, which must not be this
        // package's ("fuzz"), whatever the checkout is called.
        .package(path: "work/TCPLab"),
    ],
    targets: [
        // LLVMFuzzerRunDriver, declared: SwiftPM links every executable with a main of its
        // own, so each target's main.swift hands its LLVMFuzzerTestOneInput to libFuzzer.
        .target(name: "CLibFuzzer"),
        .executableTarget(
            name: "fuzz-capture",
            dependencies: [
                "CLibFuzzer",
                .product(name: "TCPLabAnalysis", package: "TCPLab"),
                .product(name: "TCPLabCapture", package: "TCPLab"),
                .product(name: "TCPLabPacket", package: "TCPLab"),
                .product(name: "TCPLabReport", package: "TCPLab"),
                .product(name: "TCPLabSystem", package: "TCPLab"),
            ]
        ),
        .executableTarget(
            name: "fuzz-labfile",
            dependencies: [
                "CLibFuzzer",
                .product(name: "TCPLabEngine", package: "TCPLab"),
            ]
        ),
    ]
)
