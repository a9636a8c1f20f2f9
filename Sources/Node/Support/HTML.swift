import Federation

/// Escaping for text placed in HTML (pages, ActivityPub `summary` and
/// property values): the same escaping the federation layer uses for the
/// objects it sends.
enum HTML {
    static func escape(_ text: String) -> String { ContentObjects.escape(text) }
}
