import Federation
import Mustache

/// The escaping of every `{{value}}` on a page: ``HTML/escape(_:)``, byte by
/// byte. Each template starts with `{{% CONTENT_TYPE: HTML }}`, which selects
/// it (a test checks that all do); the escaping that swift-mustache has
/// built in goes character by character, which was a twentieth of a page's
/// CPU and leaves a quote followed by a combining mark unescaped.
struct PageEscaping: MustacheContentType {
    func escapeText(_ text: String) -> String { HTML.escape(text) }

    /// Makes `CONTENT_TYPE: HTML` in templates mean this escaping; before
    /// the templates are read.
    static func register() {
        MustacheContentTypes.register(PageEscaping(), named: "HTML")
    }
}
