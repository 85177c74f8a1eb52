/// A mistake in a lab file, with where it is.
public struct LabFileError: Error, CustomStringConvertible, Sendable {
    /// The file.
    public var file: String
    /// Line, from 1; 0 when the mistake is the file as a whole.
    public var line: Int
    /// What is wrong.
    public var message: String

    /// Makes an error.
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// "Labs/half-close.yaml:12: unknown step key 'wiat' (...)", the form compilers use.
    public var description: String {
        line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
    }
}
