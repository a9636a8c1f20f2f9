/// The top-level type of a structured header field (RFC 9651), needed to
/// re-serialise a field covered with `;sf` or `;key`.
public enum StructuredFieldType: Sendable, Hashable {
    case item
    case list
    case dictionary

    /// Fields this module knows to be structured, by lowercase name.
    ///
    /// Callers that cover other structured fields with `;sf` pass a table
    /// that extends this one.
    public static let knownFields: [String: StructuredFieldType] = [
        "accept-signature": .dictionary,
        "cache-status": .list,
        "content-digest": .dictionary,
        "priority": .dictionary,
        "proxy-status": .list,
        "repr-digest": .dictionary,
        "signature": .dictionary,
        "signature-input": .dictionary,
        "want-content-digest": .dictionary,
        "want-repr-digest": .dictionary,
    ]
}
