import TCPLabKernel
import TCPLabSystem
import Yams

extension Lab {
    /// What the kernel must offer for the lab's lesson to hold (`requires:` in the lab file):
    /// on a kernel without it the lab is skipped with the reason, not failed.
    public struct Requirements: Sendable, CustomStringConvertible {
        /// The oldest kernel release the lesson describes, as numbers: [6, 1] for "6.1".
        public var kernel: [Int]?
        /// Network sysctls that must exist in a network namespace (the lab reads or sets them).
        public var sysctls: [String] = []

        /// "kernel >= 6.1, sysctl net.ipv4.tcp_syn_linear_timeouts", for `tcplab list`.
        public var description: String {
            var parts: [String] = []
            if let kernel { parts.append("kernel >= " + kernel.map(String.init).joined(separator: ".")) }
            parts += sysctls.map { "sysctl \($0)" }
            return parts.joined(separator: ", ")
        }

        /// Why this kernel does not meet them, or nil when it does. Reads the running
        /// kernel's release and looks for each sysctl in the calling thread's namespace.
        public func unmet() -> String? {
            if let kernel {
                let release = (try? FileDescriptor.readAll("/proc/sys/kernel/osrelease"))
                    .map { String(decoding: $0, as: UTF8.self) } ?? ""
                let running = Self.version(release)
                if running.isEmpty { return "needs Linux \(kernel.map(String.init).joined(separator: ".")) or later; the running kernel's release could not be read" }
                // Missing components count as 0: 6.1 is 6.1.0.
                let width = max(kernel.count, running.count)
                let padded = { (numbers: [Int]) in numbers + Array(repeating: 0, count: width - numbers.count) }
                if padded(running).lexicographicallyPrecedes(padded(kernel)) {
                    return "needs Linux \(kernel.map(String.init).joined(separator: ".")) or later; this kernel is \(release.trimmingSpaces)"
                }
            }
            let missing = sysctls.filter { (try? Sysctl.read($0)) == nil }
            if !missing.isEmpty {
                return "this kernel has no sysctl \(missing.joined(separator: ", ")), which the lab needs"
            }
            return nil
        }

        /// The leading dotted numbers of a release ("6.18.0-rc1" is [6, 18, 0]), at most
        /// three, each at most 99999; empty when it starts with no number.
        static func version(_ text: String) -> [Int] {
            var numbers: [Int] = []
            for part in text.trimmingSpaces.split(separator: ".", maxSplits: 3, omittingEmptySubsequences: false).prefix(3) {
                let digits = part.prefix { $0.isASCII && $0.isNumber }
                guard !digits.isEmpty, digits.count <= 5, let number = Int(digits) else { break }
                numbers.append(number)
                if digits.count != part.count { break }
            }
            return numbers
        }
    }
}

extension LabFile {
    /// The `requires:` key: `kernel: "6.1"` and `sysctls: [net.ipv4...]`, either or both.
    static func requirements(_ node: Node, file: String) throws(LabFileError) -> Lab.Requirements {
        func fail(_ node: Node, _ message: String) -> LabFileError {
            LabFileError(file: file, line: node.mark?.line ?? 0, message: message)
        }
        guard case .mapping(let mapping) = node, !mapping.isEmpty else {
            throw fail(node, "'requires' is a mapping: kernel: \"6.1\" and/or sysctls: [net.ipv4.tcp_syn_linear_timeouts]")
        }
        var requirements = Lab.Requirements()
        var seen: Set<String> = []
        for (key, value) in mapping {
            let name = key.scalar?.string ?? ""
            guard seen.insert(name).inserted else { throw fail(key, "'\(name)' appears twice in requires") }
            switch name {
            case "kernel":
                let text = value.scalar?.string ?? ""
                let numbers = Lab.Requirements.version(text)
                guard !numbers.isEmpty, numbers.map(String.init).joined(separator: ".") == text else {
                    throw fail(value, "'requires.kernel' is a kernel release as numbers, quoted: \"6.1\" or \"5.15.0\", not '\(text)'")
                }
                requirements.kernel = numbers
            case "sysctls":
                var items: [Node] = [value]
                if case .sequence(let sequence) = value { items = Array(sequence) }
                for item in items {
                    let sysctl = item.scalar?.string ?? ""
                    guard sysctl.hasPrefix("net."), Sysctl.isWellFormed(sysctl) else {
                        throw fail(item, "'\(sysctl)' is not a network sysctl (net.ipv4..., net.core...); 'requires.sysctls' lists the ones that must exist")
                    }
                    requirements.sysctls.append(sysctl)
                }
            default:
                throw fail(key, "unknown key '\(name)' in requires; allowed: kernel, sysctls")
            }
        }
        return requirements
    }
}
