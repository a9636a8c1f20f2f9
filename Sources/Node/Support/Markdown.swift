/// A small Markdown renderer for user content that never lets raw HTML
/// through: the text is escaped first, and only the markup this renderer
/// itself writes reaches the page. Supports paragraphs, headings, lists,
/// block quotes, fenced code, `code`, **strong**, *emphasis* and links to
/// http(s), mailto and same-site paths.
enum Markdown {
    static func html(_ text: String) -> String {
        var output = ""
        var paragraph: [String] = []
        var list: (ordered: Bool, items: [String])?
        var quote: [String] = []
        var code: [String]?

        func flush() {
            if !paragraph.isEmpty { output += "<p>" + paragraph.map(inline).joined(separator: "<br>\n") + "</p>\n"; paragraph = [] }
            if let current = list {
                let tag = current.ordered ? "ol" : "ul"
                output += "<\(tag)>" + current.items.map { "<li>\(inline($0))</li>" }.joined() + "</\(tag)>\n"
                list = nil
            }
            if !quote.isEmpty { output += "<blockquote><p>" + quote.map(inline).joined(separator: "<br>\n") + "</p></blockquote>\n"; quote = [] }
        }

        for rawLine in text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            if var lines = code {
                if line.hasPrefix("```") {
                    output += "<pre><code>" + HTML.escape(lines.joined(separator: "\n")) + "</code></pre>\n"
                    code = nil
                } else {
                    lines.append(line)
                    code = lines
                }
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") { flush(); code = []; continue }
            if trimmed.isEmpty { flush(); continue }
            if let heading = heading(trimmed) {
                flush()
                output += "<h\(heading.level)>\(inline(heading.text))</h\(heading.level)>\n"
                continue
            }
            if let item = listItem(trimmed) {
                if list == nil || list?.ordered != item.ordered { flush(); list = (item.ordered, []) }
                list!.items.append(item.text)
                continue
            }
            if trimmed.hasPrefix(">") {
                if quote.isEmpty { flush() }
                quote.append(String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces))
                continue
            }
            if list != nil || !quote.isEmpty { flush() }
            paragraph.append(trimmed)
        }
        if let lines = code { output += "<pre><code>" + HTML.escape(lines.joined(separator: "\n")) + "</code></pre>\n" }
        flush()
        return output
    }

    /// Headings start at level 2: the page's own title is its only `h1`.
    private static func heading(_ line: String) -> (level: Int, text: String)? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        return (min(hashes + 1, 6), String(line.dropFirst(hashes + 1)))
    }

    private static func listItem(_ line: String) -> (ordered: Bool, text: String)? {
        if line.hasPrefix("- ") || line.hasPrefix("* ") { return (false, String(line.dropFirst(2))) }
        let digits = line.prefix { $0.isNumber }
        if !digits.isEmpty, digits.count < 4, line.dropFirst(digits.count).hasPrefix(". ") { return (true, String(line.dropFirst(digits.count + 2))) }
        return nil
    }

    /// Inline markup over already-escaped text.
    static func inline(_ text: String) -> String {
        var result = ""
        let escaped = Array(HTML.escape(text))
        var index = 0
        func find(_ marker: String, from start: Int) -> Int? {
            let pattern = Array(marker)
            var i = start
            while i + pattern.count <= escaped.count {
                if Array(escaped[i..<i + pattern.count]) == pattern { return i }
                i += 1
            }
            return nil
        }
        while index < escaped.count {
            let character = escaped[index]
            if character == "`", let end = find("`", from: index + 1) {
                result += "<code>" + String(escaped[index + 1..<end]) + "</code>"
                index = end + 1
            } else if character == "*", index + 1 < escaped.count, escaped[index + 1] == "*", let end = find("**", from: index + 2), end > index + 2 {
                result += "<strong>" + inline(unescaped(escaped[index + 2..<end])) + "</strong>"
                index = end + 2
            } else if character == "*", let end = find("*", from: index + 1), end > index + 1 {
                result += "<em>" + inline(unescaped(escaped[index + 1..<end])) + "</em>"
                index = end + 1
            } else if character == "[", let close = find("](", from: index + 1), let end = find(")", from: close + 2),
                      let target = safeTarget(String(escaped[close + 2..<end])) {
                result += "<a href=\"\(target)\">" + inline(unescaped(escaped[index + 1..<close])) + "</a>"
                index = end + 1
            } else {
                result.append(character)
                index += 1
            }
        }
        return result
    }

    /// Escaped text back to plain, so nested markup is escaped exactly once.
    private static func unescaped(_ characters: ArraySlice<Character>) -> String {
        String(characters).replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Only web, mail and same-site links; never `javascript:` or `data:`.
    private static func safeTarget(_ escapedURL: String) -> String? {
        let lower = escapedURL.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:")
              || (lower.hasPrefix("/") && !lower.hasPrefix("//")) else { return nil }
        guard !escapedURL.contains(where: { $0.isWhitespace }) else { return nil }
        return escapedURL
    }
}
