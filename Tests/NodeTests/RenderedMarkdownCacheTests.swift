@testable import Node
import Testing

@Suite("Rendered Markdown cache")
struct RenderedMarkdownCacheTests {
    @Test("gives each item the HTML of the body it is asked for, never an older body's or another item's")
    func followsTheBody() {
        let cache = RenderedMarkdownCache()
        #expect(cache.html(itemId: 1, body: "**een**") == Markdown.html("**een**"))
        #expect(cache.html(itemId: 2, body: "*twee*") == Markdown.html("*twee*"))
        #expect(cache.html(itemId: 1, body: "**een**") == Markdown.html("**een**"), "kept")
        #expect(cache.html(itemId: 1, body: "drie") == Markdown.html("drie"), "an edited body is rendered again")
        #expect(cache.html(itemId: 2, body: "drie") == Markdown.html("drie"))
        #expect(cache.html(itemId: 1, body: "**een**") == Markdown.html("**een**"), "and back")
        #expect(cache.size.entries == 2)
    }

    @Test("stays within its bounds of entries and bytes, dropping the least recently used")
    func bounded() {
        let cache = RenderedMarkdownCache(maxEntries: 100, maxBytes: 40_000)
        let kept = String(repeating: "woord ", count: 100)
        for id in 0..<1_000 {
            _ = cache.html(itemId: 0, body: kept)  // one item shown on every page
            _ = cache.html(itemId: Int64(id + 1), body: "Item \(id) " + String(repeating: "x", count: id % 300))
            #expect(cache.size.entries <= 100)
            #expect(cache.size.bytes <= 40_000)
        }
        #expect(cache.size.entries > 10)
        let long = String(repeating: "lang ", count: 10_000)
        #expect(cache.html(itemId: 5_000, body: long) == Markdown.html(long), "a body too long to keep is still rendered")
        #expect(cache.size.bytes <= 40_000)
    }
}
