import NIOConcurrencyHelpers

/// How many remote requests the work on one received activity (or one signed
/// request) may make: checking its signature, then applying it. Every GET of
/// ``FederationClient/fetch(_:accept:signing:)`` made while a budget is in
/// place takes one request from it, each redirect hop included; when it is
/// spent, the next fetch fails with ``FederationError/Code/fetchLimit``
/// without touching the network. Work with no budget in place (a person
/// looking a group up, a delivery) is limited only by what it asks for.
///
/// The depth of a chain of documents is limited separately: a fetch follows
/// at most ``FederationClient/maxRedirects`` redirects, and nothing is
/// fetched for an object an activity names (an announced activity must be
/// embedded), so one document never leads to fetching another.
public final class FetchBudget: Sendable {
    /// Requests for one activity: its actor and key, a forced refetch when the
    /// key fails, and the few people a group activity names, with room for
    /// redirects.
    public static let requestsPerActivity = 8

    /// The budget of the activity being worked on, if any.
    @TaskLocal public static var current: FetchBudget?

    public let limit: Int
    private let used = NIOLockedValueBox(0)

    public init(requests: Int = FetchBudget.requestsPerActivity) {
        self.limit = requests
    }

    /// Requests taken so far.
    public var spent: Int { used.withLockedValue { $0 } }

    /// Runs `operation` with a fresh budget of `requests`.
    public static func limiting<T: Sendable>(to requests: Int = FetchBudget.requestsPerActivity,
                                             _ operation: () async throws -> T) async rethrows -> T {
        try await $current.withValue(FetchBudget(requests: requests)) { try await operation() }
    }

    /// Takes one request from the current budget, if there is one.
    static func take(for url: String) throws {
        guard let budget = current else { return }
        let allowed = budget.used.withLockedValue { used in
            guard used < budget.limit else { return false }
            used += 1
            return true
        }
        guard allowed else {
            throw FederationError.fetchLimit("the \(budget.limit) remote requests allowed for one activity are spent; not fetching \(url)")
        }
    }
}
