import ArgumentParser
import Foundation
import Storage

/// `meent user …`: manage the accounts of this node.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage accounts.",
        subcommands: [Create.self, List.self, Show.self, Disable.self, Enable.self, Delete.self, ResetPassword.self, Promote.self, Demote.self])

    /// Reads a password from standard input (first line), for scripts.
    static func readPasswordFromStandardInput() -> String? {
        readLine(strippingNewline: true)
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account; prints a generated password unless --password-stdin is given.")
        @OptionGroup var options: NodeOptions
        @Argument(help: "Username (lowercase letters, digits, '.', '_', '-').") var username: String
        @Option(help: "E-mail address.") var email: String?
        @Option(name: .customLong("display-name"), help: "Name shown to others.") var displayName: String?
        @Flag(help: "Make the account a node administrator.") var admin = false
        @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input.") var passwordFromStandardInput = false

        func run() async throws {
            try await reportingErrors {
                let services = try options.openServices()
                var password = SecretToken.makePassword()
                if passwordFromStandardInput {
                    guard let typed = UserCommand.readPasswordFromStandardInput() else { CLI.fail("no password on standard input") }
                    password = typed
                }
                let account = try await services.accounts.createByAdministrator(
                    .init(username: username, email: email, password: password, displayName: displayName), role: admin ? .admin : .user)
                CLI.print("Created \(account.role == .admin ? "administrator" : "user") \(account.username).")
                if !passwordFromStandardInput { CLI.print("Password: \(password)") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var options: NodeOptions
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            try await reportingErrors {
                let services = try options.openServices()
                var all: [Account] = []
                var after: Int64 = 0
                while true {
                    let page = try await services.database.accounts(after: after, limit: 500)
                    all += page
                    guard let last = page.last?.id, page.count == 500 else { break }
                    after = last
                }
                if json {
                    let encoder = JSONEncoder()
                    encoder.dateEncodingStrategy = .iso8601
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    CLI.print(String(decoding: try encoder.encode(all.map(AccountView.init)), as: UTF8.self))
                    return
                }
                CLI.print(pad("USERNAME", 30) + pad("ROLE", 7) + pad("STATUS", 10) + "EMAIL")
                for account in all {
                    CLI.print(pad(account.username, 30) + pad(account.role.rawValue, 7) + pad(account.isDisabled ? "disabled" : "active", 10) + (account.email ?? "-"))
                }
                CLI.print("\(all.count) account\(all.count == 1 ? "" : "s")")
            }
        }

        private func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one account and its profile.")
        @OptionGroup var options: NodeOptions
        @Argument var username: String

        func run() async throws {
            try await reportingErrors {
                let services = try options.openServices()
                let account = try await services.accounts.account(username: username)
                let profile = try await services.profiles.view(of: account, by: .account(account))
                CLI.print("""
                    username:     \(account.username)
                    name:         \(profile.displayName)
                    email:        \(account.email ?? "-")
                    role:         \(account.role.rawValue)
                    status:       \(account.isDisabled ? "disabled" : "active")
                    created:      \(account.createdAt.formatted(.iso8601))
                    organisation: \(profile.organisation.isEmpty ? "-" : profile.organisation)
                    job title:    \(profile.jobTitle.isEmpty ? "-" : profile.jobTitle)
                    profile:      \(profile.url)
                    """)
                for field in profile.fields {
                    CLI.print("\(field.label): \(field.value) (\(field.visibility?.rawValue ?? "-"))")
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account: it can no longer sign in and its sessions end.")
        @OptionGroup var options: NodeOptions
        @Argument var username: String

        func run() async throws {
            try await reportingErrors {
                let services = try options.openServices()
                let account = try await services.accounts.setDisabled(try await services.accounts.account(username: username), true)
                CLI.print("Disabled \(account.username).")
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account.")
        @OptionGroup var options: NodeOptions
        @Argument var username: String

        func run() async throws {
            try await reportingErrors {
                let services = try options.openServices()
                let account = try await services.accounts.setDisabled(try await services.accounts.account(username: username), false)
                CLI.print("Enabled \(account.username).")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an account with its profile, sessions and tokens.")
        @OptionGroup var options: NodeOptions
        @Argument var username: String
        @Flag(help: "Confirm the deletion; it cannot be undone.") var yes = false

        func run() async throws {
            try await reportingErrors {
                guard yes else { CLI.fail("deleting \(username) cannot be undone; add --yes to confirm") }
                let services = try options.openServices()
                try await services.deleteAccount(try await services.accounts.account(username: username))
                CLI.print("Deleted \(username).")
            }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password", abstract: "Set a new password (generated and printed unless --password-stdin); ends all sessions.")
        @OptionGroup var options: NodeOptions
        @Argument var username: String
        @Flag(name: .customLong("password-stdin"), help: "Read the new password from standard input.") var passwordFromStandardInput = false

        func run() async throws {
            try await reportingErrors {
                let services = try options.openServices()
                let account = try await services.accounts.account(username: username)
                var password: String?
                if passwordFromStandardInput {
                    guard let typed = UserCommand.readPasswordFromStandardInput() else { CLI.fail("no password on standard input") }
                    password = typed
                }
                let set = try await services.accounts.resetPassword(accountId: account.id!, to: password)
                CLI.print("Password of \(account.username) changed.")
                if !passwordFromStandardInput { CLI.print("Password: \(set)") }
            }
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an account a node administrator.")
        @OptionGroup var options: NodeOptions
        @Argument var username: String

        func run() async throws {
            try await reportingErrors {
                let services = try options.openServices()
                let account = try await services.accounts.setRole(try await services.accounts.account(username: username), .admin)
                CLI.print("\(account.username) is now an administrator.")
            }
        }
    }

    struct Demote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an administrator an ordinary user.")
        @OptionGroup var options: NodeOptions
        @Argument var username: String

        func run() async throws {
            try await reportingErrors {
                let services = try options.openServices()
                let account = try await services.accounts.setRole(try await services.accounts.account(username: username), .user)
                CLI.print("\(account.username) is now an ordinary user.")
            }
        }
    }
}
