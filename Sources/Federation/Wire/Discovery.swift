import Foundation

/// A WebFinger (RFC 7033) JSON Resource Descriptor.
public struct WebFingerDocument: Codable, Sendable, Equatable {
    public struct Link: Codable, Sendable, Equatable {
        public var rel: String
        public var type: String?
        public var href: String?
        public init(rel: String, type: String?, href: String?) {
            self.rel = rel
            self.type = type
            self.href = href
        }
    }

    public var subject: String
    public var aliases: [String]?
    public var links: [Link]

    public init(subject: String, aliases: [String]?, links: [Link]) {
        self.subject = subject
        self.aliases = aliases
        self.links = links
    }

    /// The ActivityPub actor id the descriptor points to.
    public var actorId: String? {
        links.first { $0.rel == "self" && ($0.type == "application/activity+json" || $0.type?.contains("activitystreams") == true) }?.href
    }
}

/// NodeInfo 2.1, as described by `reference/nodeinfo/schema-2.1.json`.
public struct NodeInfoDocument: Codable, Sendable, Equatable {
    public struct Software: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
        public var repository: String?
        public var homepage: String?
    }

    public struct Services: Codable, Sendable, Equatable {
        public var inbound: [String]
        public var outbound: [String]
    }

    public struct Usage: Codable, Sendable, Equatable {
        public struct Users: Codable, Sendable, Equatable {
            public var total: Int
            /// Left out: the node does not track activity by period.
            public var activeHalfyear: Int?
            public var activeMonth: Int?
        }

        public var users: Users
        public var localPosts: Int
    }

    public var version = "2.1"
    public var software: Software
    public var protocols: [String]
    public var services: Services
    public var openRegistrations: Bool
    public var usage: Usage
    public var metadata: [String: String]

    public init(softwareVersion: String, openRegistrations: Bool, users: Int, localPosts: Int, nodeName: String) {
        software = Software(name: "meent", version: softwareVersion, repository: nil, homepage: nil)
        protocols = ["activitypub"]
        services = Services(inbound: [], outbound: [])
        self.openRegistrations = openRegistrations
        usage = Usage(users: .init(total: users, activeHalfyear: nil, activeMonth: nil), localPosts: localPosts)
        metadata = ["nodeName": nodeName]
    }
}
