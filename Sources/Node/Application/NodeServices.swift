import Federation
import Foundation
import Logging
import Prometheus
import Storage

/// The node's long-lived parts, made once per process and shared by the HTTP
/// routes and the CLI.
public struct NodeServices: Sendable {
    public let configuration: NodeConfiguration
    public let database: NodeDatabase
    public let blobs: BlobStore
    public let accounts: AccountService
    public let profiles: ProfileService
    public let federation: FederationRuntime
    public let follows: FollowService
    public let groups: GroupService
    public let content: ContentService
    public let files: FileService
    public let notifications: NotificationService
    public let search: SearchService
    public let wiki: WikiService
    public let branding: BrandingService
    public let metrics: PrometheusCollectorRegistry
    public let logger: Logger

    /// Opens the database (migrating it) and the blob store in the data directory.
    public init(configuration: NodeConfiguration, logger: Logger = Logger(label: "meent"),
                tuning: FederationTuning = FederationTuning(), metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) throws {
        try DataDirectory.prepare(configuration.dataDirectory)
        let database = try NodeDatabase(path: configuration.databasePath)
        self.configuration = configuration
        self.database = database
        self.logger = logger
        self.blobs = try BlobStore(directory: configuration.blobDirectory)
        self.accounts = AccountService(database: database, configuration: configuration, hasher: PasswordHasher(cost: configuration.bcryptCost))
        self.federation = FederationRuntime(configuration: configuration, database: database, logger: logger, tuning: tuning)
        self.follows = FollowService(database: database, runtime: federation)
        self.profiles = ProfileService(database: database, blobs: blobs, configuration: configuration, follows: follows)
        self.notifications = NotificationService(database: database)
        self.groups = GroupService(database: database, configuration: configuration, notifications: notifications, blobs: blobs)
        self.content = ContentService(database: database, configuration: configuration, notifications: notifications, blobs: blobs)
        self.files = FileService(database: database, blobs: blobs, configuration: configuration, content: content)
        self.wiki = WikiService(database: database)
        self.branding = BrandingService(database: database, configuration: configuration)
        self.search = SearchService(database: database, content: content, groups: groups, profiles: profiles)
        self.metrics = metrics
    }
}

/// The data directory: created on first start, and checked to be writable
/// before anything is written, so the operator gets one clear message.
public enum DataDirectory {
    public static func prepare(_ directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let probe = directory.appendingPathComponent(".write-test-\(getpid())")
            try Data("ok".utf8).write(to: probe)
            try FileManager.default.removeItem(at: probe)
        } catch {
            throw ConfigurationError(key: "DATA_DIR", value: directory.path, reason: "the data directory is not writable (\(error.localizedDescription))")
        }
    }
}
