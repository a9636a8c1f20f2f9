import ArgumentParser
import Foundation

/// `meent init`: create the data directory, database, keys and first administrator without serving.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create the node's data, keys and administrator.")

    @OptionGroup var options: NodeOptions

    func run() async throws {
        try await reportingErrors {
            let configuration = try options.load()
            let services = try NodeServices(configuration: configuration)
            if let admin = try await FirstStart.run(services) {
                AdminLoginBanner.print(admin, configuration: configuration)
            } else {
                CLI.print("The node in \(configuration.dataDirectory.path) is already set up; nothing to do.")
            }
        }
    }
}
