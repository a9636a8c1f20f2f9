import Federation
import Foundation
import Logging
import ServiceLifecycle
import Storage

/// The protocol layer as this node runs it: one HTTP client, the keyring,
/// the actor cache, the inbox and the delivery queue with their workers.
public struct FederationRuntime: Sendable {
    public let settings: FederationSettings
    public let urls: LocalActorURLs
    public let client: FederationClient
    public let keyring: LocalKeyring
    public let policy: FederationPolicy
    public let resolver: ActorResolver
    public let receiver: InboxReceiver
    public let outbox: Outbox
    public let inboxWorker: InboxWorker
    public let deliveryWorker: DeliveryWorker
    let inboxSignal: WorkSignal

    public init(configuration: NodeConfiguration, database: NodeDatabase, logger: Logger, tuning: FederationTuning = FederationTuning(),
                blobs: BlobStore? = nil) {
        var settings = FederationSettings(
            baseURL: configuration.baseURL.absoluteString,
            mode: configuration.federationMode == .open ? .open : .allowlist,
            allowsPrivateAddresses: configuration.allowPrivateNetworkPeers,
            softwareVersion: MeentVersion.current)
        settings.retrySchedule = tuning.retrySchedule
        settings.requestTimeout = tuning.requestTimeout
        self.settings = settings
        urls = LocalActorURLs(base: settings.baseURL)
        client = FederationClient(settings: settings)
        keyring = LocalKeyring(database: database)
        policy = FederationPolicy(database: database, settings: settings)
        resolver = ActorResolver(database: database, client: client, settings: settings, keyring: keyring, policy: policy, logger: logger)
        receiver = InboxReceiver(database: database, resolver: resolver, policy: policy, settings: settings)
        let deliverySignal = WorkSignal()
        inboxSignal = WorkSignal()
        outbox = Outbox(policy: policy, urls: urls, signal: deliverySignal)
        let context = InboxContext(database: database, resolver: resolver, outbox: outbox, urls: urls, logger: logger, blobs: blobs)
        inboxWorker = InboxWorker(context: context, signal: inboxSignal)
        deliveryWorker = DeliveryWorker(database: database, client: client, keyring: keyring, policy: policy,
                                        settings: settings, signal: deliverySignal, logger: logger)
    }

    /// The background services to run beside the HTTP server. A service group
    /// stops its services in reverse order: the workers finish their work in
    /// flight before the HTTP client they use closes.
    public var services: [any Service] { [ClientShutdown(client: client), inboxWorker, deliveryWorker] }

    /// Tells the inbox worker that an activity was stored.
    func activityStored() { inboxSignal.notify() }
}

/// Timing of federation that tests shorten; operators keep the defaults.
public struct FederationTuning: Sendable {
    public var retrySchedule = RetrySchedule()
    public var requestTimeout: Duration = .seconds(10)

    public init(retrySchedule: RetrySchedule = RetrySchedule(), requestTimeout: Duration = .seconds(10)) {
        self.retrySchedule = retrySchedule
        self.requestTimeout = requestTimeout
    }
}

/// Keeps the federation HTTP client open while the node runs and closes it
/// on shutdown.
struct ClientShutdown: Service {
    let client: FederationClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
