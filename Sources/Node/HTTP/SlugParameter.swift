import Hummingbird

extension Parameters {
    /// The `:slug` path parameter, percent-decoded: a mirrored group's slug
    /// (`water@127.0.0.2:8080`) arrives as `water@127.0.0.2%3A8080` from
    /// browsers and clients that encode the colon. Slugs never hold a `%`.
    func requireSlug() throws -> String {
        let raw = try require("slug")
        return raw.removingPercentEncoding ?? raw
    }
}
