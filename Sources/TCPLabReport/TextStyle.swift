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

    func bold(_ text: String) -> String { wrap(text, "1") }
    func dim(_ text: String) -> String { wrap(text, "2") }
    func red(_ text: String) -> String { wrap(text, "31") }
    func green(_ text: String) -> String { wrap(text, "32") }
    func yellow(_ text: String) -> String { wrap(text, "33") }
    func cyan(_ text: String) -> String { wrap(text, "36") }

    private func wrap(_ text: String, _ code: String) -> String {
        isEnabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
