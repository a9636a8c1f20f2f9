import Foundation
import Testing

@testable import Federation

/// Component values from the examples of RFC 9421 section 2.
@Suite("RFC 9421 signature base components")
struct SignatureBaseTests {
    /// The base lines (without the final `@signature-params` line) for `components`.
    private func lines(
        _ components: [HTTPSignatureComponent],
        of request: SignableRequest,
        structuredFields: [String: StructuredFieldType] = StructuredFieldType.knownFields
    ) throws -> [String] {
        let base = try HTTPSignatureBase(request: request, parameters: HTTPSignatureParameters(components: components),
                                         structuredFields: structuredFields)
        return Array(base.text.components(separatedBy: "\n").dropLast())
    }

    private func request(_ target: String, method: String = "POST", scheme: String = "https",
                         headers: HTTPHeaderFields = ["Host": "www.example.com"]) throws -> SignableRequest {
        try SignableRequest(method: method, scheme: scheme, authority: "www.example.com",
                            requestTarget: target, headers: headers)
    }

    @Test("section 2.1: header field values are trimmed, unfolded and combined")
    func headerFields() throws {
        let headers: HTTPHeaderFields = HTTPHeaderFields([
            ("Host", "www.example.com"),
            ("Date", "Tue, 20 Apr 2021 02:07:56 GMT"),
            ("X-OWS-Header", "   Leading and trailing whitespace.   "),
            ("X-Obs-Fold-Header", "Obsolete\r\n    line folding."),
            ("Cache-Control", "max-age=60"),
            ("Cache-Control", "   must-revalidate"),
            ("Example-Dict", " a=1,    b=2;x=1;y=2,   c=(a   b   c)"),
            ("X-Empty-Header", ""),
        ])
        let request = try request("/", headers: headers)
        let names = ["host", "date", "x-ows-header", "x-obs-fold-header", "cache-control", "example-dict", "x-empty-header"]
        #expect(try lines(names.map { .field($0) }, of: request) == [
            #""host": www.example.com"#,
            #""date": Tue, 20 Apr 2021 02:07:56 GMT"#,
            #""x-ows-header": Leading and trailing whitespace."#,
            #""x-obs-fold-header": Obsolete line folding."#,
            #""cache-control": max-age=60, must-revalidate"#,
            #""example-dict": a=1,    b=2;x=1;y=2,   c=(a   b   c)"#,
            #""x-empty-header": "#,
        ])
        // Field names are matched case-insensitively but written in lowercase.
        #expect(HTTPSignatureComponent.field("Cache-Control").description == #""cache-control""#)
    }

    @Test("section 2.1.1 and 2.1.2: sf re-serialises, key selects a dictionary member")
    func structuredFields() throws {
        let types = StructuredFieldType.knownFields.merging(["example-dict": .dictionary]) { $1 }
        let loose = try request("/", headers: ["Example-Dict": "a=1,    b=2;x=1;y=2,   c=(a   b   c)"])
        #expect(try lines([.field("example-dict", strictlySerialized: true)], of: loose, structuredFields: types)
                == [#""example-dict";sf: a=1, b=2;x=1;y=2, c=(a b c)"#])

        let dictionary = try request("/", headers: ["Example-Dict": " a=1, b=2;x=1;y=2, c=(a   b    c), d"])
        #expect(try lines(["a", "d", "b", "c"].map { .field("example-dict", dictionaryKey: $0) },
                          of: dictionary, structuredFields: types) == [
            #""example-dict";key="a": 1"#,
            #""example-dict";key="d": ?1"#,
            #""example-dict";key="b": 2;x=1;y=2"#,
            #""example-dict";key="c": (a b c)"#,
        ])
        // A missing member, or sf on a field of unknown type, is an error.
        #expect(throws: HTTPSignatureError.missingComponent) {
            try lines([.field("example-dict", dictionaryKey: "zz")], of: dictionary, structuredFields: types)
        }
        #expect(throws: HTTPSignatureError.invalidComponent) {
            try lines([.field("example-dict", strictlySerialized: true)], of: loose)
        }
    }

    @Test("section 2.1.3: bs wraps each field line as a byte sequence")
    func byteSequences() throws {
        let twoLines = try request("/", headers: HTTPHeaderFields([
            ("Example-Header", "value, with, lots"), ("Example-Header", "of, commas"),
        ]))
        let oneLine = try request("/", headers: ["Example-Header": "value, with, lots, of, commas"])
        #expect(try lines([.field("example-header")], of: twoLines) == [#""example-header": value, with, lots, of, commas"#])
        #expect(try lines([.field("example-header")], of: oneLine) == [#""example-header": value, with, lots, of, commas"#])
        #expect(try lines([.field("example-header", byteSequenceWrapped: true)], of: twoLines)
                == [#""example-header";bs: :dmFsdWUsIHdpdGgsIGxvdHM=:, :b2YsIGNvbW1hcw==:"#])
        #expect(try lines([.field("example-header", byteSequenceWrapped: true)], of: oneLine)
                == [#""example-header";bs: :dmFsdWUsIHdpdGgsIGxvdHMsIG9mLCBjb21tYXM=:"#])
        #expect(throws: HTTPSignatureError.invalidComponent) {
            try lines([.field("example-header", strictlySerialized: true, byteSequenceWrapped: true)], of: oneLine)
        }
    }

    @Test("section 2.2: derived components of a request")
    func derivedComponents() throws {
        let request = try request("/path?param=value")
        #expect(try lines([.method, .targetURI, .authority, .scheme, .requestTarget, .path, .query], of: request) == [
            #""@method": POST"#,
            #""@target-uri": https://www.example.com/path?param=value"#,
            #""@authority": www.example.com"#,
            #""@scheme": https"#,
            #""@request-target": /path?param=value"#,
            #""@path": /path"#,
            #""@query": ?param=value"#,
        ])
        let plainHTTP = try self.request("/path?param=value", scheme: "http")
        #expect(try lines([.scheme], of: plainHTTP) == [#""@scheme": http"#])
        #expect(try lines([.query], of: try self.request("/path?param=value&foo=bar&baz=bat%2Dman"))
                == [#""@query": ?param=value&foo=bar&baz=bat%2Dman"#])
        #expect(try lines([.query], of: try self.request("/path?queryString")) == [#""@query": ?queryString"#])
        #expect(try lines([.query], of: try self.request("/path")) == [#""@query": ?"#])
    }

    @Test("@authority is lowercase without the default port; @method keeps its case")
    func authorityNormalisation() throws {
        let secure = try SignableRequest(method: "get", url: "HTTPS://WWW.Example.COM:443/a")
        #expect(try lines([.authority, .scheme, .method, .targetURI], of: secure) == [
            #""@authority": www.example.com"#,
            #""@scheme": https"#,
            #""@method": get"#,
            #""@target-uri": https://www.example.com/a"#,
        ])
        let otherPort = try SignableRequest(method: "GET", url: "https://example.com:8443")
        #expect(try lines([.authority, .path, .targetURI], of: otherPort) == [
            #""@authority": example.com:8443"#,
            #""@path": /"#,
            #""@target-uri": https://example.com:8443/"#,
        ])
        let ipv6 = try SignableRequest(method: "GET", url: "http://[::1]:80/x#fragment")
        #expect(try lines([.authority, .targetURI], of: ipv6) == [
            #""@authority": [::1]"#,
            #""@target-uri": http://[::1]/x"#,
        ])
    }

    @Test("requests are built from absolute URLs or origin-form targets")
    func requestParsing() throws {
        let request = try SignableRequest(method: "POST", url: "https://example.com/a/b?c=d&e#frag")
        #expect(request.scheme == "https")
        #expect(request.authority == "example.com")
        #expect(request.path == "/a/b")
        #expect(request.query == "c=d&e")
        let emptyQuery = try SignableRequest(method: "GET", url: "https://example.com?")
        #expect(emptyQuery.path == "")
        #expect(emptyQuery.query == "")
        for bad in ["example.com/a", "https:///a", "://example.com", "https://user@example.com/"] {
            #expect(throws: HTTPSignatureError.malformedRequest, "\(bad)") { try SignableRequest(method: "GET", url: bad) }
        }
        #expect(throws: HTTPSignatureError.malformedRequest) {
            try SignableRequest(method: "GET", scheme: "https", authority: "example.com", requestTarget: "*")
        }
    }

    @Test("section 2.2.8: query parameters are decoded, then re-encoded")
    func queryParameters() throws {
        let simple = try request("/path?param=value&foo=bar&baz=batman&qux=")
        #expect(try lines([.queryParameter(named: "baz"), .queryParameter(named: "qux"), .queryParameter(named: "param")],
                          of: simple) == [
            #""@query-param";name="baz": batman"#,
            #""@query-param";name="qux": "#,
            #""@query-param";name="param": value"#,
        ])
        let encoded = try request("/parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something",
                                  method: "GET")
        #expect(try lines([.queryParameter(named: "var"), .queryParameter(named: "bar"),
                           .queryParameter(named: "fa%C3%A7ade%22%3A%20")], of: encoded) == [
            #""@query-param";name="var": this%20is%20a%20big%0Amultiline%20value"#,
            #""@query-param";name="bar": with%20plus%20whitespace"#,
            #""@query-param";name="fa%C3%A7ade%22%3A%20": something"#,
        ])
        // Absent and repeated parameters cannot be signed.
        #expect(throws: HTTPSignatureError.missingComponent) {
            try lines([.queryParameter(named: "nope")], of: simple)
        }
        #expect(throws: HTTPSignatureError.missingComponent) {
            try lines([.queryParameter(named: "a")], of: try self.request("/p?a=1&a=2"))
        }
    }

    @Test("unresolvable components are errors, never empty lines")
    func componentErrors() throws {
        let request = try request("/path", headers: ["Host": "www.example.com", "X-Bad": "caf\u{E9}"])
        #expect(throws: HTTPSignatureError.missingComponent) { try lines([.field("date")], of: request) }
        #expect(throws: HTTPSignatureError.invalidComponent) { try lines([.status], of: request) }
        #expect(throws: HTTPSignatureError.invalidComponent) {
            try lines([HTTPSignatureComponent(name: "@unknown")], of: request)
        }
        #expect(throws: HTTPSignatureError.invalidComponent) {
            try lines([HTTPSignatureComponent(name: "@signature-params")], of: request)
        }
        #expect(throws: HTTPSignatureError.invalidComponent) { try lines([.method, .method], of: request) }
        #expect(throws: HTTPSignatureError.invalidComponent) { try lines([.method.fromRelatedRequest()], of: request) }
        #expect(throws: HTTPSignatureError.invalidComponent) { try lines([.field("x-bad")], of: request) }
        #expect(throws: HTTPSignatureError.invalidComponent) {
            try lines([HTTPSignatureComponent(name: "Host")], of: request)
        }
        let injected = try self.request("/", headers: ["X-Injected": "a\n\"@method\": GET"])
        #expect(throws: HTTPSignatureError.invalidComponent) { try lines([.field("x-injected")], of: injected) }
    }

    @Test("section 2.2.9: @status of a response")
    func status() throws {
        let response = SignableResponse(status: 200, headers: ["Date": "Fri, 26 Mar 2010 00:05:00 GMT"])
        let base = try HTTPSignatureBase(response: response, parameters: HTTPSignatureParameters(components: [.status]))
        #expect(base.text == "\"@status\": 200\n\"@signature-params\": (\"@status\")")
        #expect(throws: HTTPSignatureError.invalidComponent) {
            try HTTPSignatureBase(response: response, parameters: HTTPSignatureParameters(components: [.method]))
        }
    }

    @Test("section 2.3: @signature-params serialises parameters in the chosen order")
    func signatureParameters() throws {
        let parameters = HTTPSignatureParameters(
            components: [.targetURI, .authority, .field("date"), .field("cache-control")],
            created: Date(timeIntervalSince1970: 1_618_884_475.9),
            keyID: "test-key-rsa-pss",
            algorithm: .rsaPSSSHA512,
            expires: Date(timeIntervalSince1970: 1_618_884_775),
            nonce: "n",
            tag: "t")
        #expect(try parameters.serialized() == #"("@target-uri" "@authority" "date" "cache-control");created=1618884475;keyid="test-key-rsa-pss";alg="rsa-pss-sha512";expires=1618884775;nonce="n";tag="t""#)
        // A received order is preserved.
        let headers: HTTPHeaderFields = [
            "Signature-Input": #"sig1=("@target-uri" "@authority" "date" "cache-control");keyid="test-key-rsa-pss";alg="rsa-pss-sha512";created=1618884475;expires=1618884775"#,
            "Signature": "sig1=:AAAA:",
        ]
        let parsed = try #require(try HTTPMessageSignature.signatures(in: headers).first)
        #expect(try parsed.parameters.serialized() == #"("@target-uri" "@authority" "date" "cache-control");keyid="test-key-rsa-pss";alg="rsa-pss-sha512";created=1618884475;expires=1618884775"#)
        #expect(parsed.parameters.created == Date(timeIntervalSince1970: 1_618_884_475))
        #expect(parsed.parameters.expires == Date(timeIntervalSince1970: 1_618_884_775))
        #expect(parsed.parameters.algorithmName == "rsa-pss-sha512")
        // Control characters cannot be signed.
        #expect(throws: HTTPSignatureError.malformedHeader) {
            try HTTPSignatureParameters(components: [.method], keyID: "a\nb").serialized()
        }
    }

    @Test("Signature and Signature-Input must pair their labels")
    func headerParsing() throws {
        func parse(_ pairs: [(String, String)]) throws -> [HTTPMessageSignature] {
            try HTTPMessageSignature.signatures(in: HTTPHeaderFields(pairs))
        }
        #expect(try parse([]).isEmpty)
        #expect(throws: HTTPSignatureError.malformedHeader) {
            try parse([("Signature-Input", #"a=("@method");created=1"#)])
        }
        #expect(throws: HTTPSignatureError.malformedHeader) {
            try parse([("Signature-Input", #"a=("@method")"#), ("Signature", "b=:AAAA:")])
        }
        #expect(throws: HTTPSignatureError.malformedHeader) {
            try parse([("Signature-Input", #"a=("@method")"#), ("Signature", #"a="not bytes""#)])
        }
        #expect(throws: HTTPSignatureError.malformedHeader) {
            try parse([("Signature-Input", #"a="@method""#), ("Signature", "a=:AAAA:")])
        }
        #expect(throws: HTTPSignatureError.malformedHeader) {
            try parse([("Signature-Input", #"a=("@method");created="yesterday""#), ("Signature", "a=:AAAA:")])
        }
        #expect(throws: HTTPSignatureError.malformedHeader) {
            try parse([("Signature-Input", #"a=("@method")"#), ("Signature-Input", #"a=("@path")"#),
                       ("Signature", "a=:AAAA:")])
        }
        #expect(throws: HTTPSignatureError.malformedHeader) {
            try parse([("Signature-Input", #"keyId="x",headers="date""#), ("Signature", "a=:AAAA:")])
        }
        // Several field lines combine.
        let two = try parse([("Signature-Input", #"a=("@method")"#), ("Signature-Input", #"b=("@path")"#),
                             ("Signature", "b=:AAAA:, a=:AAAA:")])
        #expect(two.map(\.label) == ["a", "b"])
    }
}
