#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The process environment (environ(7)).
public enum Environment {
    /// The value of `name`, or nil when it is unset (getenv(3)).
    public static func value(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// Whether standard output should be coloured: it is a terminal and NO_COLOR is unset or
    /// empty (https://no-color.org).
    public static var wantsColourOnStandardOutput: Bool {
        FileDescriptor.standardOutput.isTerminal && (value("NO_COLOR") ?? "").isEmpty
    }
}
