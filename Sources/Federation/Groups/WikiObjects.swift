import Foundation
import Storage

/// How a wiki page travels: a `Document` that belongs to the group, with its
/// current revision. The group's home node orders the revisions and is the
/// actor of every `Create` and `Update` of a page; the revision's author is
/// in `attributedTo`.
public enum WikiObjects {
    public static let revisionProperty = "meentRevision"
    public static let mergedFromProperty = "meentMergedFrom"
    public static let parentProperty = "meentParent"

    public static func object(pageId: String, group: String, parent: String?, access: ContentItem.Access,
                              revision: WikiRevision, author: String?) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(pageId), "type": .string("Document"), "name": .string(revision.title),
            "content": .string(ContentObjects.html(paragraphsOf: revision.body)),
            "source": .object(["content": .string(revision.body), "mediaType": .string("text/markdown")]),
            "audience": .string(group), "to": .array([.string(group)]),
            revisionProperty: .number(Double(revision.number)),
            ContentObjects.accessProperty: .string(access.rawValue),
            "updated": .string(ContentObjects.timestamp(revision.createdAt)),
        ]
        if let author { members["attributedTo"] = .string(author) }
        if let parent { members[parentProperty] = .string(parent) }
        if let mergedFrom = revision.mergedFrom { members[mergedFromProperty] = .number(Double(mergedFrom)) }
        return .object(members)
    }

    /// A received page revision, checked for shape; `nil` when it is not one.
    public static func notice(_ object: JSONValue, group: GroupReference) -> (notice: WikiRevisionNotice, author: String?)? {
        guard object["type"]?.stringValue == "Document", let id = object["id"]?.stringValue,
              case .number(let number)? = object[revisionProperty], number >= 1, number == number.rounded(),
              let title = object["name"]?.stringValue, !title.isEmpty, title.count <= 200,
              let body = object["source"]?["content"]?.stringValue, body.count <= 200_000 else { return nil }
        let access = object[ContentObjects.accessProperty]?.stringValue.flatMap(ContentItem.Access.init(rawValue:)) ?? .members
        guard access != .private else { return nil }
        var mergedFrom: Int?
        if case .number(let value)? = object[mergedFromProperty] { mergedFrom = Int(value) }
        let notice = WikiRevisionNotice(
            pageApId: id, group: group, parentApId: object[parentProperty]?.stringValue, access: access, number: Int(number),
            title: title, body: body, author: nil, mergedFrom: mergedFrom,
            createdAt: object["updated"]?.stringValue.flatMap(ContentObjects.date) ?? Date())
        return (notice, object["attributedTo"]?.idValue)
    }
}
