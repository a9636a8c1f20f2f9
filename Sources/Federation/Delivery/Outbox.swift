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
    /// The activity is encoded once, with marks where the id, the object
    /// and the addressees go, the object on its own, and each copy is that
    /// text with the object and its own id and addressees filled in:
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
        guard destinations.count > 1, let object = activity.object else { return try encodedOneByOne() }
        // The activity is encoded with marks (that no sender can know in
        // advance) for its id, its object and its addressees, and the
        // object, which is most of it, is written once on its own.
        let mark = RandomUUID.make().uuidString
        var template = activity
        template.id = "urn:meent:copy:\(mark):id"
        template.object = .string("urn:meent:copy:\(mark):object")
        template.to = ["urn:meent:copy:\(mark):to"]
        let text = [UInt8](try template.encoded())
        var objectBytes: [UInt8] = []
        try JSONText.appendValue(object, to: &objectBytes)
        func range(of needle: String) -> Range<Int>? {
            let needle = Array(needle.utf8)
            guard needle.count <= text.count else { return nil }
            for start in 0...(text.count - needle.count) where text[start] == needle[0] {
                if text[start..<start + needle.count].elementsEqual(needle) { return start..<start + needle.count }
            }
            return nil
        }
        // Sorted keys: `id`, then `object`, then `to`.
        guard let idRange = range(of: "\"\(template.id)\""),
              let objectRange = range(of: "\"urn:meent:copy:\(mark):object\""),
              let toRange = range(of: "[\"urn:meent:copy:\(mark):to\"]"),
              idRange.upperBound <= objectRange.lowerBound, objectRange.upperBound <= toRange.lowerBound
        else { return try encodedOneByOne() }
        return destinations.map { destination in
            let id = urls.newActivityId()
            var body: [UInt8] = []
            body.reserveCapacity(text.count + objectBytes.count + 256)
            body += text[..<idRange.lowerBound]
            JSONString.append(id, to: &body)
            body += text[idRange.upperBound..<objectRange.lowerBound]
            body += objectBytes
            body += text[objectRange.upperBound..<toRange.lowerBound]
            JSONText.appendStrings(destination.recipients, to: &body)
            body += text[toRange.upperBound...]
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
