import AsyncHTTPClient
import Federation
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// A server of the wider fediverse that behaves as Mastodon does towards a
/// group: its people's actor documents carry only an RSA `publicKey` (no
/// Meent extensions, no Multikey), it signs what it sends with draft-cavage
/// `rsa-sha256`, and its inboxes take only draft-cavage signatures, which it
/// verifies against the key in the sender's actor document, fetched without
/// a signature (an RFC 9421 signature alone is answered 401).
final class MastodonLikePeer: Sendable {
    struct Received: Sendable {
        let path: String
        let body: String
        /// The key id of the draft-cavage signature that verified.
        let keyId: String

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        var type: String? { json["type"] as? String }
    }

    let host: String
    let port: Int
    let key: MessageSigningKey
    private let publicKeyPEM: String
    private let log = NIOLockedValueBox<[Received]>([])
    private let refusedCount = NIOLockedValueBox(0)
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    var base: String { "http://\(host):\(port)" }
    var authority: String { "\(host):\(port)" }
    func actorId(_ username: String) -> String { "\(base)/users/\(username)" }
    func keyId(_ username: String) -> String { "\(actorId(username))#main-key" }
    var received: [Received] { log.withLockedValue { $0 } }
    /// Requests whose signature this peer refused.
    var refused: Int { refusedCount.withLockedValue { $0 } }

    static func start() async throws -> MastodonLikePeer {
        let host = LoopbackAddress.next()
        let port = 8080
        let base = "http://\(host):\(port)"
        let key = try MessageSigningKey.makeRSA()
        guard let pem = key.verificationKey.pemRepresentation else { throw TestFailure("no PEM for the RSA key") }
        let started = AsyncStream.makeStream(of: Void.self)
        let box = NIOLockedValueBox<MastodonLikePeer?>(nil)
        let router = Router()
        router.get("users/:name") { _, context -> Response in
            let name = try context.parameters.require("name")
            let id = "\(base)/users/\(name)"
            let document: [String: Any] = [
                "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                "id": id, "type": "Person", "preferredUsername": name, "name": name.capitalized,
                "inbox": "\(id)/inbox", "outbox": "\(id)/outbox", "followers": "\(id)/followers",
                "endpoints": ["sharedInbox": "\(base)/inbox"],
                "publicKey": ["id": "\(id)#main-key", "owner": id, "publicKeyPem": pem],
            ]
            return Response(status: .ok, headers: [.contentType: "application/activity+json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: document))))
        }
        let inbox: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            guard let peer = box.withLockedValue({ $0 }) else { return Response(status: .serviceUnavailable) }
            var request = request
            let body = Array(buffer: try await request.collectBody(upTo: 1 << 20))
            var headers = HTTPHeaderFields()
            for field in request.headers { headers.append(name: field.name.rawName, value: field.value) }
            // Only draft-cavage: a request signed with RFC 9421 alone is not understood.
            guard request.headers[HTTPField.Name("Signature-Input")!] == nil else {
                peer.refusedCount.withLockedValue { $0 += 1 }
                return Response(status: .unauthorized)
            }
            let signable = SignableRequest(method: "POST", scheme: "http", authority: peer.authority, path: request.uri.path,
                                           query: request.uri.query, headers: headers, body: body)
            do {
                let verified = try await RequestSignatureVerifier().verify(signable) { keyId in try await Self.fetchKey(keyId) }
                peer.log.withLockedValue { $0.append(Received(path: request.uri.path, body: String(decoding: body, as: UTF8.self), keyId: verified.keyID)) }
                return Response(status: .accepted)
            } catch {
                peer.refusedCount.withLockedValue { $0 += 1 }
                return Response(status: .unauthorized)
            }
        }
        router.post("inbox", use: inbox)
        router.post("users/:name/inbox", use: inbox)
        var logger = Logger(label: "mastodon-like-peer")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port)),
                              onServerRunning: { _ in started.continuation.yield() }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = started.stream.makeAsyncIterator()
        _ = await iterator.next()
        let peer = MastodonLikePeer(host: host, port: port, key: key, publicKeyPEM: pem, group: group, task: task)
        box.withLockedValue { $0 = peer }
        return peer
    }

    private init(host: String, port: Int, key: MessageSigningKey, publicKeyPEM: String, group: ServiceGroup, task: Task<Void, any Error>) {
        self.host = host
        self.port = port
        self.key = key
        self.publicKeyPEM = publicKeyPEM
        self.group = group
        self.task = task
    }

    /// The RSA key a signature names, from its actor document, fetched
    /// without a signature as Mastodon does for a public actor.
    static func fetchKey(_ keyId: String) async throws -> MessageVerificationKey {
        let actorURL = String(keyId.split(separator: "#", maxSplits: 1)[0])
        let (status, body) = try await Self.get(actorURL)
        guard status == 200, let document = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any],
              let publicKey = document["publicKey"] as? [String: Any], publicKey["id"] as? String == keyId,
              let pem = publicKey["publicKeyPem"] as? String else {
            throw TestFailure("no key \(keyId) at \(actorURL)")
        }
        return try MessageVerificationKey(pemRepresentation: pem)
    }

    /// An unsigned GET asking for ActivityStreams.
    static func get(_ url: String) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/activity+json")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// Sends `activity` as `username` of this server, signed with draft-cavage
    /// `rsa-sha256` (with a `Digest`), through `client` (any HTTP transport).
    func send(_ activity: [String: Any], to inbox: String, as username: String, via client: FederationClient) async throws -> Int {
        let body = try JSONSerialization.data(withJSONObject: activity, options: [.sortedKeys, .withoutEscapingSlashes])
        return try await client.post(inbox, body: body, signing: .cavage(key, keyId: keyId(username)))
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
