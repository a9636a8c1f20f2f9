import Foundation
import GRDB

/// The node's own look, set by an administrator: the name shown in every
/// page header, colours (lowercase `#rrggbb`) and an optional logo image.
public struct NodeBranding: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "nodeBranding"

    public var id: Int64 = 1
    /// Empty means "use the configured node name".
    public var name: String
    public var primaryColor: String
    public var accentColor: String
    public var logo: Data?
    public var logoContentType: String?
    public var updatedAt: Date

    public init(name: String, primaryColor: String, accentColor: String, logo: Data? = nil, logoContentType: String? = nil, updatedAt: Date = Date()) {
        self.name = name
        self.primaryColor = primaryColor
        self.accentColor = accentColor
        self.logo = logo
        self.logoContentType = logoContentType
        self.updatedAt = updatedAt
    }
}
