import NIOConcurrencyHelpers

/// The HTML of content items' Markdown bodies, kept so that a listing
/// renders Markdown only for the items that changed since they were last
/// shown (a dashboard of 20 items spent about a seventh of its CPU on it).
///
/// What is kept depends on the body text alone, never on who reads it: an
/// entry is the body and its HTML, looked up by the item's id and used only
/// when the body is still the same text, so an edit shows at once (the new
/// body differs and is rendered again) and nothing of one item can appear
/// for another. Which items a reader may see is decided before an item
/// reaches a page; this only saves the rendering.
///
/// Bounded by entries and by bytes (body and HTML); past either bound the
/// least recently used quarter is dropped.
final class RenderedMarkdownCache: Sendable {
    private struct Entry {
        var body: String
        var html: String
        var lastUse: UInt64
        var bytes: Int { body.utf8.count + html.utf8.count }
    }

    private struct State {
        var entries: [Int64: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }

    let maxEntries: Int
    let maxBytes: Int
    private let state = NIOLockedValueBox(State())

    init(maxEntries: Int = 4_096, maxBytes: Int = 8 << 20) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    /// The HTML of `body`, the current body of item `itemId`.
    func html(itemId: Int64, body: String) -> String {
        let kept: String? = state.withLockedValue { state in
            guard let entry = state.entries[itemId], entry.body == body else { return nil }
            state.clock += 1
            state.entries[itemId]?.lastUse = state.clock
            return entry.html
        }
        if let kept { return kept }
        let html = Markdown.html(body)
        state.withLockedValue { state in
            state.clock += 1
            let entry = Entry(body: body, html: html, lastUse: state.clock)
            guard entry.bytes <= maxBytes / 8 else { return }  // a very long body is rendered each time
            if let old = state.entries.updateValue(entry, forKey: itemId) { state.bytes -= old.bytes }
            state.bytes += entry.bytes
            if state.entries.count > maxEntries || state.bytes > maxBytes { Self.evict(&state, keepingAtMost: maxEntries * 3 / 4, bytes: maxBytes * 3 / 4) }
        }
        return html
    }

    /// How many entries and bytes are kept (for tests).
    var size: (entries: Int, bytes: Int) { state.withLockedValue { ($0.entries.count, $0.bytes) } }

    private static func evict(_ state: inout State, keepingAtMost count: Int, bytes: Int) {
        for (id, entry) in state.entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
            guard state.entries.count > count || state.bytes > bytes else { break }
            state.entries[id] = nil
            state.bytes -= entry.bytes
        }
    }
}
