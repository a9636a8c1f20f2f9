import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// `meent serve`: start the node, creating its data, keys and administrator on first start.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Start the node (the default command).")

    @OptionGroup var options: NodeOptions

    func run() async throws {
        try await reportingErrors {
            let configuration = try options.load()
            LogSetup.bootstrap(format: configuration.logFormat, level: configuration.logLevel)
            let logger = {
                var logger = Logger(label: "meent")
                logger.logLevel = configuration.logLevel
                return logger
            }()
            let services = try NodeServices(configuration: configuration)
            if let admin = try await FirstStart.run(services) {
                AdminLoginBanner.print(admin, configuration: configuration)
            }
            let started = NIOLockedValueBox(false)
            let app = try await NodeApplication.build(services: services, logger: logger) {
                started.withLockedValue { $0 = true }
                logger.info("node is serving", metadata: ["url": "\(configuration.baseURL.absoluteString)", "listen": "\(configuration.listenHost):\(configuration.listenPort)"])
            }
            let group = ServiceGroup(configuration: .init(
                services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            do {
                try await group.run()
            } catch {
                if !started.withLockedValue({ $0 }) {
                    let reason = "\(error)".contains("Address already in use") ? "the address is already in use" : "\(error)"
                    CLI.fail("cannot listen on \(configuration.listenHost):\(configuration.listenPort): \(reason)")
                }
                throw error
            }
            // Every request has finished; fold the write-ahead log into the database file.
            try? services.database.checkpoint()
            logger.info("node stopped")
        }
    }
}

/// Prints the first administrator's login, once, where the operator sees it.
enum AdminLoginBanner {
    static func print(_ admin: FirstStart.AdminLogin, configuration: NodeConfiguration) {
        CLI.print("""

            ================================================================
             Meent node created. Administrator login (shown only this once):
               URL:      \(configuration.baseURL.absoluteString)/login
               username: \(admin.username)
               password: \(admin.password)
             Change it with `meent user reset-password \(admin.username)`.
            ================================================================

            """)
    }
}
