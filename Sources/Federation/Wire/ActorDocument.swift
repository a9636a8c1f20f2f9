import Foundation

/// An ActivityPub actor document (`Person`, `Group`, `Application`, `Service`)
/// as Meent serves it and reads it from other servers.
public struct ActorDocument: Codable, Sendable, Equatable {
    public struct PublicKey: Codable, Sendable, Equatable {
        public var id: String
        public var owner: String
        public var publicKeyPem: String

        public init(id: String, owner: String, publicKeyPem: String) {
            self.id = id
            self.owner = owner
            self.publicKeyPem = publicKeyPem
        }
    }

    /// An FEP-521a `Multikey` in `assertionMethod`.
    public struct Multikey: Codable, Sendable, Equatable {
        public var id: String
        public var type: String
        public var controller: String
        public var publicKeyMultibase: String

        public init(id: String, controller: String, publicKeyMultibase: String) {
            self.id = id
            self.type = "Multikey"
            self.controller = controller
            self.publicKeyMultibase = publicKeyMultibase
        }
    }

    public struct Endpoints: Codable, Sendable, Equatable {
        public var sharedInbox: String?
        public init(sharedInbox: String?) { self.sharedInbox = sharedInbox }
    }

    public struct Image: Codable, Sendable, Equatable {
        public var type: String = "Image"
        public var mediaType: String?
        public var url: String
        public init(mediaType: String?, url: String) {
            self.mediaType = mediaType
            self.url = url
        }
    }

    /// A `PropertyValue` in `attachment`: a public profile field.
    public struct Property: Codable, Sendable, Equatable {
        public var type: String = "PropertyValue"
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public var context: JSONValue = ActorDocument.defaultContext
    public var id: String
    public var type: String
    public var preferredUsername: String?
    public var name: String?
    public var summary: String?
    public var url: String?
    public var inbox: String
    public var outbox: String?
    public var followers: String?
    public var following: String?
    public var endpoints: Endpoints?
    public var publicKey: PublicKey?
    public var assertionMethod: [Multikey]?
    public var icon: Image?
    public var attachment: [Property]?
    public var manuallyApprovesFollowers: Bool?
    public var discoverable: Bool?
    /// A group's moderators collection (FEP-1b12).
    public var attributedTo: String?
    /// How one joins a Meent group: `open`, `request` or `closed`.
    public var meentMembershipMode: String?
    /// Whether a Meent group is left out of listings and search.
    public var meentHidden: Bool?

    enum CodingKeys: String, CodingKey {
        case context = "@context"
        case id, type, preferredUsername, name, summary, url, inbox, outbox, followers, following, endpoints
        case publicKey, assertionMethod, icon, attachment, manuallyApprovesFollowers, discoverable
        case attributedTo, meentMembershipMode, meentHidden
    }

    public init(id: String, type: String, inbox: String) {
        self.id = id
        self.type = type
        self.inbox = inbox
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        context = try container.decodeIfPresent(JSONValue.self, forKey: .context) ?? .null
        id = try container.decode(String.self, forKey: .id)
        type = try container.decode(String.self, forKey: .type)
        preferredUsername = try? container.decodeIfPresent(String.self, forKey: .preferredUsername)
        name = try? container.decodeIfPresent(String.self, forKey: .name)
        summary = try? container.decodeIfPresent(String.self, forKey: .summary)
        url = try? container.decodeIfPresent(JSONValue.self, forKey: .url)?.idValue
        inbox = try container.decode(String.self, forKey: .inbox)
        outbox = try? container.decodeIfPresent(String.self, forKey: .outbox)
        followers = try? container.decodeIfPresent(String.self, forKey: .followers)
        following = try? container.decodeIfPresent(String.self, forKey: .following)
        endpoints = try? container.decodeIfPresent(Endpoints.self, forKey: .endpoints)
        publicKey = try? container.decodeIfPresent(PublicKey.self, forKey: .publicKey)
        // assertionMethod may mix Multikeys with other key types: keep the Multikeys.
        if let methods = try? container.decodeIfPresent([JSONValue].self, forKey: .assertionMethod) {
            assertionMethod = methods.compactMap { method in
                guard method["type"]?.stringValue == "Multikey", let id = method["id"]?.stringValue,
                      let controller = method["controller"]?.stringValue, let multibase = method["publicKeyMultibase"]?.stringValue
                else { return nil }
                return Multikey(id: id, controller: controller, publicKeyMultibase: multibase)
            }
        }
        icon = try? container.decodeIfPresent(Image.self, forKey: .icon)
        attachment = try? container.decodeIfPresent([Property].self, forKey: .attachment)
        manuallyApprovesFollowers = try? container.decodeIfPresent(Bool.self, forKey: .manuallyApprovesFollowers)
        discoverable = try? container.decodeIfPresent(Bool.self, forKey: .discoverable)
        attributedTo = try? container.decodeIfPresent(JSONValue.self, forKey: .attributedTo)?.idValue
        meentMembershipMode = try? container.decodeIfPresent(String.self, forKey: .meentMembershipMode)
        meentHidden = try? container.decodeIfPresent(Bool.self, forKey: .meentHidden)
    }

    public static let defaultContext: JSONValue = .array([
        .string("https://www.w3.org/ns/activitystreams"),
        .string("https://w3id.org/security/v1"),
        .string("https://w3id.org/security/multikey/v1"),
    ])
}
