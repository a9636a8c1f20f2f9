import Foundation
import Mustache
@testable import Node
import Storage
import Testing

/// The dashboard's cards are written by typed code (for speed); they must be
/// what the template wrote, escaping included.
@Suite("Dashboard cards")
struct DashboardFeedHTMLTests {
    /// The card markup `dashboard.mustache` had before the cards moved to code.
    static let templateCards = """
        {{% CONTENT_TYPE: HTML }}
            {{#items}}
            <li class="card">
              <p class="hint">{{typeLabel}}{{#group}} · <a href="/groups/{{group}}">{{group}}</a>{{/group}} · <a href="/users/{{author.username}}">{{author.displayName}}</a> · {{date}}</p>
              {{#hasTitle}}<h3><a href="/content/{{id}}">{{title}}</a></h3>{{/hasTitle}}
              <div class="markdown">{{{bodyHTML}}}</div>
              <p class="hint"><a href="/content/{{id}}">{{t.comments}}: {{commentCount}} · {{t.likes}}: {{likeCount}}</a></p>
            </li>
            {{/items}}
        """

    static let strings = ["comments": "Reacties & \"meer\"", "likes": "Vind ik <leuk>", "kind.status": "Status'update",
                          "kind.blog": "Blog", "kind.discussion": "Discussie"]

    static func item(_ id: Int64, _ type: ContentItem.Kind, title: String, body: String, group: String?, author: String, name: String) -> ContentView {
        ContentView(id: id, url: "https://a.example/content/\(id)", type: type, title: title, body: body, access: .members, group: group,
                    author: .init(username: author, displayName: name), parentId: nil,
                    createdAt: Date(timeIntervalSince1970: 1_764_000_000 + Double(id) * 3_600), updatedAt: Date(timeIntervalSince1970: 1_764_000_000),
                    likeCount: Int(id) * 3, likedByMe: false, commentCount: Int(id) % 4, folderId: nil, file: nil)
    }

    @Test("the cards are byte for byte what the template wrote, with every value escaped")
    func sameAsTemplate() throws {
        PageEscaping.register()
        let items = [
            Self.item(1, .discussion, title: "Dijken & \"duinen\" <script>alert(1)</script>", body: "Zie **hier** <b>niet</b> & 'daar'",
                      group: "water-board", author: "anne.o'brien", name: "Anne \"A\" O'Brien\u{338} & co"),
            Self.item(2, .status, title: "", body: "Kort bericht", group: "a&b", author: "bram", name: "Bram <Bakker>"),
            Self.item(3, .blog, title: "Één blog", body: "# Kop\n\nTekst met [link](https://example.org/?a=1&b=2)", group: "klimaat",
                      author: "chris", name: "Chris"),
        ]
        let markdown = RenderedMarkdownCache()
        let template = try MustacheTemplate(string: Self.templateCards)
        let expected = template.render(["items": items.map { PageValues.item($0, strings: Self.strings, markdown: markdown) }, "t": Self.strings])
        let cards = DashboardFeedHTML.cards(items, strings: Self.strings, markdown: markdown)
        #expect(cards == expected)
        #expect(cards.contains("Anne &quot;A&quot; O&#39;Brien\u{338} &amp; co"))
        #expect(cards.contains("Dijken &amp; &quot;duinen&quot; &lt;script&gt;"))
        #expect(!cards.contains("<script>") && !cards.contains("<b>niet</b>") && !cards.contains("<Bakker>"))
        #expect(cards.components(separatedBy: "<li class=\"card\">").count == 4)
    }

    @Test("an item outside any group gets no group link (the template showed an empty one)")
    func noGroupLink() {
        let cards = DashboardFeedHTML.cards([Self.item(4, .status, title: "", body: "Eigen status", group: nil, author: "dirk", name: "Dirk")],
                                            strings: Self.strings, markdown: RenderedMarkdownCache())
        #expect(!cards.contains("/groups/"))
        #expect(cards.contains("<p class=\"hint\">Status&#39;update · <a href=\"/users/dirk\">Dirk</a> · "))
    }
}
