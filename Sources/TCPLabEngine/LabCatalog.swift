import TCPLabReport
import TCPLabSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The labs tcplab knows: the built-in ones (Labs/*.yaml, compiled into the binary) and any
/// lab file named by path.
public enum LabCatalog {
    /// The built-in labs' names, sorted.
    public static var names: [String] { builtInLabFiles.map { LabFile.name(ofPath: $0.file) } }

    /// Every built-in lab, parsed. A built-in lab that does not parse is a bug the tests catch.
    public static func builtIn() throws(LabFileError) -> [Lab] {
        var labs: [Lab] = []
        for (file, text) in builtInLabFiles {
            labs.append(try LabFile.parse(text, name: LabFile.name(ofPath: file), source: "Labs/\(file)"))
        }
        return labs
    }

    /// The lab for `argument`: a built-in name ("half-close"), or a path to a lab file
    /// (anything with a '/', ending in .yaml, or naming a file that exists).
    public static func lab(_ argument: String) throws(LabFileError) -> Lab {
        let isBuiltIn = builtInLabFiles.contains { LabFile.name(ofPath: $0.file) == argument }
        if argument.contains("/") || argument.hasSuffix(".yaml") || argument.hasSuffix(".yml") || (!isBuiltIn && access(argument, F_OK) == 0) {
            let text: String
            do throws(SystemCallError) {
                text = try readText(argument)
            } catch {
                throw LabFileError(file: argument, line: 0, message: "cannot read the lab file: \(error.errno.message) (\(error.errno.name))")
            }
            return try LabFile.parse(text, name: LabFile.name(ofPath: argument), source: argument)
        }
        guard let entry = builtInLabFiles.first(where: { LabFile.name(ofPath: $0.file) == argument }) else {
            throw LabFileError(file: argument, line: 0, message: "no such lab; built-in labs: \(names.joined(separator: ", ")) (or give a path to a .yaml lab file)")
        }
        return try LabFile.parse(entry.text, name: argument, source: "Labs/\(entry.file)")
    }

    static func readText(_ path: String) throws(SystemCallError) -> String {
        guard let text = String(validating: try FileDescriptor.readAll(path), as: UTF8.self) else {
            throw SystemCallError(call: "read(\(path))", errno: Errno(rawValue: EILSEQ))
        }
        return text
    }
}
