import Foundation
import Testing

@testable import Federation

/// RFC 9421 Appendix B test material, read from the shared reference folder
/// that sits beside the repository (`../shared/reference/rfc9421/`).
struct RFC9421Vectors: Decodable {
    struct Key: Decodable {
        var public_pem: String?
        var private_pem: String?
        var base64: String?
    }

    struct Case: Decodable {
        var name: String
        var message: String
        var alg: String
        var keyid: String
        var deterministic: Bool
        var signature_base: String
        var signature_input: String
        var signature: String
    }

    struct Extra: Decodable {
        var signature_base: String
        var signature_b64: String
        var keyid: String
        var deterministic: Bool
    }

    var keys: [String: Key]
    var test_request: String
    var test_response: String
    var cases: [Case]
    var extra: [String: Extra]

    struct MissingFixture: Error, CustomStringConvertible {
        var path: String
        var description: String { "test vectors not found at \(path)" }
    }

    /// The vectors file: the repository root is three levels above this
    /// file's folder, and `shared/` is the root's sibling. Symlinks are
    /// resolved first, so a scratch package that links these tests in finds
    /// the same file. A missing file is an error, never a skip.
    static let fileURL: URL = {
        let testFile = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        let repositoryRoot = testFile
            .deletingLastPathComponent()  // Signatures
            .deletingLastPathComponent()  // FederationTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // repository root
        return repositoryRoot
            .deletingLastPathComponent()
            .appendingPathComponent("shared/reference/rfc9421/appendix-b-vectors.json")
    }()

    static func load() throws -> RFC9421Vectors {
        guard let data = FileManager.default.contents(atPath: fileURL.path) else {
            throw MissingFixture(path: fileURL.path)
        }
        return try JSONDecoder().decode(RFC9421Vectors.self, from: data)
    }

    /// The request of Appendix B.2 as a signable request (over https).
    func request() throws -> SignableRequest {
        try HTTPMessageText.request(test_request)
    }

    /// The response of Appendix B.2, with the request it answers.
    func response() throws -> SignableResponse {
        var response = try HTTPMessageText.response(test_response)
        response.request = try request()
        return response
    }

    func signingKey(_ id: String, algorithm: SignatureAlgorithm) throws -> MessageSigningKey {
        let key = try #require(keys[id])
        if let secret = key.base64 {
            return try MessageSigningKey(hmacSecret: Array(try #require(Data(base64Encoded: secret))))
        }
        return try MessageSigningKey(pemRepresentation: try #require(key.private_pem), algorithm: algorithm)
    }

    func verificationKey(_ id: String, algorithm: SignatureAlgorithm) throws -> MessageVerificationKey {
        let key = try #require(keys[id])
        if let secret = key.base64 {
            return try MessageVerificationKey(hmacSecret: Array(try #require(Data(base64Encoded: secret))))
        }
        return try MessageVerificationKey(pemRepresentation: try #require(key.public_pem), algorithm: algorithm)
    }
}

/// Reads HTTP/1.1 message text as written in the RFCs (LF line ends).
enum HTTPMessageText {
    struct Malformed: Error {}

    static func request(_ text: String, scheme: String = "https") throws -> SignableRequest {
        let (startLine, headers, body) = try split(text)
        let parts = startLine.split(separator: " ")
        guard parts.count == 3 else { throw Malformed() }
        let authority = try #require(headers["host"])
        return try SignableRequest(method: String(parts[0]), scheme: scheme, authority: authority,
                                   requestTarget: String(parts[1]), headers: headers, body: body)
    }

    static func response(_ text: String) throws -> SignableResponse {
        let (startLine, headers, body) = try split(text)
        let parts = startLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Malformed() }
        return SignableResponse(status: status, headers: headers, body: body)
    }

    private static func split(_ text: String) throws -> (String, HTTPHeaderFields, [UInt8]?) {
        let sections = text.components(separatedBy: "\n\n")
        var lines = sections[0].components(separatedBy: "\n")
        let startLine = lines.removeFirst()
        var headers = HTTPHeaderFields()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw Malformed() }
            headers.append(name: String(line[..<colon]),
                           value: String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
        let body = sections.count > 1 ? Array(sections.dropFirst().joined(separator: "\n\n").utf8) : nil
        return (startLine, headers, body)
    }
}

extension Array where Element == UInt8 {
    init(base64: String) throws {
        self = Array(try #require(Data(base64Encoded: base64)))
    }

    var base64: String { Data(self).base64EncodedString() }
}
