import Foundation
import NIOConcurrencyHelpers

/// Limits password guessing: after too many failures for one username from
/// one address, or from one address overall, further attempts are refused for
/// the rest of the window without checking the password.
final class LoginThrottle: Sendable {
    struct Limits: Sendable {
        var perAccountAndAddress = 5
        var perAddress = 30
        var window: TimeInterval = 15 * 60
    }

    private struct Failures {
        var count = 0
        var windowStart: Date
    }

    private let limits: Limits
    private let failures = NIOLockedValueBox<[String: Failures]>([:])

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Seconds until another attempt is allowed, or `nil` when it is allowed now.
    func retryAfter(username: String, address: String, now: Date = Date()) -> Int? {
        failures.withLockedValue { table in
            let keyed = [(Self.key(username, address), limits.perAccountAndAddress), ("ip|" + address, limits.perAddress)]
            var wait: TimeInterval?
            for (key, limit) in keyed {
                guard let entry = table[key] else { continue }
                let elapsed = now.timeIntervalSince(entry.windowStart)
                if elapsed >= limits.window {
                    table[key] = nil
                } else if entry.count >= limit {
                    wait = max(wait ?? 0, limits.window - elapsed)
                }
            }
            return wait.map { Int($0.rounded(.up)) }
        }
    }

    func recordFailure(username: String, address: String, now: Date = Date()) {
        failures.withLockedValue { table in
            for key in [Self.key(username, address), "ip|" + address] {
                var entry = table[key] ?? Failures(windowStart: now)
                if now.timeIntervalSince(entry.windowStart) >= limits.window { entry = Failures(windowStart: now) }
                entry.count += 1
                table[key] = entry
            }
            if table.count > 100_000 { table.removeAll() }  // bound memory under a spray of addresses
        }
    }

    func recordSuccess(username: String, address: String) {
        _ = failures.withLockedValue { $0.removeValue(forKey: Self.key(username, address)) }
    }

    private static func key(_ username: String, _ address: String) -> String {
        "acct|" + username.lowercased() + "|" + address
    }
}
