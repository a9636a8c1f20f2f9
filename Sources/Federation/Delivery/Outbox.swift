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

    /// Delivery rows for `activity` to `recipients`, signed at send time by `signer`.
    public func deliveries(of activity: Activity, to recipients: [RemoteActor], signer: String) async throws -> [Delivery] {
        let body = try activity.encoded()
        var seenInboxes = Set<String>()
        var rows: [Delivery] = []
        for recipient in recipients {
            let inbox = recipient.deliveryInbox
            guard let host = Origin.authority(of: inbox), !seenInboxes.contains(inbox),
                  try await policy.isAllowed(host: host) else { continue }
            seenInboxes.insert(inbox)
            rows.append(Delivery(activityId: activity.id, inbox: inbox, host: host, body: body, signer: signer, signerActorId: activity.actor))
        }
        return rows
    }

    /// Tells the delivery worker that rows were committed.
    public func wake() { signal.notify() }
}
