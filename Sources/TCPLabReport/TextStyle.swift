/// ANSI colours for a terminal, or nothing.
///
/// Colour is used only when standard output is a terminal and NO_COLOR is unset
/// (https://no-color.org); ``plain`` is the style for files and pipes.
public struct TextStyle: Sendable {
    /// Whether escapes are written.
    public let isEnabled: Bool

    /// A style that colours when `isEnabled`.
    public init(isEnabled: Bool) { self.isEnabled = isEnabled }

    /// No colour.
    public static let plain = TextStyle(isEnabled: false)

    /// The text in bold when enabled.
    public func bold(_ text: String) -> String { wrap(text, "1") }
    /// The text in dim when enabled.
    public func dim(_ text: String) -> String { wrap(text, "2") }
    /// The text in red when enabled.
    public func red(_ text: String) -> String { wrap(text, "31") }
    /// The text in green when enabled.
    public func green(_ text: String) -> String { wrap(text, "32") }
    /// The text in yellow when enabled.
    public func yellow(_ text: String) -> String { wrap(text, "33") }
    /// The text in cyan when enabled.
    public func cyan(_ text: String) -> String { wrap(text, "36") }

    private func wrap(_ text: String, _ code: String) -> String {
        isEnabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
