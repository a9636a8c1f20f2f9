import Configuration
import Foundation
import Logging

/// Everything an operator can set about a node, read from `node.conf`,
/// environment variables (`MEENT_` + the key) and command-line flags, in
/// rising order of precedence.
///
/// Every key is documented in `node.conf.example`. A value that is malformed
/// stops the node with a message that names the key.
public struct NodeConfiguration: Sendable {
    public enum RegistrationMode: String, Sendable, CaseIterable {
        /// Anyone may create an account.
        case open
        /// An account needs an invitation code from an administrator.
        case inviteOnly = "invite-only"
        /// Only administrators create accounts (CLI or API).
        case closed
    }

    public enum FederationMode: String, Sendable, CaseIterable {
        /// Federate with every node except blocked ones.
        case open
        /// Federate only with nodes an operator has allowed.
        case allowlist
    }

    public enum LogFormat: String, Sendable, CaseIterable {
        case text
        case json
    }

    /// The public URL people and other nodes reach this node at; ids of all
    /// local objects start with it.
    public var baseURL: URL
    public var listenHost: String
    public var listenPort: Int
    public var dataDirectory: URL
    public var nodeName: String
    public var registrationMode: RegistrationMode
    public var maxUploadBytes: Int
    public var federationMode: FederationMode
    /// Test-only: lets federation reach loopback and private addresses.
    public var allowPrivateNetworkPeers: Bool
    public var bcryptCost: Int
    public var sessionLifetimeDays: Int
    public var defaultLanguage: String
    public var adminUsername: String
    public var logLevel: Logger.Level
    public var logFormat: LogFormat

    public var databasePath: String { dataDirectory.appendingPathComponent("meent.sqlite").path }
    public var blobDirectory: URL { dataDirectory.appendingPathComponent("blobs") }
    /// Bytes of files of other nodes' groups, fetched for the people here
    /// (kept apart from this node's own files; see docs/federation.md).
    public var fileCacheDirectory: URL { dataDirectory.appendingPathComponent("file-cache") }
    /// Whether cookies must carry the `Secure` flag (the node is served over HTTPS).
    public var usesHTTPS: Bool { baseURL.scheme == "https" }

    /// Every key a configuration source may set, with its documentation.
    public static let keys: [ConfigurationKey] = [
        .init("BASE_URL", "url", "http://LISTEN_HOST:LISTEN_PORT", "Public URL of the node, as people and other nodes reach it."),
        .init("LISTEN_HOST", "host", "127.0.0.1", "Address to listen on."),
        .init("LISTEN_PORT", "port", "8080", "TCP port to listen on (1-65535)."),
        .init("DATA_DIR", "path", "./data", "Directory for the database, uploaded files and keys."),
        .init("NODE_NAME", "text", "Meent", "Name of the node, shown in pages and to other nodes."),
        .init("REGISTRATION_MODE", "open | invite-only | closed", "open", "Who may create an account (an administrator can override it at /admin)."),
        .init("MAX_UPLOAD_SIZE", "size (bytes, or with K, M, G)", "25M", "Largest file a person may upload."),
        .init("FEDERATION_MODE", "open | allowlist", "allowlist", "Federate with everyone but blocked peers, or only with allowed peers."),
        .init("ALLOW_PRIVATE_NETWORK_PEERS", "bool", "false", "TEST ONLY: allow federation with loopback and private addresses."),
        .init("BCRYPT_COST", "integer 4-31", "12", "bcrypt cost for password hashes; each step doubles the time."),
        .init("SESSION_LIFETIME_DAYS", "integer 1-365", "14", "How long a browser session stays signed in."),
        .init("DEFAULT_LANGUAGE", "en | nl", "en", "Language of pages when the browser asks for none we have."),
        .init("ADMIN_USERNAME", "username", "admin", "Username of the administrator created on first start."),
        .init("LOG_LEVEL", "trace | debug | info | notice | warning | error | critical", "info", "Least severe log level written."),
        .init("LOG_FORMAT", "text | json", "text", "Log lines as readable text or as one JSON object per line."),
    ]

    public static let knownKeyNames = Set(keys.map(\.name))

    /// Reads the configuration from the given sources and validates every value.
    ///
    /// - Parameters:
    ///   - fileValues: parsed `node.conf` (see ``ConfigFile``).
    ///   - environment: the process environment; only `MEENT_*` variables count.
    ///   - overrides: values from command-line flags, keyed like `node.conf`.
    public static func load(
        fileValues: [String: String] = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: [String: String] = [:]
    ) throws(ConfigurationError) -> NodeConfiguration {
        let reader = ConfigReader(providers: [
            EnvironmentVariablesProvider(environmentVariables: overrides),
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "meent"),
            EnvironmentVariablesProvider(environmentVariables: fileValues),
        ])
        func raw(_ name: String) -> String? {
            let key = ConfigKey(name.lowercased().split(separator: "_").map(String.init))
            guard let value = reader.string(forKey: key)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        let values = ConfigurationValues(raw: raw)

        let listenHost = values.string("LISTEN_HOST", default: "127.0.0.1")
        let listenPort = try values.integer("LISTEN_PORT", default: 8080, in: 1...65535)
        let baseURLText = values.string("BASE_URL", default: "http://\(listenHost.contains(":") ? "[\(listenHost)]" : listenHost):\(listenPort)")
        guard let baseURL = URL(string: baseURLText.hasSuffix("/") ? String(baseURLText.dropLast()) : baseURLText),
              let scheme = baseURL.scheme, ["http", "https"].contains(scheme), baseURL.host != nil,
              baseURL.query == nil, baseURL.fragment == nil, baseURL.path.isEmpty || baseURL.path == "/"
        else {
            throw ConfigurationError(key: "BASE_URL", value: baseURLText, reason: "must be an http or https URL with a host and no path, such as https://meent.example.nl")
        }
        let dataDirectory = URL(fileURLWithPath: values.string("DATA_DIR", default: "./data")).standardizedFileURL
        let nodeName = values.string("NODE_NAME", default: "Meent")
        guard nodeName.count <= 100 else {
            throw ConfigurationError(key: "NODE_NAME", value: nodeName, reason: "must be at most 100 characters")
        }
        let adminUsername = values.string("ADMIN_USERNAME", default: "admin")
        if let problem = Validation.usernameProblem(adminUsername) {
            throw ConfigurationError(key: "ADMIN_USERNAME", value: adminUsername, reason: problem)
        }
        let language = values.string("DEFAULT_LANGUAGE", default: "en")
        guard ["en", "nl"].contains(language) else {
            throw ConfigurationError(key: "DEFAULT_LANGUAGE", value: language, reason: "must be one of en, nl")
        }
        return NodeConfiguration(
            baseURL: baseURL,
            listenHost: listenHost,
            listenPort: listenPort,
            dataDirectory: dataDirectory,
            nodeName: nodeName,
            registrationMode: try values.choice("REGISTRATION_MODE", default: .open),
            maxUploadBytes: try values.size("MAX_UPLOAD_SIZE", default: 25 * 1024 * 1024),
            federationMode: try values.choice("FEDERATION_MODE", default: .allowlist),
            allowPrivateNetworkPeers: try values.bool("ALLOW_PRIVATE_NETWORK_PEERS", default: false),
            bcryptCost: try values.integer("BCRYPT_COST", default: 12, in: 4...31),
            sessionLifetimeDays: try values.integer("SESSION_LIFETIME_DAYS", default: 14, in: 1...365),
            defaultLanguage: language,
            adminUsername: adminUsername,
            logLevel: try values.logLevel("LOG_LEVEL", default: .info),
            logFormat: try values.choice("LOG_FORMAT", default: .text)
        )
    }
}

/// One documented configuration key.
public struct ConfigurationKey: Sendable {
    public let name: String
    public let type: String
    public let defaultValue: String
    public let meaning: String

    init(_ name: String, _ type: String, _ defaultValue: String, _ meaning: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.meaning = meaning
    }
}

/// A configuration value that cannot be used, with the key it came from.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let key: String
    public let value: String?
    public let reason: String

    public init(key: String, value: String?, reason: String) {
        self.key = key
        self.value = value
        self.reason = reason
    }

    public var description: String {
        if let value { return "\(key)=\(value): \(reason)" }
        return "\(key): \(reason)"
    }
}

/// Typed readers over raw configuration strings; each failure names its key.
private struct ConfigurationValues {
    let raw: (String) -> String?

    func string(_ key: String, default defaultValue: String) -> String {
        raw(key) ?? defaultValue
    }

    func integer(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = raw(key) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(key: key, value: text, reason: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func bool(_ key: String, default defaultValue: Bool) throws(ConfigurationError) -> Bool {
        guard let text = raw(key) else { return defaultValue }
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw ConfigurationError(key: key, value: text, reason: "must be true or false")
        }
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default defaultValue: T) throws(ConfigurationError) -> T where T.RawValue == String {
        guard let text = raw(key) else { return defaultValue }
        guard let value = T(rawValue: text.lowercased()) else {
            throw ConfigurationError(key: key, value: text, reason: "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    func logLevel(_ key: String, default defaultValue: Logger.Level) throws(ConfigurationError) -> Logger.Level {
        guard let text = raw(key) else { return defaultValue }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError(key: key, value: text, reason: "must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return level
    }

    /// A byte count such as `1048576`, `512K`, `25M` or `1G` (powers of 1024).
    func size(_ key: String, default defaultValue: Int) throws(ConfigurationError) -> Int {
        guard let text = raw(key) else { return defaultValue }
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = text.uppercased()
        if digits.hasSuffix("B") { digits.removeLast() }
        var multiplier = 1
        if let last = digits.last, let unit = units[last] {
            multiplier = unit
            digits.removeLast()
        }
        guard let number = Int(digits), number > 0, number <= (1 << 40) / multiplier else {
            throw ConfigurationError(key: key, value: text, reason: "must be a positive size in bytes, or with a unit K, M or G (25M)")
        }
        return number * multiplier
    }
}
