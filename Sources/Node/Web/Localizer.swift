import Foundation
import HTTPTypes
import Hummingbird

/// The strings of the pages in each language the node speaks, loaded from
/// `Resources/locales/<language>.json`. Templates hold no user-facing text of
/// their own; code passes keys, never sentences.
struct Localizer: Sendable {
    let tables: [String: [String: String]]
    let defaultLanguage: String

    static let cookieName = "meent_lang"

    init(directory: URL, defaultLanguage: String) throws {
        var tables: [String: [String: String]] = [:]
        for file in try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil) where file.pathExtension == "json" {
            tables[file.deletingPathExtension().lastPathComponent] = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: file))
        }
        self.tables = tables
        self.defaultLanguage = tables[defaultLanguage] == nil ? "en" : defaultLanguage
    }

    var languages: [String] { tables.keys.sorted() }

    func strings(for language: String) -> [String: String] {
        tables[language] ?? tables[defaultLanguage] ?? [:]
    }

    /// The language for a request: the `meent_lang` cookie if set, else the
    /// best match in `Accept-Language`, else the node's default.
    func language(for request: Request) -> String {
        if let chosen = request.cookies[Self.cookieName]?.value, tables[chosen] != nil { return chosen }
        if let header = request.headers[.acceptLanguage] {
            let ranked = header.split(separator: ",").compactMap { part -> (String, Double)? in
                let pieces = part.split(separator: ";")
                guard let tag = pieces.first?.trimmingCharacters(in: .whitespaces).lowercased(), !tag.isEmpty else { return nil }
                let quality = pieces.dropFirst().first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("q=") }
                    .flatMap { Double($0.trimmingCharacters(in: .whitespaces).dropFirst(2)) } ?? 1
                return (String(tag.split(separator: "-").first ?? Substring(tag)), quality)
            }
            for (tag, quality) in ranked.sorted(by: { $0.1 > $1.1 }) where quality > 0 && tables[tag] != nil {
                return tag
            }
        }
        return defaultLanguage
    }
}
