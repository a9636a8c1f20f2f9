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
        let now = Date()
        return destinations.map {
            Delivery(activityId: activity.id, inbox: $0.inbox, host: $0.host, body: body, signer: signer,
                     signerActorId: activity.actor, nextAttemptAt: now, createdAt: now, subjects: subjects)
        }
    }

    /// Delivery rows for a copy of `activity` per destination, each with a
    /// new activity id and addressed to that destination's recipients.
    ///
    /// The activity is encoded once, with marks where the id and the
    /// addressees go, and each copy is that text with its own filled in:
    /// encoding an activity that carries a whole received activity costs
    /// far more than copying its bytes, and a busy group sends one copy per
    /// member node of everything its members post.
    public func addressedCopies(of activity: Activity, to destinations: [Destination], signer: String,
                                subjects: [LedgerSubject] = []) throws -> [Delivery] {
        let now = Date()
        func row(_ id: String, _ destination: Destination, _ body: Data) -> Delivery {
            Delivery(activityId: id, inbox: destination.inbox, host: destination.host, body: body, signer: signer,
                     signerActorId: activity.actor, nextAttemptAt: now, createdAt: now, subjects: subjects)
        }
        func encodedOneByOne() throws -> [Delivery] {
            try destinations.map { destination in
                var copy = activity
                copy.id = urls.newActivityId()
                copy.to = destination.recipients
                return row(copy.id, destination, try copy.encoded())
            }
        }
        guard destinations.count > 1 else { return try encodedOneByOne() }
        // Marks no sender can know in advance. With sorted keys `id` comes
        // before `object` (the carried activity) and `to` after it, and
        // only the group's own values come before and after those.
        let mark = UUID().uuidString
        var template = activity
        template.id = "urn:meent:copy:\(mark):id"
        template.to = ["urn:meent:copy:\(mark):to"]
        let text = try template.encoded()
        guard let idRange = text.range(of: Data("\"\(template.id)\"".utf8)),
              let toRange = text.range(of: Data("[\"urn:meent:copy:\(mark):to\"]".utf8), options: .backwards),
              idRange.upperBound <= toRange.lowerBound
        else { return try encodedOneByOne() }
        let bytes = [UInt8](text)
        let (idStart, idEnd) = (idRange.lowerBound - text.startIndex, idRange.upperBound - text.startIndex)
        let (toStart, toEnd) = (toRange.lowerBound - text.startIndex, toRange.upperBound - text.startIndex)
        return destinations.map { destination in
            let id = urls.newActivityId()
            var body: [UInt8] = []
            body.reserveCapacity(bytes.count + 256)
            body += bytes[..<idStart]
            JSONText.appendString(id, to: &body)
            body += bytes[idEnd..<toStart]
            JSONText.appendStrings(destination.recipients, to: &body)
            body += bytes[toEnd...]
            return row(id, destination, Data(body))
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
