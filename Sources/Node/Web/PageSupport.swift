import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Thrown by a page that needs a signed-in visitor: the error middleware
/// answers it with a redirect to the sign-in page instead of an error.
struct SignInRedirect: Error {
    var response: Response { .redirect(to: "/login", type: .normal) }
}

extension NodeRequestContext {
    /// The signed-in account, or a redirect to the sign-in page.
    func requirePageAccount() throws -> Account {
        guard let account else { throw SignInRedirect() }
        return account
    }
}

extension Request {
    /// The urlencoded form of a POST (the CSRF middleware has already checked its token).
    func form(context: NodeRequestContext) async throws -> FormData {
        try await WebController.form(self, context: context)
    }
}

extension Response {
    /// The answer to a successful form post: see the result at `path` (POST, redirect, GET).
    static func seeOther(_ path: String) -> Response { .redirect(to: path, type: .normal) }
}

/// Values every page shows in the same way.
enum PageValues {
    static let dateFormat: Date.FormatStyle = .dateTime.year().month(.twoDigits).day(.twoDigits).hour(.twoDigits(amPM: .omitted)).minute(.twoDigits)

    static func date(_ date: Date) -> String { date.formatted(dateFormat) }

    /// A content item as listings and threads show it; `body` is rendered Markdown.
    static func item(_ view: ContentView, strings: [String: String]) -> [String: Any] {
        [
            "id": view.id, "title": view.title, "hasTitle": !view.title.isEmpty, "bodyHTML": Markdown.html(view.body),
            "excerpt": String(view.body.prefix(200)), "author": ["username": view.author.username, "displayName": view.author.displayName],
            "group": view.group ?? "", "date": date(view.createdAt), "likeCount": view.likeCount, "likedByMe": view.likedByMe,
            "commentCount": view.commentCount, "typeLabel": strings["kind.\(view.type.rawValue)"] ?? view.type.rawValue,
            "accessLabel": strings["access.\(view.access.rawValue)"] ?? view.access.rawValue,
        ]
    }

    /// The `<option>`s of an access-level `<select>`.
    static func accessOptions(strings: [String: String], selected: ContentItem.Access, allowed: [ContentItem.Access] = ContentItem.Access.allCases) -> [[String: Any]] {
        allowed.map { ["value": $0.rawValue, "label": strings["access.\($0.rawValue)"] ?? $0.rawValue, "selected": $0 == selected] }
    }
}
