import Foundation
import RawStructuredFieldValues
import Testing

@testable import Federation

/// What a signature covers and which key made it are read from
/// Structured Field Dictionaries, so the quick reading of plain values must
/// agree with swift-http-structured-headers on every value it accepts, and
/// leave every other value to it.
@Suite struct StructuredDictionaryTests {
    @Test("the fields signers send are read plainly, exactly as the library reads them")
    func signerFieldsArePlain() throws {
        let values = [
            // RFC 9421 Appendix B.2 and the shapes Meent and Mastodon send.
            #"sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#,
            #"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#,
            #"sig1=("@method" "@target-uri" "content-digest");created=1795000000;keyid="http://127.0.200.2:18080/actors/node#ed25519-key";alg="ed25519""#,
            #"sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:"#,
            "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
        ]
        for value in values {
            let plain = try #require(StructuredDictionary.readPlain(value), "\(value)")
            #expect(plain == StructuredDictionary.readWithLibrary(value), "\(value)")
        }
    }

    @Test("every value read plainly is read alike by the library; every other value is left to it")
    func plainReadingAgreesWithTheLibrary() {
        // Pieces on either side of each rule the plain reading keeps: the
        // first of each pair is plain, the second is not (or does not parse);
        // one piece in six comes from the second.
        let keys = (["sig1", "sig-b21", "*", "a.b_c-d*9"], ["Sig1", "1sig", "", "s\u{e9}g", "sig 1"])
        let bareItems = ([#""@method""#, #""content-digest""#, #""""#, #""a b~!""#, "0", "-7", "007", "-0", "123456789012345",
                          ":YWJj:", "::"],
                         [#""a\"b""#, #""a\\b""#, #""a\b""#, "\"caf\u{e9}\"", "\"tab\tin\"", #""open"#, "1234567890123456", "-",
                          "1.5", "12.", "1.2345", ":YW Jj:", ":YW*:", ":YWJj", "token", "?1", "?0", "@1618884473", #"%"caf%c3%a9""#])
        let parameterValues = (["", "=1795000000", #"="https://node.example/actors/a#key""#, "=:YQ==:"], ["=?0", "=tok", "=1.5", "="])
        let parameterKeys = (["created", "keyid", "alg", "*x"], ["Bad", "1a"])
        let separators = ([", ", ",", " , ", ",\t", "\t,\t", " ,  "], [",,", ", ,"])
        var generator = SystemRandomNumberGenerator()
        func pick<T>(_ values: [T]) -> T { values.randomElement(using: &generator)! }
        func pick<T>(_ values: ([T], [T])) -> T {
            Int.random(in: 0..<6, using: &generator) == 0 ? pick(values.1) : pick(values.0)
        }
        func parameters() -> String {
            (0..<Int.random(in: 0...3, using: &generator)).map { _ in
                ";" + (Bool.random(using: &generator) ? "" : pick([" ", "  "])) + pick(parameterKeys) + pick(parameterValues)
            }.joined()
        }
        func member() -> String {
            let key = pick(keys)
            switch Int.random(in: 0...5, using: &generator) {
            case 0: return key + parameters()
            case 1, 2: return key + "=" + pick(bareItems) + parameters()
            default:
                let items = (0..<Int.random(in: 0...4, using: &generator)).map { _ in pick(bareItems) + parameters() }
                let inside = items.joined(separator: pick(([" ", "  "], ["\t"])))
                let padded = Bool.random(using: &generator) ? inside : pick(["", " "]) + inside + pick(["", " "])
                return key + "=(" + padded + pick(([")"], [""])) + parameters()
            }
        }
        var plainCount = 0, leftToLibrary = 0
        for _ in 0..<10_000 {
            let members = (0..<Int.random(in: 1...3, using: &generator)).map { _ in member() }
            var value = members.dropFirst().reduce(members[0]) { $0 + pick(separators) + $1 }
            if Int.random(in: 0..<8, using: &generator) == 0 { value = pick([" ", "  ", "\t"]) + value }
            if Int.random(in: 0..<8, using: &generator) == 0 { value += pick([" ", "\t", ",", " ,"]) }
            let library = StructuredDictionary.readWithLibrary(value)
            if let plain = StructuredDictionary.readPlain(value) {
                plainCount += 1
                #expect(plain == library, "\(value)")
            } else if library != nil {
                leftToLibrary += 1
            }
            #expect(StructuredDictionary.read(value) == library, "\(value)")
        }
        // Both sides of the rule were exercised.
        #expect(plainCount > 600)
        #expect(leftToLibrary > 300)
    }

    @Test("a repeated key keeps its first place and takes the last value, as the library has it")
    func repeatedKeys() throws {
        let value = #"a=1;x=1;x="two", b=("p" "q"), a=:YQ==:"#
        let plain = try #require(StructuredDictionary.readPlain(value))
        #expect(plain == StructuredDictionary.readWithLibrary(value))
        #expect(Array(plain.map(\.0)) == ["a", "b"])
        guard case .item(let item) = plain["a"] else { Issue.record("a is not an item"); return }
        #expect(item.rfc9651BareItem == .undecodedByteSequence("YQ=="))
    }
}
