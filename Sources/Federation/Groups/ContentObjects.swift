import Foundation
import Storage

/// How content items travel as ActivityStreams objects (FEP-1b12): a status
/// update is a `Note`, a blog post an `Article`, a discussion a `Page` (a
/// thread with a `name`), a comment a `Note` with `inReplyTo`. Every object
/// names its group in `audience`. The Markdown source travels in `source`;
/// `content` carries it as escaped HTML for other software.
public enum ContentObjects {
    /// The extension property that carries an item's access level between
    /// Meent nodes (other software reads the addressing instead).
    public static let accessProperty = "meentAccess"

    public static func type(of kind: ContentItem.Kind) -> String {
        switch kind {
        case .status, .comment: "Note"
        case .blog: "Article"
        case .discussion: "Page"
        // How files and folders travel is FileObjects' business.
        case .file: "Document"
        case .folder: "Collection"
        }
    }

    /// The object for an item.
    public static func object(_ item: ContentItem, id: String, author: String, group: String?, inReplyTo: String?,
                              to: [String], cc: [String] = []) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "type": .string(type(of: item.type)), "attributedTo": .string(author),
            "content": .string(html(paragraphsOf: item.body)),
            "source": .object(["content": .string(item.body), "mediaType": .string("text/markdown")]),
            "published": .string(timestamp(item.createdAt)), "updated": .string(timestamp(item.updatedAt)),
            accessProperty: .string(item.access.rawValue),
            "to": .array(to.map(JSONValue.string)),
        ]
        if !cc.isEmpty { members["cc"] = .array(cc.map(JSONValue.string)) }
        if !item.title.isEmpty { members["name"] = .string(item.title) }
        if let group { members["audience"] = .string(group) }
        if let inReplyTo { members["inReplyTo"] = .string(inReplyTo) }
        return .object(members)
    }

    /// What a received object says, checked for shape; `nil` when it is not
    /// an object this node keeps.
    public struct Received: Sendable, Equatable {
        public let id: String
        public let kind: ContentItem.Kind
        public let author: String
        public let title: String
        public let body: String
        public let access: ContentItem.Access
        public let audience: String?
        public let inReplyTo: String?
        public let published: Date
        public let updated: Date
    }

    public static func received(_ object: JSONValue) -> Received? {
        guard let id = object["id"]?.stringValue, let type = object["type"]?.stringValue,
              let author = object["attributedTo"]?.idValue ?? object["attributedTo"]?.stringList.first else { return nil }
        let inReplyTo = object["inReplyTo"]?.idValue
        let kind: ContentItem.Kind
        switch type {
        case "Note": kind = inReplyTo == nil ? .status : .comment
        case "Article": kind = inReplyTo == nil ? .blog : .comment
        case "Page": kind = inReplyTo == nil ? .discussion : .comment
        default: return nil
        }
        let body: String
        if let source = object["source"], source["mediaType"]?.stringValue == "text/markdown", let text = source["content"]?.stringValue {
            body = text
        } else {
            body = plainText(fromHTML: object["content"]?.stringValue ?? "")
        }
        let addressed = (object["to"]?.stringList ?? []) + (object["cc"]?.stringList ?? [])
        let access = object[accessProperty]?.stringValue.flatMap(ContentItem.Access.init(rawValue:))
            ?? (addressed.contains(Activity.publicAudience) ? .public : .members)
        guard access != .private else { return nil }
        var title = object["name"]?.stringValue ?? ""
        if kind == .status || kind == .comment { title = "" }
        guard !body.isEmpty || !title.isEmpty, body.count <= 100_000, title.count <= 200 else { return nil }
        let published = object["published"]?.stringValue.flatMap(date) ?? Date()
        return Received(id: id, kind: kind, author: author, title: title, body: body, access: access,
                        audience: object["audience"]?.idValue, inReplyTo: inReplyTo,
                        published: published, updated: object["updated"]?.stringValue.flatMap(date) ?? published)
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func date(_ text: String) -> Date? {
        try? Date(text, strategy: .iso8601)
    }

    /// Text as HTML paragraphs, every character escaped.
    public static func html(paragraphsOf text: String) -> String {
        text.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            .map { "<p>" + escape($0).replacingOccurrences(of: "\n", with: "<br>") + "</p>" }.joined()
    }

    /// Text made safe to place in HTML: `& < > " '` become entities.
    public static func escape(_ text: String) -> String {
        // Byte by byte over UTF-8: the five characters are ASCII and never part
        // of another character's bytes. (Going by Swift `Character` missed a
        // quote followed by a combining mark, `"\u{338}`, which is one
        // Character but still ends an attribute value for a browser.)
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var result: [UInt8] = []
        result.reserveCapacity(utf8.count + 16)
        for byte in utf8 {
            switch byte {
            case 0x26: result.append(contentsOf: "&amp;".utf8)
            case 0x3C: result.append(contentsOf: "&lt;".utf8)
            case 0x3E: result.append(contentsOf: "&gt;".utf8)
            case 0x22: result.append(contentsOf: "&quot;".utf8)
            case 0x27: result.append(contentsOf: "&#39;".utf8)
            default: result.append(byte)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// The text of HTML from other software: tags dropped, paragraphs kept,
    /// the common entities decoded. It is stored and shown as text, never as HTML.
    static func plainText(fromHTML html: String) -> String {
        var text = html.replacingOccurrences(of: "</p>", with: "\n\n").replacingOccurrences(of: "<br>", with: "\n")
            .replacingOccurrences(of: "<br/>", with: "\n").replacingOccurrences(of: "<br />", with: "\n")
        while let open = text.firstIndex(of: "<"), let close = text[open...].firstIndex(of: ">") {
            text.removeSubrange(open...close)
        }
        for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")] {
            text = text.replacingOccurrences(of: entity, with: character)
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
