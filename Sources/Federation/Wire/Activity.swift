import Foundation

/// An ActivityStreams activity. `object` stays a ``JSONValue`` because it is
/// a link or an embedded object depending on the type and the sender.
public struct Activity: Codable, Sendable, Equatable {
    public var context: JSONValue?
    public var id: String
    public var type: String
    public var actor: String
    public var object: JSONValue?
    public var target: JSONValue?
    public var to: [String]?
    public var cc: [String]?
    public var published: String?
    /// The group an activity belongs to (FEP-1b12).
    public var audience: String?
    /// Meent's own addition to a group's `Invite`: the person who sent the
    /// invitation (an actor id). Display information only; other software
    /// ignores it.
    public var invitedBy: String?
    /// The activity as received, every property kept; set by the inbox worker.
    public var raw: JSONValue?

    enum CodingKeys: String, CodingKey {
        case context = "@context"
        case id, type, actor, object, target, to, cc, published, audience, invitedBy
    }

    public init(id: String, type: String, actor: String, object: JSONValue?, to: [String]? = nil, cc: [String]? = nil) {
        self.context = .string("https://www.w3.org/ns/activitystreams")
        self.id = id
        self.type = type
        self.actor = actor
        self.object = object
        self.to = to
        self.cc = cc
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        context = try container.decodeIfPresent(JSONValue.self, forKey: .context)
        id = try container.decode(String.self, forKey: .id)
        type = try container.decode(String.self, forKey: .type)
        // `actor` may be a link or an embedded actor; only its id counts.
        guard let actor = try container.decode(JSONValue.self, forKey: .actor).idValue else {
            throw DecodingError.dataCorruptedError(forKey: .actor, in: container, debugDescription: "actor has no id")
        }
        self.actor = actor
        object = try container.decodeIfPresent(JSONValue.self, forKey: .object)
        target = try container.decodeIfPresent(JSONValue.self, forKey: .target)
        to = try container.decodeIfPresent(JSONValue.self, forKey: .to)?.stringList
        cc = try container.decodeIfPresent(JSONValue.self, forKey: .cc)?.stringList
        published = try? container.decodeIfPresent(String.self, forKey: .published)
        audience = try? container.decodeIfPresent(JSONValue.self, forKey: .audience)?.idValue
        invitedBy = try? container.decodeIfPresent(JSONValue.self, forKey: .invitedBy)?.idValue
    }

    /// An activity read from JSON parsed before, as `init(from:)` reads
    /// it, with ``raw`` set to all of it.
    public init(json: JSONValue) throws {
        guard case .object(let members) = json else { throw FederationError.malformed("an activity is a JSON object") }
        func present(_ key: String) -> JSONValue? {
            guard let value = members[key], value != .null else { return nil }
            return value
        }
        guard case .string(let id)? = members["id"] else { throw FederationError.malformed("the activity has no id") }
        guard case .string(let type)? = members["type"] else { throw FederationError.malformed("the activity has no type") }
        // `actor` may be a link or an embedded actor; only its id counts.
        guard let actor = members["actor"]?.idValue else { throw FederationError.malformed("the activity's actor has no id") }
        context = present("@context")
        self.id = id
        self.type = type
        self.actor = actor
        object = present("object")
        target = present("target")
        to = present("to")?.stringList
        cc = present("cc")?.stringList
        published = members["published"]?.stringValue
        audience = members["audience"]?.idValue
        invitedBy = members["invitedBy"]?.idValue
        raw = json
    }

    /// A stored activity's bytes, parsed once (see ``JSONValue/init(parsing:)``).
    public init(stored body: Data) throws {
        try self.init(json: try JSONValue(parsing: body))
    }

    public static let publicAudience = "https://www.w3.org/ns/activitystreams#Public"

    /// The activity as the JSON bytes that are stored and delivered.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
