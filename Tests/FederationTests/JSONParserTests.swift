import Foundation
@testable import Federation
import Testing

/// The inbox worker reads stored activities with its own JSON parser and
/// writes announces with its own JSON text: both must agree with Foundation.
@Suite("JSON parsing and writing")
struct JSONParserTests {
    static let activity = #"""
        {"@context":["https://www.w3.org/ns/activitystreams",{"meent":"https://meent.example/ns#"}],
         "id":"https://b.example/activities/1","type":"Create","actor":{"id":"https://b.example/users/bob","type":"Person"},
         "to":"https://a.example/groups/dikes","cc":null,"published":42,"audience":"https://a.example/groups/dikes",
         "object":{"id":"https://b.example/content/1","type":"Note","content":"<p>caf\u00e9 \"quoted\" \\ back\/slash \ud83c\udf0a\ttab</p>",
                   "n":[0,-1,1.5,2e3,-0.25e-2,12345678901234],"ok":true,"no":false,"none":null,"empty":{},"list":[]}}
        """#

    @Test("a stored activity reads the same as with JSONDecoder, every value kept")
    func sameAsFoundation() throws {
        let data = Data(Self.activity.utf8)
        let parsed = try JSONValue(parsing: data)
        #expect(parsed == (try JSONDecoder().decode(JSONValue.self, from: data)))
        var expected = try JSONDecoder().decode(Activity.self, from: data)
        expected.raw = parsed
        #expect(try Activity(stored: data) == expected)
        #expect(parsed["object"]?["content"]?.stringValue == "<p>café \"quoted\" \\ back/slash 🌊\ttab</p>")
    }

    @Test("what JSONText writes parses back to the same value")
    func roundTrip() throws {
        let value = try JSONValue(parsing: Data(Self.activity.utf8))
        var bytes: [UInt8] = []
        try JSONText.appendValue(value, to: &bytes)
        #expect(try JSONValue(parsing: Data(bytes)) == value)
        #expect(try JSONSerialization.jsonObject(with: Data(bytes)) is [String: Any])
    }

    @Test("text that is not JSON is refused", arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "01", "1.", "-", "\"\u{01}\"", "\"\\x\"", "\"\\ud800\"", "tru", "{} {}", "1e999",
        String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
    ])
    func refusesInvalid(_ text: String) {
        #expect(throws: (any Error).self) { try JSONValue(parsing: Data(text.utf8)) }
    }

    @Test("invalid UTF-8 is refused")
    func refusesInvalidUTF8() {
        #expect(throws: (any Error).self) { try JSONValue(parsing: Data([0x22, 0xC3, 0x28, 0x22])) }
    }
}
