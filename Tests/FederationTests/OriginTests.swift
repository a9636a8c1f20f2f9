import Foundation
import Testing

@testable import Federation

/// The origin of an id decides what it may speak for (FEP-fe34), so the
/// quick reading of plain URLs must agree with `URLComponents` on every
/// input it accepts, and leave every other input to it.
@Suite struct OriginTests {
    @Test func plainURLsAreReadAsURLComponentsReadsThem() {
        let cases: [(String, String?, String?)] = [
            ("https://social.example/users/anna", "https", "social.example"),
            ("http://127.0.200.2:18080/actors/node#ed25519-key", "http", "127.0.200.2:18080"),
            ("https://gemeente-a.example:8443/groups/water?page=2#x", "https", "gemeente-a.example:8443"),
            ("https://social.example", "https", "social.example"),
            // Not plain: read by URLComponents, with the same answer as before.
            ("https://Social.Example/users/anna", "https", "social.example"),
            ("HTTPS://social.example/users/anna", "https", "social.example"),
            ("https://user@social.example/users/anna", "https", "social.example"),
            // Not URLs of the web.
            ("ftp://social.example/x", nil, nil),
            ("https:///x", nil, nil),
            ("social.example/users/anna", nil, nil),
        ]
        for (id, scheme, authority) in cases {
            let parts = Origin.parts(of: id)
            #expect(parts?.scheme == scheme, "\(id)")
            #expect(parts?.authority == authority, "\(id)")
            #expect(parts == Origin.foundationParts(of: id), "\(id)")
        }
        #expect(PlainURL("https://social.example/users/anna") != nil)
        #expect(PlainURL("https://Social.Example/users/anna") == nil)
        #expect(PlainURL("https://user@social.example/") == nil)
        #expect(PlainURL("https://social.example:0443/") == nil)
        #expect(PlainURL("https://social.example:65536/") == nil)
        #expect(PlainURL("https://-social.example/") == nil)
        #expect(PlainURL("https://social..example/") == nil)
        #expect(PlainURL("https://social.example/%zz") == nil)
        #expect(PlainURL("https://social.example/a#b#c") == nil)
        // URLComponents shows an IDNA host in Unicode: such hosts are left to it.
        #expect(PlainURL("https://xn--bcher-kva.example/") == nil)
        #expect(Origin.parts(of: "https://xn--bcher-kva.example/") == Origin.foundationParts(of: "https://xn--bcher-kva.example/"))
    }

    @Test func keyIdsLoseTheirFragmentAsURLComponentsWouldDropIt() {
        #expect(Origin.removingFragment(of: "https://social.example/users/anna#main-key") == "https://social.example/users/anna")
        #expect(Origin.removingFragment(of: "https://social.example/users/anna") == "https://social.example/users/anna")
        #expect(Origin.removingFragment(of: "https://social.example/users/anna?x=1#k") == "https://social.example/users/anna?x=1")
        // Not plain (a space): left to URLComponents, which escapes it.
        #expect(PlainURL("https://social.example/a b#k") == nil)
        #expect(Origin.removingFragment(of: "https://social.example/a b#k") == foundationRemovingFragment(of: "https://social.example/a b#k"))
    }

    /// Thousands of ids built from pieces that sit on either side of each
    /// rule: both readings must agree on every one, and a good share of
    /// them must take the quick path (else this would test nothing).
    @Test func bothReadingsAgreeOnGeneratedIds() {
        var random = SplitMix(seed: 9421)
        // Each piece is a usual one three times in four, an odd one otherwise.
        func pick(_ usual: [String], _ odd: [String]) -> String {
            random.next(4) == 0 ? odd[random.next(odd.count)] : usual[random.next(usual.count)]
        }
        let schemes = (["https://", "http://"], ["HTTPS://", "Https://", "ftp://", "https:/", "https:", "", "http://user@", "https://a:b@"])
        let hostLabels = (["social", "example", "a", "b-c", "127", "0", "200", "gemeente-a"],
                          ["-x", "y-", "Gemeente", "xn--bcher-kva", "", "ü", "a_b", "[::1]", "%41"])
        let ports = (["", ":80", ":443", ":8443", ":65535"], [":", ":0", ":080", ":65536", ":99999", ":123456", ":8o", ":-1"])
        let pieces = (["/", "/users", "/anna", "?page=2", "#main-key", "/~t", "/!$&'()*+,;=", "/:@", "/%20", "//", "/.", "/.."],
                      ["/a b", "/%zz", "/%4", "?", "#", "#a#b", "/[x]", "/ü", "/\\", "/\"", "/<", "/`", "/^", "/{}", "/|", "?a?b", "#f?g"])
        var plain = 0
        let total = 6_000
        for _ in 0..<total {
            var id = pick(schemes.0, schemes.1)
            let labels = 1 + random.next(3)
            id += (0..<labels).map { _ in pick(hostLabels.0, hostLabels.1) }.joined(separator: random.next(8) == 0 ? ".." : ".")
            id += pick(ports.0, ports.1)
            for _ in 0..<random.next(4) { id += pick(pieces.0, pieces.1) }
            if PlainURL(id) != nil { plain += 1 }
            #expect(Origin.parts(of: id) == Origin.foundationParts(of: id), "\(id)")
            #expect(Origin.removingFragment(of: id) == foundationRemovingFragment(of: id), "\(id)")
            #expect(Origin.requestTarget(of: id) == Origin.foundationRequestTarget(of: id), "\(id)")
        }
        #expect(plain > total / 10, "only \(plain) of \(total) ids were plain")
    }

    /// Deliveries and fetches send to the host, path and query of a URL as `URLComponents` reads them.
    @Test func requestTargetsAreReadAsURLComponentsReadsThem() {
        let cases: [(String, Origin.RequestTarget?)] = [
            ("https://social.example/users/anna/inbox",
             .init(scheme: "https", authority: "social.example", host: "social.example", path: "/users/anna/inbox", query: nil)),
            ("http://127.0.200.2:18080/inbox?x=1&y=%20#frag?not-query",
             .init(scheme: "http", authority: "127.0.200.2:18080", host: "127.0.200.2", path: "/inbox", query: "x=1&y=%20")),
            ("https://social.example?a?b", .init(scheme: "https", authority: "social.example", host: "social.example", path: "", query: "a?b")),
            ("https://social.example/?", .init(scheme: "https", authority: "social.example", host: "social.example", path: "/", query: "")),
            ("https://social.example", .init(scheme: "https", authority: "social.example", host: "social.example", path: "", query: nil)),
            ("ftp://social.example/x", nil),
        ]
        for (url, target) in cases {
            #expect(PlainURL.requestTarget(of: url) == nil || target != nil, "\(url)")
            #expect(Origin.requestTarget(of: url) == target, "\(url)")
            #expect(Origin.foundationRequestTarget(of: url) == target, "\(url)")
        }
        // Not plain: URLComponents reads it, the host in the case it was written.
        #expect(PlainURL.requestTarget(of: "https://Social.Example/inbox") == nil)
        #expect(Origin.requestTarget(of: "https://Social.Example/inbox")?.authority == "social.example")
    }

    private func foundationRemovingFragment(of id: String) -> String? {
        guard var components = URLComponents(string: id) else { return nil }
        components.fragment = nil
        return components.string
    }
}

/// A small seeded generator, so a failure names an input that comes back on the next run.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
