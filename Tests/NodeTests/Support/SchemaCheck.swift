import Foundation

/// Validates JSON against a schema from `../shared/reference/` with Python's
/// `jsonschema` (installed into `.venv` by `make test`).
enum SchemaCheck {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func validate(json: String, schema: String) throws {
        let root = repositoryRoot
        let schemaURL = root.deletingLastPathComponent().appendingPathComponent("shared/reference/\(schema)")
        guard FileManager.default.fileExists(atPath: schemaURL.path) else { throw TestFailure("schema \(schemaURL.path) is missing") }
        let python = root.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw TestFailure("\(python.path) is missing: run `make test-deps` (make test does) to install jsonschema")
        }
        let document = FileManager.default.temporaryDirectory.appendingPathComponent("doc-\(UUID().uuidString).json")
        try json.write(to: document, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
                             document.path, schemaURL.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw TestFailure("the document does not match \(schema):\n\(message.suffix(2000))")
        }
    }
}
