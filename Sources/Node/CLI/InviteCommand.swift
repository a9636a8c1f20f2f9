import ArgumentParser
import Foundation

/// `meent invite …`: invitations for nodes in the invite-only registration mode.
struct InviteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invite", abstract: "Manage registration invitations.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an invitation code and sign-up link.")
        @OptionGroup var options: NodeOptions
        @Option(help: "The address the invitation is for (informative).") var email: String?
        @Option(help: "Days the invitation stays valid (1-365).") var days = 14

        func run() async throws {
            try await reportingErrors {
                let configuration = try options.load()
                let services = try NodeServices(configuration: configuration)
                let (code, invite) = try await services.accounts.createInvite(by: nil, email: email, validDays: days)
                CLI.print("Invitation \(invite.id!) valid until \(invite.expiresAt.formatted(.iso8601)):")
                CLI.print("  code: \(code)")
                CLI.print("  link: \(configuration.baseURL.absoluteString)/signup?invite=\(code)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List invitations.")
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let services = try options.openServices()
                let now = Date()
                for invite in try await services.database.invites() {
                    let state = invite.usedAt != nil ? "used" : invite.expiresAt <= now ? "expired" : "open"
                    CLI.print("\(invite.id!)\t\(state)\t\(invite.expiresAt.formatted(.iso8601))\t\(invite.email ?? "-")")
                }
            }
        }
    }
}
