import Foundation

/// Parses `node.conf`: `KEY=VALUE` lines, `#` comments and blank lines.
///
/// Stricter than a shell's env file on purpose: an unknown key or a line that
/// is not `KEY=VALUE` is an error with its line number, so a typo never
/// silently falls back to a default.
public enum ConfigFile {
    public static func parse(_ contents: String, path: String) throws(ConfigurationError) -> [String: String] {
        var values: [String: String] = [:]
        for (index, rawLine) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let location = "\(path):\(index + 1)"
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError(key: location, value: nil, reason: "expected KEY=VALUE, found '\(line)'")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            guard NodeConfiguration.knownKeyNames.contains(key) else {
                throw ConfigurationError(key: location, value: nil, reason: "unknown key '\(key)'; known keys: \(NodeConfiguration.keys.map(\.name).joined(separator: ", "))")
            }
            guard values[key] == nil else {
                throw ConfigurationError(key: location, value: nil, reason: "'\(key)' is set twice")
            }
            values[key] = value
        }
        return values
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws(ConfigurationError) -> [String: String] {
        let contents: String
        do {
            contents = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(key: path, value: nil, reason: "cannot read the configuration file (\(error.localizedDescription))")
        }
        return try parse(contents, path: path)
    }
}
