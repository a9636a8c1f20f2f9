import Foundation
import GRDB

/// The list of words in the content index (`searchTerm`), kept so that the
/// last word of a search can be spelled out as the words it starts.
///
/// FTS5 answers a prefix query (`"water"*`) by merging the whole list of
/// every indexed word that starts with the prefix, whatever the LIMIT: on a
/// node with a million items, where a common word is in tens of thousands of
/// them, that costs tens of milliseconds. The same search written as an OR of
/// the words themselves (`"water" OR "waterschap"`) is read newest first and
/// stops at the limit. FTS5 cannot list the words of a prefix cheaply
/// (`fts5vocab` reads each word's whole list to count it), so this table
/// lists them: the triggers that keep `contentSearch` in step with
/// `contentItem` add the words of every new or edited item, split and folded
/// by the index's own tokenizer through the SQL function ``functionName``.
///
/// The function is installed on every connection `NodeDatabase` opens (the
/// node's and the CLI's). A connection without it, such as the `sqlite3`
/// shell, can read and delete items but not add or edit them: its trigger
/// fails with "no such function", and the write is not made.
///
/// Words are only added, never removed: a word whose last item was deleted
/// stays listed and matches nothing, which costs the search one empty list.
/// Words shorter than ``minimumLength`` are not listed, because prefixes of
/// two and three letters have index entries of their own (`prefix='2 3'`).
enum SearchTerms {
    /// The tokenizer of `contentSearch` (see the migrations).
    static let tokenizer = FTS5TokenizerDescriptor(components: ["unicode61", "remove_diacritics", "2"])

    /// Words shorter than this (in Unicode scalars, as SQLite's `length`)
    /// are not listed.
    static let minimumLength = 4

    /// A prefix that starts more listed words than this is searched as a
    /// prefix: an OR of many words opens a list per word, which costs more
    /// than one merge.
    static let expansionLimit = 32

    /// `meent_search_terms(title, body)`: the distinct words of a text as the
    /// content index stores them, as a JSON array, or NULL when none is long
    /// enough to list.
    static let functionName = "meent_search_terms"

    /// Installs ``functionName`` on a connection, with a tokenizer of its own.
    static func install(in db: Database) throws {
        let tokenizer = ConnectionTokenizer(try db.makeTokenizer(tokenizer))
        db.add(function: DatabaseFunction(functionName, argumentCount: 2, pure: true) { values in
            var seen = Set<String>()
            var json: [UInt8] = []
            for value in values {
                guard let text = String.fromDatabaseValue(value) else { continue }
                for (token, _) in try tokenizer.wrapped.tokenize(document: text)
                where token.unicodeScalars.count >= minimumLength && seen.insert(token).inserted {
                    json.append(json.isEmpty ? UInt8(ascii: "[") : UInt8(ascii: ","))
                    JSONString.append(token, to: &json)
                }
            }
            guard !json.isEmpty else { return nil }
            json.append(UInt8(ascii: "]"))
            return String(decoding: json, as: UTF8.self)
        })
    }

    /// The listed words that start with `word` as the index folds it, or nil
    /// when the word should be searched as a prefix instead: it folds to
    /// other than one token, is shorter than ``minimumLength``, or starts no
    /// listed word or more than ``expansionLimit``.
    static func expansion(of word: String, in db: Database) throws -> [String]? {
        let tokens = try db.makeTokenizer(tokenizer).tokenize(query: word)
        guard tokens.count == 1, let prefix = tokens.first?.token,
              prefix.unicodeScalars.count >= minimumLength else { return nil }
        let terms = try String.fetchAll(db.cachedStatement(sql: """
            SELECT term FROM searchTerm WHERE term >= :prefix AND term < :prefix || char(1114111) ORDER BY term LIMIT :limit
            """), arguments: ["prefix": prefix, "limit": expansionLimit + 1])
            .filter { $0.utf8.starts(with: prefix.utf8) }
        guard !terms.isEmpty, terms.count <= expansionLimit else { return nil }
        return terms
    }
}

/// A tokenizer used only on the connection that made it; SQLite calls a
/// connection's functions one at a time.
private final class ConnectionTokenizer: @unchecked Sendable {
    let wrapped: any FTS5Tokenizer
    init(_ wrapped: any FTS5Tokenizer) { self.wrapped = wrapped }
}
