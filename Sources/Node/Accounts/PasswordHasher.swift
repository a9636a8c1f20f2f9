import HummingbirdBcrypt
import NIOConcurrencyHelpers
import NIOPosix

/// bcrypt hashing and checking, run on NIO's thread pool so that a slow hash
/// never blocks an event loop.
final class PasswordHasher: Sendable {
    let cost: Int
    /// A hash of a password nobody knows, at the node's cost, checked when a
    /// username does not exist so that a failed login takes as long either
    /// way. Made on first use to keep start-up fast.
    private let decoyHash = NIOLockedValueBox<String?>(nil)

    init(cost: Int) {
        self.cost = cost
    }

    func hash(_ password: String) async throws -> String {
        let cost = UInt8(self.cost)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`; with a `nil` hash it spends the same
    /// time and returns false.
    func verify(_ password: String, hash: String?) async throws -> Bool {
        let cost = UInt8(self.cost)
        let decoy = self.decoyHash
        return try await NIOThreadPool.singleton.runIfActive {
            guard let hash else {
                let target = decoy.withLockedValue { stored in
                    if let stored { return stored }
                    let made = Bcrypt.hash(SecretToken.make(), cost: cost)
                    stored = made
                    return made
                }
                _ = Bcrypt.verify(password, hash: target)
                return false
            }
            return Bcrypt.verify(password, hash: hash)
        }
    }
}
