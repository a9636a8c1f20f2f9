import Foundation
import Storage

/// The node's look as every page uses it: name, colours with a text colour
/// that is readable on each, and whether a logo exists.
public struct Brand: Sendable, Equatable {
    public let name: String
    public let primaryColor: String
    public let accentColor: String
    /// Black or white, whichever contrasts more with the colour (at least 4.5:1 either way).
    public let primaryText: String
    public let accentText: String
    /// The colour of links on the white page: the primary colour when it is
    /// readable on white (WCAG AA, 4.5:1), else a dark grey.
    public let linkColor: String
    public let hasLogo: Bool
    /// Changes whenever the branding does, for cache-busting URLs.
    public let version: String
}

/// Branding per node: an administrator sets the name, colours and logo;
/// colours are validated, and text on them is chosen black or white so that
/// it keeps WCAG AA contrast whatever colour is picked.
public struct BrandingService: Sendable {
    let database: NodeDatabase
    let configuration: NodeConfiguration

    public static let defaultPrimary = "#154273"
    public static let defaultAccent = "#ffb612"
    static let maxLogoBytes = 512 * 1024

    public func current() async throws -> Brand {
        brand(from: try await database.brandingFacts())
    }

    /// The look that the saved branding (`nil`: none saved) gives.
    public func brand(from saved: BrandingFacts?) -> Brand {
        let primary = saved?.primaryColor ?? Self.defaultPrimary
        let accent = saved?.accentColor ?? Self.defaultAccent
        let name = saved.map(\.name).flatMap { $0.isEmpty ? nil : $0 } ?? configuration.nodeName
        return Brand(name: name, primaryColor: primary, accentColor: accent,
                     primaryText: Self.readableText(on: primary), accentText: Self.readableText(on: accent),
                     linkColor: Self.contrast(primary, "#ffffff") >= 4.5 ? primary : "#1a1a1a",
                     hasLogo: saved?.hasLogo ?? false,
                     version: saved.map { String(Int($0.updatedAt.timeIntervalSince1970 * 1000)) } ?? "0")
    }

    public func logo() async throws -> (bytes: Data, contentType: String)? {
        guard let saved = try await database.branding(), let logo = saved.logo, let type = saved.logoContentType else { return nil }
        return (logo, type)
    }

    /// What an administrator submits; `logo` replaces the current one, `removeLogo` drops it.
    public struct Update: Sendable {
        public var name: String
        public var primaryColor: String
        public var accentColor: String
        public var logo: [UInt8]?
        public var removeLogo: Bool
    }

    public func save(_ update: Update, by account: Account) async throws {
        guard account.isAdmin else { throw ServiceError(.forbidden, "only node administrators change the branding") }
        var errors = FieldErrors()
        let primary = Self.normalisedColor(update.primaryColor)
        let accent = Self.normalisedColor(update.accentColor)
        errors.check("primaryColor", primary == nil ? "must be a colour written as #rrggbb" : nil)
        errors.check("accentColor", accent == nil ? "must be a colour written as #rrggbb" : nil)
        errors.check("name", Validation.textProblem(update.name, max: 80))
        var logoType: String?
        if let logo = update.logo, !logo.isEmpty {
            logoType = ProfileService.imageType(of: logo)
            errors.check("logo", logo.count > Self.maxLogoBytes ? "must be at most \(Self.maxLogoBytes / 1024) KiB"
                                 : logoType == nil ? "must be a PNG, JPEG, GIF or WebP image" : nil)
        }
        try errors.throwIfAny()
        let previous = try await database.branding()
        var branding = NodeBranding(name: update.name.trimmingCharacters(in: .whitespacesAndNewlines),
                                    primaryColor: primary!, accentColor: accent!,
                                    logo: previous?.logo, logoContentType: previous?.logoContentType)
        if update.removeLogo { branding.logo = nil; branding.logoContentType = nil }
        if let logo = update.logo, let logoType, !logo.isEmpty { branding.logo = Data(logo); branding.logoContentType = logoType }
        try await database.saveBranding(branding)
    }

    /// `#rrggbb` in lowercase, from `#RRGGBB`, `rrggbb` or `#rgb`; nil for anything else.
    static func normalisedColor(_ text: String) -> String? {
        var hex = text.trimmingCharacters(in: .whitespaces).lowercased()
        if hex.hasPrefix("#") { hex.removeFirst() }
        if hex.count == 3 { hex = hex.map { "\($0)\($0)" }.joined() }
        guard hex.count == 6, hex.allSatisfy({ $0.isHexDigit }) else { return nil }
        return "#" + hex
    }

    /// WCAG 2.1 relative luminance of a `#rrggbb` colour.
    static func luminance(_ color: String) -> Double {
        let value = Int(color.dropFirst(), radix: 16) ?? 0
        let channels = [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff].map { channel -> Double in
            let c = Double(channel) / 255
            return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    }

    /// WCAG 2.1 contrast ratio of two colours (1 to 21).
    static func contrast(_ a: String, _ b: String) -> Double {
        let (la, lb) = (luminance(a), luminance(b))
        return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
    }

    /// Black or white text, whichever reads better on `background`.
    static func readableText(on background: String) -> String {
        contrast(background, "#000000") >= contrast(background, "#ffffff") ? "#000000" : "#ffffff"
    }
}
