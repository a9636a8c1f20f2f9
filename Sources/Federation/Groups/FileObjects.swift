import Foundation
import Storage

/// How a group's files and folders travel between its home node and the
/// nodes of its members. The group's home node orders file versions and is
/// the actor of every `Create` and `Update` of a file or folder; the item's
/// author is in `attributedTo`.
///
/// A file is a `Document` with its current version (`meentFileVersion`,
/// `mediaType`, `size`, `meentSha256`, and a `url` that downloads that
/// version from the home node) and the list of all its versions in
/// `meentVersions`; a folder is a `Collection`. Both carry `meentKind`,
/// `meentAccess` and the folder they are in (`meentFolder`, absent at the
/// top). The bytes never travel inside an activity: a member's node fetches
/// a version's `url` with a request signed on behalf of one of its people.
public enum FileObjects {
    public static let kindProperty = "meentKind"
    public static let versionProperty = "meentFileVersion"
    public static let versionsProperty = "meentVersions"
    public static let digestProperty = "meentSha256"
    public static let folderProperty = "meentFolder"

    /// Where one version of a file can be downloaded from its home node.
    public static func versionURL(itemId: String, number: Int) -> String { "\(itemId)/versions/\(number)" }

    /// Whether an object is a file or folder of a group (and not a wiki page).
    public static func isFileObject(_ object: JSONValue?) -> Bool {
        guard let kind = object?[kindProperty]?.stringValue else { return false }
        return kind == ContentItem.Kind.file.rawValue || kind == ContentItem.Kind.folder.rawValue
    }

    /// One version as it travels.
    public struct Version: Sendable {
        public var number: Int
        public var digest: String
        public var size: Int64
        public var mediaType: String
        public var filename: String
        public var uploader: String?
        public var published: Date

        public init(number: Int, digest: String, size: Int64, mediaType: String, filename: String, uploader: String?, published: Date) {
            self.number = number
            self.digest = digest
            self.size = size
            self.mediaType = mediaType
            self.filename = filename
            self.uploader = uploader
            self.published = published
        }
    }

    /// The object for a file or folder; `versions` newest first (files only).
    public static func object(_ item: ContentItem, id: String, author: String, group: String, folder: String?,
                              versions: [Version]) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "type": .string(item.type == .file ? "Document" : "Collection"),
            kindProperty: .string(item.type.rawValue), "name": .string(item.title), "attributedTo": .string(author),
            "audience": .string(group), "to": .array([.string(group)]),
            ContentObjects.accessProperty: .string(item.access.rawValue),
            "published": .string(ContentObjects.timestamp(item.createdAt)), "updated": .string(ContentObjects.timestamp(item.updatedAt)),
        ]
        if !item.body.isEmpty {
            members["content"] = .string(ContentObjects.html(paragraphsOf: item.body))
            members["source"] = .object(["content": .string(item.body), "mediaType": .string("text/markdown")])
        }
        if let folder { members[folderProperty] = .string(folder) }
        if item.type == .file, let current = versions.first {
            members[versionProperty] = .number(Double(current.number))
            members["mediaType"] = .string(current.mediaType)
            members["size"] = .number(Double(current.size))
            members[digestProperty] = .string(current.digest)
            members["url"] = .string(versionURL(itemId: id, number: current.number))
            members[versionsProperty] = .array(versions.map { version in
                var entry: [String: JSONValue] = [
                    versionProperty: .number(Double(version.number)), "name": .string(version.filename),
                    "mediaType": .string(version.mediaType), "size": .number(Double(version.size)),
                    digestProperty: .string(version.digest), "url": .string(versionURL(itemId: id, number: version.number)),
                    "published": .string(ContentObjects.timestamp(version.published)),
                ]
                if let uploader = version.uploader { entry["attributedTo"] = .string(uploader) }
                return .object(entry)
            })
        }
        return .object(members)
    }

    /// What a received file or folder object says, checked for shape.
    public struct Received: Sendable {
        public var id: String
        public var kind: ContentItem.Kind
        public var name: String
        public var description: String
        public var access: ContentItem.Access
        public var folder: String?
        public var author: String
        public var versions: [Version]
        public var published: Date
        public var updated: Date
    }

    /// At most this many versions of one file are kept from one object.
    static let maxVersions = 1000

    /// A received file or folder; `nil` when it is not one this node keeps.
    /// Every version's `url` must be the one derived from the item's id, so
    /// a member's node never downloads from anywhere but the item's home.
    public static func received(_ object: JSONValue) -> Received? {
        guard isFileObject(object), let id = object["id"]?.stringValue,
              let kind = object[kindProperty]?.stringValue.flatMap(ContentItem.Kind.init(rawValue:)),
              object["type"]?.stringValue == (kind == .file ? "Document" : "Collection"),
              let author = object["attributedTo"]?.idValue,
              let name = object["name"]?.stringValue, isSafeName(name) else { return nil }
        let access = object[ContentObjects.accessProperty]?.stringValue.flatMap(ContentItem.Access.init(rawValue:)) ?? .members
        guard access != .private else { return nil }
        let description = object["source"]?["content"]?.stringValue ?? ""
        guard description.count <= 5000 else { return nil }
        var versions: [Version] = []
        if kind == .file {
            guard case .array(let entries)? = object[versionsProperty], !entries.isEmpty, entries.count <= maxVersions else { return nil }
            for entry in entries {
                guard case .number(let number)? = entry[versionProperty], number >= 1, number == number.rounded(), number < 1e9,
                      case .number(let size)? = entry["size"], size >= 0, size == size.rounded(), size < 1e15,
                      let digest = entry[digestProperty]?.stringValue, BlobStore.isValidDigest(digest),
                      let filename = entry["name"]?.stringValue, isSafeName(filename),
                      entry["url"]?.stringValue == versionURL(itemId: id, number: Int(number)) else { return nil }
                versions.append(Version(number: Int(number), digest: digest, size: Int64(size),
                                        mediaType: safeMediaType(entry["mediaType"]?.stringValue), filename: filename,
                                        uploader: entry["attributedTo"]?.idValue,
                                        published: entry["published"]?.stringValue.flatMap(ContentObjects.date) ?? Date()))
            }
        }
        let published = object["published"]?.stringValue.flatMap(ContentObjects.date) ?? Date()
        return Received(id: id, kind: kind, name: name, description: description, access: access,
                        folder: object[folderProperty]?.idValue, author: author, versions: versions,
                        published: published, updated: object["updated"]?.stringValue.flatMap(ContentObjects.date) ?? published)
    }

    /// A name shown to people and used for a download: 1 to 200 characters,
    /// no control characters and no path separators.
    static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 200 && name != "." && name != ".."
            && !name.unicodeScalars.contains { $0.properties.generalCategory == .control || $0 == "/" || $0 == "\\" }
    }

    /// A media type safe to send as a `Content-Type` header: `type/subtype`
    /// of token characters (parameters dropped), or `application/octet-stream`.
    public static func safeMediaType(_ value: String?) -> String {
        let fallback = "application/octet-stream"
        guard let value, value.utf8.count <= 255 else { return fallback }
        let bare = value.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let parts = bare.split(separator: "/", omittingEmptySubsequences: false)
        let token = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&^_.+-")
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.allSatisfy(token.contains) }) else { return fallback }
        return bare.lowercased()
    }
}
