import Foundation
import Storage

/// Turns an activity and its recipients into delivery rows: one per node
/// when recipients share an inbox, none for nodes this node does not
/// federate with. The caller writes the rows in the same transaction as the
/// change the activity announces.
public struct Outbox: Sendable {
    let policy: FederationPolicy
    public let urls: LocalActorURLs
    let signal: WorkSignal

    public init(policy: FederationPolicy, urls: LocalActorURLs, signal: WorkSignal) {
        self.policy = policy
        self.urls = urls
        self.signal = signal
    }

    /// Where recipients are reached: one inbox per node (the shared inbox
    /// when they have one), with the recipients behind it, leaving out nodes
    /// this node does not federate with.
    public struct Destination: Sendable, Equatable {
        public let inbox: String
        public let host: String
        public var recipients: [String]
    }

    public func destinations(for recipients: [RemoteActor]) async throws -> [Destination] {
        var destinations: [Destination] = []
        var index: [String: Int] = [:]
        for recipient in recipients {
            let inbox = recipient.deliveryInbox
            if let position = index[inbox] {
                destinations[position].recipients.append(recipient.id)
                continue
            }
            guard let host = Origin.authority(of: inbox), try await policy.isAllowed(host: host) else { continue }
            index[inbox] = destinations.count
            destinations.append(Destination(inbox: inbox, host: host, recipients: [recipient.id]))
        }
        return destinations
    }

    /// Delivery rows for `activity` to `destinations`, signed at send time by `signer`.
    public func deliveries(of activity: Activity, to destinations: [Destination], signer: String,
                           subjects: [LedgerSubject] = []) throws -> [Delivery] {
        let body = try activity.encoded()
        return destinations.map {
            Delivery(activityId: activity.id, inbox: $0.inbox, host: $0.host, body: body, signer: signer,
                     signerActorId: activity.actor, subjects: subjects)
        }
    }

    /// Delivery rows for `activity` to `recipients`, signed at send time by `signer`.
    public func deliveries(of activity: Activity, to recipients: [RemoteActor], signer: String,
                           subjects: [LedgerSubject] = []) async throws -> [Delivery] {
        try deliveries(of: activity, to: try await destinations(for: recipients), signer: signer, subjects: subjects)
    }

    /// Tells the delivery worker that rows were committed.
    public func wake() { signal.notify() }
}
