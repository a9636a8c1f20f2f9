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

    /// A content item as listings and threads show it; `bodyHTML` is its
    /// Markdown as HTML, rendered again only when the body changed (`markdown`
    /// nil: for a list that shows no bodies, none is rendered).
    static func item(_ view: ContentView, strings: [String: String], markdown: RenderedMarkdownCache?) -> [String: Any] {
        [
            "id": view.id, "title": view.title, "hasTitle": !view.title.isEmpty, "bodyHTML": markdown?.html(itemId: view.id, body: view.body) ?? "",
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

/// What went wrong with one form, split for the page: each problem of a
/// field the form shows goes next to that field (the template sets
/// `aria-invalid` and points `aria-describedby` at it), the rest goes into
/// the form's list at its top.
struct FormErrors {
    /// Field name → what is wrong with it.
    var fields: [String: String] = [:]
    var general: [String] = []

    init() {}

    /// `names` are the fields the form shows; `aliases` sends a service's field to a form's (e.g. `name` → `file`).
    init(_ error: ServiceError, fields names: Set<String>, aliases: [String: String] = [:]) {
        for problem in error.fieldErrors {
            let service = String(problem.pointer.dropFirst())
            let field = aliases[service] ?? service
            if names.contains(field), fields[field] == nil {
                fields[field] = problem.detail
            } else {
                general.append("\(service) \(problem.detail)")
            }
        }
        if error.fieldErrors.isEmpty { general.append(error.message) }
    }

    /// For the template: the list at the page's top (`errors`, with `hasErrors`).
    var values: [String: Any] { ["errors": general, "hasErrors": !general.isEmpty] }

    /// The values of a refused form named `form`: its field problems under
    /// `formErrors.<form>.<field>`, and a summary at the page's top that
    /// links each problem to its field (`inputs` maps a field to its input's
    /// id and label).
    func values(form: String, inputs: [String: (id: String, label: String)]) -> [String: Any] {
        let links: [[String: String]] = fields.sorted { $0.key < $1.key }.compactMap { field, text in
            inputs[field].map { ["id": $0.id, "label": $0.label, "text": text] }
        }
        return ["formErrors": [form: fields], "errors": general, "errorLinks": links, "hasErrors": !general.isEmpty || !links.isEmpty]
    }

    /// The status a form page refused for this reason answers with.
    static func status(_ error: ServiceError) -> HTTPResponse.Status {
        switch error.kind {
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        default: .unprocessableContent
        }
    }
}
