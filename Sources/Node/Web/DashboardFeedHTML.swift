import Foundation
import Storage

/// The dashboard's cards, written by typed code rather than by the template.
///
/// A card has twelve values, and Mustache finds each by walking its context
/// stack with a dynamic cast at every step. For twenty cards that was about a
/// fifth of the dashboard's CPU. The markup is the one `dashboard.mustache`
/// had; `DashboardFeedHTMLTests` renders that markup through Mustache for
/// tricky items and checks the two agree byte for byte. Every value goes
/// through ``HTML/escape(_:)``, the escaping templates use. The body is the
/// item's Markdown rendered to HTML (``RenderedMarkdownCache``), which is safe
/// HTML already. (The template's `{{#group}}` section also showed an empty
/// group link for an item outside any group: Mustache renders a section for
/// an empty string.)
enum DashboardFeedHTML {
    static func cards(_ items: [ContentView], strings: [String: String], markdown: RenderedMarkdownCache) -> String {
        let comments = HTML.escape(strings["comments"] ?? "comments"), likes = HTML.escape(strings["likes"] ?? "likes")
        var html = ""
        html.reserveCapacity(items.count * 900)
        for item in items {
            let link = "/content/\(item.id)"
            html += "    <li class=\"card\">\n      <p class=\"hint\">"
            html += HTML.escape(strings["kind.\(item.type.rawValue)"] ?? item.type.rawValue)
            if let group = item.group, !group.isEmpty {
                let slug = HTML.escape(group)
                html += " · <a href=\"/groups/\(slug)\">\(slug)</a>"
            }
            html += " · <a href=\"/users/\(HTML.escape(item.author.username))\">\(HTML.escape(item.author.displayName))</a> · "
            html += HTML.escape(PageValues.date(item.createdAt))
            html += "</p>\n      "
            if !item.title.isEmpty { html += "<h3><a href=\"\(link)\">\(HTML.escape(item.title))</a></h3>" }
            html += "\n      <div class=\"markdown\">"
            html += markdown.html(itemId: item.id, body: item.body)
            html += "</div>\n      <p class=\"hint\"><a href=\"\(link)\">\(comments): \(item.commentCount) · \(likes): \(item.likeCount)</a></p>\n    </li>\n"
        }
        return html
    }
}
