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
        let errors = try SpawnedProcess.pipe()
        let process: SpawnedProcess
        do {
            defer { close(errors.write) }
            process = try SpawnedProcess(
                executable: python.path,
                arguments: ["-c", "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
                            document.path, schemaURL.path],
                environment: ["PATH": "/usr/bin:/bin"], directory: nil, input: nil, output: errors.write)
        }
        let reader = FileHandle(fileDescriptor: errors.read, closeOnDealloc: true)
        let messageData = reader.readDataToEndOfFile()
        while process.isRunning { usleep(10_000) }
        guard process.terminationStatus == 0 else {
            let message = String(decoding: messageData, as: UTF8.self)
            throw TestFailure("the document does not match \(schema):\n\(message.suffix(2000))")
        }
    }
}
