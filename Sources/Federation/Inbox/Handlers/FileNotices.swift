import Foundation
import Storage

/// A file or folder announced by a group of another node (see
/// ``FileObjects``). Like wiki pages, files belong to the group: only the
/// group writes them, and the item's id is on the group's own origin.
enum FileNotices {
    static func apply(_ inner: Activity, group: Group, announcedBy groupActor: String, context: InboxContext) async throws -> HandlerResult {
        guard inner.actor == groupActor, let object = inner.object, let received = FileObjects.received(object),
              Origin.same(received.id, groupActor) else {
            return .ignored("a group's file is written by the group, on the group's node")
        }
        guard object["audience"]?.idValue == nil || object["audience"]?.idValue == group.actorId else {
            return .ignored("the file belongs to another group")
        }
        let notice = try await notice(received, group: .id(group.id!), context: context)
        var effects = InboxEffects()
        effects.changes = [.saveFile(notice)]
        return .applied(effects)
    }

    /// The notice to store for a received file or folder, with its people named.
    static func notice(_ received: FileObjects.Received, group: GroupReference, context: InboxContext) async throws -> FileNotice {
        let author = try await context.personReference(received.author)
        var uploaders: [String: AccountReference] = [:]
        for uploader in Set(received.versions.compactMap(\.uploader)) {
            uploaders[uploader] = try? await context.personReference(uploader)
        }
        return FileNotice(
            apId: received.id, group: group, kind: received.kind, name: received.name, description: received.description,
            access: received.access, folderApId: received.folder, author: author,
            versions: received.versions.map { version in
                FileNotice.Version(number: version.number, digest: version.digest, byteCount: version.size, contentType: version.mediaType,
                                   filename: version.filename, uploader: version.uploader.flatMap { uploaders[$0] }, createdAt: version.published)
            },
            createdAt: received.published, updatedAt: received.updated)
    }
}

extension InboxContext {
    /// The notice for a file object a group's home node answered with (an
    /// upload sent from here), checked like an announced one.
    public func fileNotice(_ object: JSONValue, group: Group) async throws -> FileNotice? {
        guard let groupActor = group.actorId, let received = FileObjects.received(object), Origin.same(received.id, groupActor) else { return nil }
        return try await FileNotices.notice(received, group: .id(group.id!), context: self)
    }
}
