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
    /// Bytes of files of other nodes' groups (see ``GroupFileFederation``).
    public let fileCache: BlobStore
    public let accounts: AccountService
    public let profiles: ProfileService
    public let federation: FederationRuntime
    public let follows: FollowService
    public let groups: GroupService
    public let groupFederation: GroupFederation
    let accountDeletions: AccountDeletionNotices
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
        let fileCache = try BlobStore(directory: configuration.fileCacheDirectory)
        self.fileCache = fileCache
        self.accounts = AccountService(database: database, configuration: configuration, hasher: PasswordHasher(cost: configuration.bcryptCost))
        self.federation = FederationRuntime(configuration: configuration, database: database, logger: logger, tuning: tuning, blobs: fileCache)
        self.follows = FollowService(database: database, runtime: federation)
        self.profiles = ProfileService(database: database, blobs: blobs, configuration: configuration, follows: follows)
        self.notifications = NotificationService(database: database)
        let groupFederation = GroupFederation(database: database, runtime: federation, follows: follows)
        self.groupFederation = groupFederation
        self.accountDeletions = AccountDeletionNotices(database: database, runtime: federation)
        self.groups = GroupService(database: database, configuration: configuration, notifications: notifications, blobs: blobs,
                                   federation: groupFederation, fileCache: fileCache)
        let fileFederation = GroupFileFederation(database: database, runtime: federation, cache: fileCache)
        self.content = ContentService(database: database, configuration: configuration, notifications: notifications, blobs: blobs,
                                      federation: groupFederation, files: fileFederation)
        self.files = FileService(database: database, blobs: blobs, configuration: configuration, content: content, federation: fileFederation)
        self.wiki = WikiService(database: database, federation: groupFederation)
        self.branding = BrandingService(database: database, configuration: configuration)
        self.search = SearchService(database: database, content: content, groups: groups, profiles: profiles)
        self.metrics = metrics
    }
}

extension NodeServices {
    /// Deletes a local account and tells every node that received the
    /// person's data (see ``AccountDeletionNotices``).
    public func deleteAccount(_ account: Account) async throws {
        let notice = try await accountDeletions.notice(for: account)
        try await accounts.delete(account, blobs: blobs, notice: notice)
        federation.outbox.wake()
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
