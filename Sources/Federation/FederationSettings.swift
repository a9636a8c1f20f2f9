import Foundation

/// What the protocol layer needs to know about the node it runs in.
public struct FederationSettings: Sendable {
    public enum Mode: String, Sendable {
        /// Everyone except blocked peers.
        case open
        /// Only peers an operator allowed.
        case allowlist
    }

    /// The node's public base URL, without a trailing slash.
    public var baseURL: String
    public var mode: Mode
    /// Test only: lets fetches and deliveries reach loopback and private addresses.
    public var allowsPrivateAddresses: Bool
    public var userAgent: String
    /// Largest activity or document accepted or fetched.
    public var maxDocumentBytes = 1 << 20
    public var requestTimeout: Duration = .seconds(10)
    public var retrySchedule = RetrySchedule()
    /// How old a signature may be (RFC 9421 `created` or cavage `Date`).
    public var signatureMaximumAge: TimeInterval = 3600
    /// How long a cached remote actor is trusted before it is fetched again.
    public var actorCacheLifetime: TimeInterval = 24 * 3600

    public init(baseURL: String, mode: Mode, allowsPrivateAddresses: Bool, softwareVersion: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.mode = mode
        self.allowsPrivateAddresses = allowsPrivateAddresses
        self.userAgent = "Meent/\(softwareVersion) (+\(self.baseURL))"
    }

    /// The node's own authority; ids with it are never accepted from others.
    public var authority: String { Origin.authority(of: baseURL) ?? baseURL }
}

/// Where local actors and their keys live, by convention.
public struct LocalActorURLs: Sendable {
    public let base: String

    public init(base: String) { self.base = base }

    public var nodeActor: String { "\(base)/actor" }
    public var sharedInbox: String { "\(base)/inbox" }
    public func person(_ username: String) -> String { "\(base)/users/\(username)" }
    public func inbox(_ username: String) -> String { "\(person(username))/inbox" }
    public func outbox(_ username: String) -> String { "\(person(username))/outbox" }
    public func followers(_ username: String) -> String { "\(person(username))/followers" }
    public func following(_ username: String) -> String { "\(person(username))/following" }
    public func newActivityId() -> String { "\(base)/activities/\(RandomUUID.makeTimeOrdered().uuidString.lowercased())" }

    public func group(_ slug: String) -> String { "\(base)/groups/\(slug)" }
    public func groupInbox(_ slug: String) -> String { "\(group(slug))/inbox" }
    public func groupOutbox(_ slug: String) -> String { "\(group(slug))/outbox" }
    public func groupFollowers(_ slug: String) -> String { "\(group(slug))/followers" }
    public func groupMembers(_ slug: String) -> String { "\(group(slug))/members" }
    public func groupModerators(_ slug: String) -> String { "\(group(slug))/moderators" }
    /// A wiki page of one of this node's groups.
    public func wikiPage(_ id: Int64) -> String { "\(base)/wiki/\(id)" }
    /// A content item written on this node.
    public func content(_ id: Int64) -> String { "\(base)/content/\(id)" }

    /// The slug of a local group id, if `id` is one.
    public func slug(ofGroup id: String) -> String? { lastSegment(of: id, under: "groups") }

    /// The row id of a local content item's id, if `id` is one.
    public func contentId(of id: String) -> Int64? { lastSegment(of: id, under: "content").flatMap { Int64($0) } }

    /// Whether `id` lives on this node's origin.
    public func isLocal(_ id: String) -> Bool { Origin.authority(of: id) == Origin.authority(of: base) }

    private func lastSegment(of id: String, under collection: String) -> String? {
        let prefix = "\(base)/\(collection)/"
        guard id.hasPrefix(prefix) else { return nil }
        let rest = id.dropFirst(prefix.count)
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("#"), !rest.contains("?") else { return nil }
        return String(rest)
    }

    /// The `keyId` of an actor's RSA key (`#main-key`, as Mastodon names it).
    public static func rsaKeyId(_ actorId: String) -> String { "\(actorId)#main-key" }
    /// The `keyId` of an actor's Ed25519 Multikey.
    public static func ed25519KeyId(_ actorId: String) -> String { "\(actorId)#ed25519-key" }

    /// The username of a local person id, if `id` is one.
    public func username(ofPerson id: String) -> String? { lastSegment(of: id, under: "users") }
}

/// When a failed delivery is tried again.
///
/// | attempt | wait (±20 % jitter) |
/// |---------|---------------------|
/// | 1       | 30 s                |
/// | 2       | 1 min               |
/// | 3       | 2 min               |
/// | 4       | 5 min               |
/// | 5       | 15 min              |
/// | 6       | 30 min              |
/// | 7       | 1 h                 |
/// | 8       | 2 h                 |
/// | 9       | 4 h                 |
/// | 10      | 8 h                 |
/// | 11+     | 12 h                |
///
/// A delivery is given up four days after it was queued (about 14 attempts),
/// so a peer that is down over a long weekend still gets everything.
public struct RetrySchedule: Sendable {
    public var delays: [TimeInterval] = [30, 60, 120, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 43_200]
    public var giveUpAfter: TimeInterval = 4 * 86_400
    public var jitter = 0.2
    /// After this many failures in a row, deliveries to a peer pause for the next delay.
    public var pausePeerAfterFailures = 5

    public init() {}

    /// A schedule with every delay scaled, for tests that cannot wait minutes.
    public static func scaled(by factor: Double) -> RetrySchedule {
        var schedule = RetrySchedule()
        schedule.delays = schedule.delays.map { $0 * factor }
        schedule.giveUpAfter *= factor
        return schedule
    }

    /// The wait before the next try after `failures` failed attempts (1-based).
    public func delay(afterFailures failures: Int) -> TimeInterval {
        let base = delays[min(max(failures, 1), delays.count) - 1]
        return base * Double.random(in: (1 - jitter)...(1 + jitter))
    }
}
