import Foundation
import Storage

/// Search results: only what the searcher may see.
public struct SearchResults: Codable, Sendable, Equatable {
    public let content: [ContentView]
    public let groups: [GroupView]
    /// People are found by signed-in searchers only, as the directory is.
    public let people: [ProfileView]
}

/// Full-text search over content, groups and people (SQLite FTS5).
public struct SearchService: Sendable {
    let database: NodeDatabase
    let content: ContentService
    let groups: GroupService
    let profiles: ProfileService

    public func search(_ text: String, viewer: Account?, limit: Int = 20) async throws -> SearchResults {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 200 else { throw Problem.badRequest("the query parameter q must be 1 to 200 characters") }
        // The three parts read on reader connections of their own, at the same time.
        async let contentViews = content.views(try await database.searchContent(trimmed, viewerId: viewer?.id, limit: limit))
        async let groupViews = groups.views(
            try await database.searchGroups(trimmed, viewerId: viewer?.id, everything: viewer?.isAdmin == true, limit: limit), viewer: viewer)
        async let people = viewer.asyncFlatMap { viewer in
            try await profiles.views(of: try await database.searchPeople(trimmed, limit: limit), by: .account(viewer))
        }
        return SearchResults(content: try await contentViews, groups: try await groupViews, people: try await people ?? [])
    }
}

/// A wiki page found by search.
public struct WikiSearchHit: Sendable, Equatable {
    public let id: Int64
    public let group: String
    public let title: String
}

extension SearchService {
    /// Wiki pages whose current revision matches `text`, that the searcher may read.
    public func wikiPages(_ text: String, viewer: Account?, limit: Int = 20) async throws -> [WikiSearchHit] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 200 else { throw Problem.badRequest("the query parameter q must be 1 to 200 characters") }
        return try await database.searchWiki(trimmed, viewerId: viewer?.id, limit: limit).map { WikiSearchHit(id: $0.page.id!, group: $0.groupSlug, title: $0.title) }
    }
}

extension Optional {
    func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
