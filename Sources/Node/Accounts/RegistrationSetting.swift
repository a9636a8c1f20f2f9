import Foundation
import Storage

/// The registration mode in force: the one an administrator set from the
/// pages (stored in the database), else the one `node.conf` configures.
/// Sign-up (API and page), the pages, the node summary and NodeInfo all
/// ask here, so a change takes effect at once everywhere.
extension NodeDatabase {
    static let registrationModeKey = "registrationMode"

    func registrationMode(configured: NodeConfiguration.RegistrationMode) async throws -> NodeConfiguration.RegistrationMode {
        Self.registrationMode(stored: try await setting(Self.registrationModeKey), configured: configured)
    }

    /// The mode in force given the stored setting (for a caller that read it with other things).
    static func registrationMode(stored: String?, configured: NodeConfiguration.RegistrationMode) -> NodeConfiguration.RegistrationMode {
        stored.flatMap(NodeConfiguration.RegistrationMode.init(rawValue:)) ?? configured
    }

    /// Sets the mode (`nil` returns to the configured one); only an administrator of this node may.
    func setRegistrationMode(_ mode: NodeConfiguration.RegistrationMode?, by account: Account) async throws {
        guard account.isAdmin else { throw ServiceError(.forbidden, "only node administrators may change the registration mode") }
        try await saveSetting(Self.registrationModeKey, value: mode?.rawValue, by: account.id)
    }
}
