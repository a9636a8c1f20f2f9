import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOConcurrencyHelpers
import NIOHTTP1

/// How an outgoing request is signed.
public enum RequestSigning: Sendable {
    /// RFC 9421 with the signer's Ed25519 key (between Meent nodes).
    case rfc9421(MessageSigningKey, keyId: String)
    /// draft-cavage `rsa-sha256` with the signer's RSA key (what Mastodon expects).
    case cavage(MessageSigningKey, keyId: String)
    case unsigned
}

/// HTTP for federation: signed GETs of remote documents and signed POSTs to
/// inboxes, with the address policy checked before every connection (and
/// every redirect), size limits on what is read, and time limits.
public final class FederationClient: Sendable {
    private let client = NIOLockedValueBox<HTTPClient?>(nil)
    private let configuration: HTTPClient.Configuration
    let settings: FederationSettings
    let addressPolicy: AddressPolicy
    public static let activityMediaType = "application/activity+json"
    static let maxRedirects = 3
    /// Connections kept open to one host at most (HTTP/1.1); matches ``DeliveryWorker``'s default concurrency.
    public static let connectionsPerHost = 32

    public init(settings: FederationSettings) {
        self.settings = settings
        self.addressPolicy = AddressPolicy(allowsPrivateAddresses: settings.allowsPrivateAddresses)
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .milliseconds(Int64(settings.requestTimeout / .milliseconds(1)))))
        // As many connections per host as the delivery worker sends at once
        // (AsyncHTTPClient's default is 8: the rest of a batch to one busy
        // peer would wait for a free connection).
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: Self.connectionsPerHost)
        configuration.httpVersion = .automatic
        // No tracer: the node bootstraps none, and AsyncHTTPClient otherwise
        // opens a (no-op) span and sets its attributes on every request,
        // 3.6 % of an outgoing delivery's CPU.
        configuration.tracing.tracer = nil
        self.configuration = configuration
    }

    /// The connection pool, made on first use so that commands that never
    /// federate open none.
    private var http: HTTPClient {
        client.withLockedValue { client in
            if let client { return client }
            let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            client = made
            return made
        }
    }

    /// Stops the connection pool, if one was opened; call once when the node shuts down.
    public func shutdown() async throws {
        let opened = client.withLockedValue { client in
            defer { client = nil }
            return client
        }
        try await opened?.shutdown()
    }

    /// A fetched document and the URL it was finally read from.
    public struct Fetched: Sendable {
        public let body: Data
        public let url: String
    }

    /// GETs an ActivityStreams document (or, with `accept`, another JSON
    /// document), following at most three redirects, each checked like the
    /// first; every request, redirects included, takes one from the current
    /// ``FetchBudget``.
    public func fetch(_ url: String, accept: String = FederationClient.activityMediaType, signing: @Sendable (String) -> RequestSigning) async throws -> Fetched {
        var current = url
        for _ in 0...Self.maxRedirects {
            try FetchBudget.take(for: current)
            let response = try await send(method: "GET", url: current, body: nil, contentType: nil, accept: accept, signing: signing(current))
            switch response.status {
            case 200..<300:
                if accept == Self.activityMediaType, !Self.isActivityMediaType(response.contentType) {
                    // FEP-fe34: a document served as anything else (an uploaded file, a page) is not an object of its origin.
                    throw FederationError.malformed("\(current) is served as \(response.contentType ?? "no media type"), not as an ActivityStreams document")
                }
                return Fetched(body: response.body, url: current)
            case 301, 302, 303, 307, 308:
                guard let location = response.location, let next = URL(string: location, relativeTo: URL(string: current))?.absoluteString else {
                    throw FederationError.malformed("redirect without a usable Location")
                }
                current = next
            case 404:
                throw FederationError.notFound("\(current) answered 404")
            case 410:
                throw FederationError.gone("\(current) answered 410")
            default:
                throw FederationError.remoteStatus(response.status, "GET \(current) answered \(response.status)")
            }
        }
        throw FederationError.malformed("more than \(Self.maxRedirects) redirects from \(url)")
    }

    /// POSTs an activity to an inbox; returns the status the inbox answered.
    public func post(_ url: String, body: Data, signing: RequestSigning) async throws -> Int {
        try await send(method: "POST", url: url, body: body, contentType: Self.activityMediaType, accept: nil, signing: signing).status
    }

    /// POSTs a signed JSON request to another node's endpoint and returns
    /// its answer (for requests answered at once, such as a wiki edit that
    /// the group's home node orders).
    public func exchange(_ url: String, json body: Data, signing: RequestSigning) async throws -> (status: Int, body: Data) {
        let response = try await send(method: "POST", url: url, body: body, contentType: "application/json", accept: "application/json", signing: signing)
        return (response.status, response.body)
    }

    /// POSTs raw bytes (a file) signed, with `Content-Digest` over them, to
    /// another node's endpoint; returns its answer (a JSON document, at most
    /// the document size limit).
    public func upload(_ url: String, body: Data, contentType: String, signing: RequestSigning) async throws -> (status: Int, body: Data) {
        let response = try await send(method: "POST", url: url, body: body, contentType: contentType, accept: "application/json", signing: signing)
        return (response.status, response.body)
    }

    /// GETs the bytes of a file from another node, at most `maxBytes` of
    /// them; no redirects are followed (the URL names the file's home).
    public func download(_ url: String, maxBytes: Int, signing: RequestSigning) async throws -> Data {
        let response = try await send(method: "GET", url: url, body: nil, contentType: nil, accept: "*/*", signing: signing, limit: maxBytes)
        switch response.status {
        case 200..<300: return response.body
        case 404: throw FederationError.notFound("\(url) answered 404")
        case 410: throw FederationError.gone("\(url) answered 410")
        default: throw FederationError.remoteStatus(response.status, "GET \(url) answered \(response.status)")
        }
    }

    struct RawResponse {
        let status: Int
        let body: Data
        let location: String?
        let contentType: String?
    }

    /// Whether a `Content-Type` names an ActivityStreams document:
    /// `application/activity+json`, or `application/ld+json` with the
    /// ActivityStreams profile.
    static func isActivityMediaType(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        switch parts.first?.lowercased() {
        case "application/activity+json": return true
        case "application/ld+json": return parts.dropFirst().contains { $0.lowercased().hasPrefix("profile=") && $0.contains("https://www.w3.org/ns/activitystreams") }
        default: return false
        }
    }

    private func send(method: String, url: String, body: Data?, contentType: String?, accept: String?, signing: RequestSigning,
                      limit: Int? = nil) async throws -> RawResponse {
        guard let target = Origin.requestTarget(of: url) else { throw FederationError.malformed("not an http(s) URL: \(url)") }
        try addressPolicy.check(host: target.host)

        var signable = SignableRequest(
            method: method, scheme: target.scheme, authority: target.authority,
            path: target.path.isEmpty ? "/" : target.path,
            query: target.query, headers: [:], body: body.map { Array($0) })
        signable.headers.append(name: "Host", value: target.authority)
        signable.headers.append(name: "User-Agent", value: settings.userAgent)
        if let contentType { signable.headers.append(name: "Content-Type", value: contentType) }
        if let accept { signable.headers.append(name: "Accept", value: accept) }
        switch signing {
        case .rfc9421(let key, let keyId):
            try HTTPMessageSigner(key: key, keyID: keyId).sign(&signable)
        case .cavage(let key, let keyId):
            try CavageSigner(key: key, keyID: keyId).sign(&signable)
        case .unsigned:
            break
        }

        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for field in signable.headers.fields where field.name.lowercased() != "host" {
            request.headers.add(name: field.name, value: field.value)
        }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .milliseconds(Int64(settings.requestTimeout / .milliseconds(1))))
        } catch {
            throw FederationError.unreachable("\(method) \(url): \(error)")
        }
        let status = Int(response.status.code)
        let limit = limit ?? settings.maxDocumentBytes
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
            throw FederationError.tooLarge("\(url) sends \(length) bytes, more than \(limit)")
        }
        let collected: ByteBuffer
        do {
            collected = try await response.body.collect(upTo: limit)
        } catch let error as NIOTooManyBytesError {
            throw FederationError.tooLarge("\(url) sends more than \(limit) bytes (\(error))")
        }
        return RawResponse(status: status, body: Data(collected.readableBytesView), location: response.headers.first(name: "Location"),
                           contentType: response.headers.first(name: "Content-Type"))
    }
}
