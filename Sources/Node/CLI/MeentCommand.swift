import ArgumentParser
import Foundation
import Storage

/// `meent`: run and manage a Meent node.
public struct MeentCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "meent",
        abstract: "Run and manage a Meent node: federated collaboration for the public sector.",
        version: MeentVersion.current,
        subcommands: [ServeCommand.self, InitCommand.self, UserCommand.self, InviteCommand.self, PeerCommand.self, QueueCommand.self, LedgerCommand.self, CheckCommand.self, DevCommand.self],
        defaultSubcommand: ServeCommand.self)

    public init() {}
}

/// Options every command shares: where the configuration is, and overrides
/// of its most common keys.
struct NodeOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (KEY=VALUE lines). Default: ./node.conf when it exists; also MEENT_CONFIG.")
    var config: String?

    @Option(name: .customLong("data-dir"), help: "Overrides DATA_DIR.")
    var dataDirectory: String?

    @Option(name: .customLong("listen-host"), help: "Overrides LISTEN_HOST.")
    var listenHost: String?

    @Option(name: .customLong("listen-port"), help: "Overrides LISTEN_PORT.")
    var listenPort: String?

    @Option(name: .customLong("base-url"), help: "Overrides BASE_URL.")
    var baseURL: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Overrides any key.", valueName: "KEY=VALUE"))
    var settings: [String] = []

    /// Opens the node's data with the configuration these options give.
    func openServices() throws -> NodeServices {
        try NodeServices(configuration: try load())
    }

    /// Reads and validates the configuration from file, environment and these flags.
    func load() throws(ConfigurationError) -> NodeConfiguration {
        let environment = ProcessInfo.processInfo.environment
        var fileValues: [String: String] = [:]
        if let path = config ?? environment["MEENT_CONFIG"] {
            fileValues = try ConfigFile.load(path: path)
        } else if FileManager.default.fileExists(atPath: "node.conf") {
            fileValues = try ConfigFile.load(path: "node.conf")
        }
        var overrides: [String: String] = [:]
        for setting in settings {
            guard let equals = setting.firstIndex(of: "=") else {
                throw ConfigurationError(key: "--set", value: setting, reason: "expected KEY=VALUE")
            }
            let key = String(setting[..<equals])
            guard NodeConfiguration.knownKeyNames.contains(key) else {
                throw ConfigurationError(key: "--set", value: setting, reason: "unknown key '\(key)'")
            }
            overrides[key] = String(setting[setting.index(after: equals)...])
        }
        overrides["DATA_DIR"] = dataDirectory ?? overrides["DATA_DIR"]
        overrides["LISTEN_HOST"] = listenHost ?? overrides["LISTEN_HOST"]
        overrides["LISTEN_PORT"] = listenPort ?? overrides["LISTEN_PORT"]
        overrides["BASE_URL"] = baseURL ?? overrides["BASE_URL"]
        return try NodeConfiguration.load(fileValues: fileValues, environment: environment, overrides: overrides)
    }
}

/// Runs a command body, turning the errors people can act on into one line
/// on standard error and exit status 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ConfigurationError {
        CLI.fail("configuration: \(error)")
    } catch let error as ServiceError {
        CLI.fail(error.message)
    } catch let error as StorageError {
        CLI.fail(error.description)
    }
}

enum CLI {
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("meent: \(message)\n".utf8))
        Foundation.exit(1)
    }

    /// Prints a line on standard output and flushes it, so that an operator
    /// or a supervising process sees it at once even when output is a pipe.
    static func print(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
