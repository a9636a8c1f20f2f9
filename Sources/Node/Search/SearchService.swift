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
        let rows = try await database.searchContent(trimmed, viewerId: viewer?.id, limit: limit)
        let groupViews = try await groups.views(
            try await database.searchGroups(trimmed, viewerId: viewer?.id, everything: viewer?.isAdmin == true, limit: limit), viewer: viewer)
        var people: [ProfileView] = []
        if let viewer {
            people = try await profiles.views(of: try await database.searchPeople(trimmed, limit: limit), by: .account(viewer))
        }
        return SearchResults(content: try await content.views(rows), groups: groupViews, people: people)
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
