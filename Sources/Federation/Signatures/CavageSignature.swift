import Foundation

/// A draft-cavage-http-signatures-12 `Signature` header, the scheme Mastodon
/// and most of the fediverse send:
/// `keyId="…",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="…"`.
///
/// The algorithm is always taken from the key; `algorithm` only has to agree
/// with it (`hs2019` agrees with every key, `rsa-sha256` only with an
/// `rsa-v1_5-sha256` key).
public struct CavageSignature: Sendable, Hashable {
    /// The field name, `Signature`.
    public static let fieldName = "Signature"

    /// The `keyId` parameter.
    public var keyID: String
    /// The `algorithm` parameter as given, if any.
    public var algorithmName: String?
    /// The covered header names, lowercase, in signing-string order. Pseudo
    /// headers are `(request-target)`, `(created)` and `(expires)`.
    public var headers: [String]
    /// The `created` parameter as written (an integer).
    var createdText: String?
    /// The `expires` parameter as written (an integer or decimal).
    var expiresText: String?
    /// The signature bytes.
    public var signature: [UInt8]

    /// Creation time from the `created` parameter.
    public var created: Date? { createdText.flatMap(Int64.init).map { Date(timeIntervalSince1970: TimeInterval($0)) } }
    /// Expiry time from the `expires` parameter.
    public var expires: Date? { expiresText.flatMap(Double.init).map { Date(timeIntervalSince1970: $0) } }

    init(keyID: String, algorithmName: String?, headers: [String], created: Date?, expires: Date?, signature: [UInt8]) {
        self.keyID = keyID
        self.algorithmName = algorithmName
        self.headers = headers.map { $0.lowercased() }
        createdText = created.map { String(Int64($0.timeIntervalSince1970.rounded(.down))) }
        expiresText = expires.map { String(Int64($0.timeIntervalSince1970.rounded(.down))) }
        self.signature = signature
    }

    /// Parses a `Signature` header value (an `Authorization: Signature …`
    /// value is accepted too).
    ///
    /// Without `headers`, the covered list is `date`, as Mastodon and the
    /// draft's own examples assume.
    /// - Throws: `HTTPSignatureError.malformedHeader` when the syntax is wrong,
    ///   a parameter repeats, `keyId` or `signature` is missing, `signature`
    ///   is not base64 or `headers` is empty.
    public init(parsing fieldValue: String) throws {
        var text = fieldValue.trimmingHTTPWhitespace()
        if text.lowercased().hasPrefix("signature ") { text = String(text.dropFirst("signature ".count)) }
        let parameters = try Self.authParameters(text)
        guard let keyID = parameters["keyid"], !keyID.isEmpty else {
            throw HTTPSignatureError.malformedHeader.with(detail: "cavage signature without keyId")
        }
        guard let encoded = parameters["signature"], let signature = Data(base64Encoded: encoded) else {
            throw HTTPSignatureError.malformedHeader.with(detail: "cavage signature value missing or not base64")
        }
        let headers = (parameters["headers"] ?? "date").lowercased().split(separator: " ").map(String.init)
        guard !headers.isEmpty else { throw HTTPSignatureError.malformedHeader.with(detail: "empty headers") }
        if let created = parameters["created"], Int64(created) == nil {
            throw HTTPSignatureError.malformedHeader.with(detail: "created is not an integer")
        }
        if let expires = parameters["expires"], Double(expires) == nil {
            throw HTTPSignatureError.malformedHeader.with(detail: "expires is not a number")
        }
        self.keyID = keyID
        algorithmName = parameters["algorithm"]
        self.headers = headers
        createdText = parameters["created"]
        expiresText = parameters["expires"]
        self.signature = Array(signature)
    }

    /// The header value, parameters in the usual order.
    public var fieldValue: String {
        var parts = ["keyId=\(Self.quoted(keyID))"]
        if let algorithmName { parts.append("algorithm=\(Self.quoted(algorithmName))") }
        if let createdText { parts.append("created=\(createdText)") }
        if let expiresText { parts.append("expires=\(expiresText)") }
        parts.append("headers=\(Self.quoted(headers.joined(separator: " ")))")
        parts.append("signature=\(Self.quoted(Data(signature).base64EncodedString()))")
        return parts.joined(separator: ",")
    }

    /// The signing string for `request` (draft section 2.3): one
    /// `name: value` line per covered header, joined by `\n`.
    ///
    /// - Throws: `HTTPSignatureError.missingComponent` when a covered header is
    ///   absent, `.invalidComponent` when `(created)`/`(expires)` are covered
    ///   but their parameter is missing or the algorithm forbids them.
    public func signingString(for request: SignableRequest) throws -> String {
        var lines: [String] = []
        var seen = Set<String>()
        for name in headers {
            guard seen.insert(name).inserted else {
                throw HTTPSignatureError.invalidComponent.with(detail: "\(name) covered twice")
            }
            let value: String
            switch name {
            case "(request-target)":
                value = request.method.lowercased() + " " + request.originFormTarget
            case "(created)", "(expires)":
                let forbidden = ["rsa", "hmac", "ecdsa"].contains { algorithmName?.lowercased().hasPrefix($0) ?? false }
                guard !forbidden, let parameter = name == "(created)" ? createdText : expiresText else {
                    throw HTTPSignatureError.invalidComponent.with(detail: "\(name) not usable here")
                }
                value = parameter
            case "host" where !request.headers.contains("host"):
                // HTTP/2 carries the host as :authority, not as a header.
                value = request.authority
            default:
                guard let headerValue = request.headers[name] else {
                    throw HTTPSignatureError.missingComponent.with(detail: "no \(name) header")
                }
                value = headerValue
            }
            guard !value.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) else {
                throw HTTPSignatureError.invalidComponent.with(detail: "\(name) has a line break")
            }
            lines.append("\(name): \(value)")
        }
        return lines.joined(separator: "\n")
    }

    /// Checks the cryptographic signature over `request` with `key`, and
    /// nothing else: no freshness, coverage or digest policy (use
    /// `RequestSignatureVerifier` for that).
    /// - Throws: `HTTPSignatureError.algorithmMismatch`,
    ///   `.unsupportedAlgorithm`, a component error, or `.badSignature`.
    public func verify(request: SignableRequest, key: MessageVerificationKey) throws {
        try checkAlgorithm(of: key)
        let message = Array(try signingString(for: request).utf8)
        guard key.isValidSignature(signature, for: message) else {
            throw HTTPSignatureError.badSignature.with(detail: "cavage")
        }
    }

    /// Refuses an `algorithm` that names another algorithm than the key's.
    func checkAlgorithm(of key: MessageVerificationKey) throws {
        guard let name = algorithmName else { return }
        let known = ["hs2019", "rsa-sha256", "hmac-sha256", "ecdsa-sha256", "ed25519"]
        guard known.contains(name.lowercased()) else {
            throw HTTPSignatureError.unsupportedAlgorithm.with(detail: "algorithm \(name)")
        }
        guard key.algorithm.matchesCavageName(name) else {
            throw HTTPSignatureError.algorithmMismatch.with(detail: "algorithm \(name), key \(key.algorithm.rawValue)")
        }
    }

    private static func quoted(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Reads `name=value` pairs (value a token or quoted string) separated by
    /// commas; names are compared in lowercase and must not repeat.
    ///
    /// Read over the UTF-8 bytes: every delimiter is ASCII, so names and
    /// values are cut at character boundaries (building them a scalar at a
    /// time was 3.9 % of a draft-cavage intake request's CPU).
    private static func authParameters(_ text: String) throws -> [String: String] {
        let malformed = HTTPSignatureError.malformedHeader.with(detail: "cavage signature syntax")
        let bytes = Array(text.utf8)
        let (equals, comma, quote, backslash) = (UInt8(ascii: "="), UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: "\\"))
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var index = 0
        var result: [String: String] = [:]
        func skipBlanks() { while index < bytes.count, isBlank(bytes[index]) { index += 1 } }
        while true {
            skipBlanks()
            let nameStart = index
            while index < bytes.count, bytes[index] != equals, bytes[index] != comma, !isBlank(bytes[index]) { index += 1 }
            let nameEnd = index
            skipBlanks()
            guard nameEnd > nameStart, index < bytes.count, bytes[index] == equals else { throw malformed }
            index += 1
            skipBlanks()
            var value: [UInt8] = []
            if index < bytes.count, bytes[index] == quote {
                index += 1
                var closed = false
                while index < bytes.count {
                    let byte = bytes[index]
                    index += 1
                    if byte == backslash {
                        // The escaped character's first byte; the rest of a
                        // multi-byte character follows as plain bytes.
                        guard index < bytes.count else { throw malformed }
                        value.append(bytes[index])
                        index += 1
                    } else if byte == quote {
                        closed = true
                        break
                    } else {
                        value.append(byte)
                    }
                }
                guard closed else { throw malformed }
            } else {
                let valueStart = index
                while index < bytes.count, bytes[index] != comma, !isBlank(bytes[index]) { index += 1 }
                guard index > valueStart else { throw malformed }
                value = Array(bytes[valueStart..<index])
            }
            let key = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self).lowercased()
            guard result.updateValue(String(decoding: value, as: UTF8.self), forKey: key) == nil else {
                throw HTTPSignatureError.malformedHeader.with(detail: "cavage parameter \(key) repeats")
            }
            skipBlanks()
            if index == bytes.count { return result }
            guard bytes[index] == comma else { throw malformed }
            index += 1
        }
    }
}
