import Foundation
import Hummingbird
import Logging
import Mustache
import Storage

/// Builds the node's HTTP application; used by `meent serve` and by tests alike.
public enum NodeApplication {
    /// The Hummingbird application serving pages, the JSON API and operations
    /// endpoints for `services`.
    public static func build(
        services: NodeServices,
        logger: Logger,
        onServerRunning: @escaping @Sendable () async -> Void = {}
    ) async throws -> some ApplicationProtocol {
        let configuration = services.configuration
        return Application(
            responder: try await makeResponder(services: services),
            configuration: .init(address: .hostname(configuration.listenHost, port: configuration.listenPort), serverName: nil),
            services: services.federation.services,
            onServerRunning: { _ in await onServerRunning() },
            logger: logger)
    }

    /// Everything the node answers over HTTP, as one responder.
    public static func makeResponder(services: NodeServices) async throws -> some HTTPResponder<NodeRequestContext> {
        HeadRequestResponder(base: try await makeRouter(services: services).buildResponder())
    }

    static func makeRouter(services: NodeServices) async throws -> Router<NodeRequestContext> {
        let configuration = services.configuration
        let resources = try Resources.directory()
        PageEscaping.register()
        let library = try await MustacheLibrary(directory: resources.appendingPathComponent("templates").path)
        let localizer = try Localizer(directory: resources.appendingPathComponent("locales"), defaultLanguage: configuration.defaultLanguage)
        let renderer = PageRenderer(library: library, localizer: localizer, configuration: configuration, database: services.database,
                                    branding: services.branding)
        let openAPI = try Data(contentsOf: resources.appendingPathComponent("openapi.yaml"))

        let router = Router(context: NodeRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(registry: services.metrics))
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: AuthenticationMiddleware(accounts: services.accounts))
        router.add(middleware: PageErrorMiddleware(renderer: renderer))
        router.add(middleware: CSRFMiddleware())
        router.add(middleware: ActivityDocumentsMiddleware(controller: FederationController(services: services)))

        OperationsController(database: services.database, configuration: configuration, registry: services.metrics,
                             openAPIDocument: ByteBuffer(bytes: openAPI)).addRoutes(to: router)
        StaticController(directory: resources.appendingPathComponent("static")).addRoutes(to: router)
        let federation = FederationController(services: services)
        federation.addRoutes(to: router)
        WebController(accounts: services.accounts, profiles: services.profiles, renderer: renderer, configuration: configuration,
                      federation: federation, groups: services.groups)
            .addRoutes(to: router)
        GroupPages(groups: services.groups, content: services.content, database: services.database, renderer: renderer).addRoutes(to: router)
        GroupMemberPages(groups: services.groups, renderer: renderer).addRoutes(to: router)
        ContentPages(groups: services.groups, content: services.content, database: services.database, renderer: renderer).addRoutes(to: router)
        WikiPages(groups: services.groups, wiki: services.wiki, renderer: renderer).addRoutes(to: router)
        FilePages(groups: services.groups, files: services.files, database: services.database, blobs: services.blobs,
                  configuration: configuration, renderer: renderer).addRoutes(to: router)
        PersonalPages(content: services.content, follows: services.follows, groups: services.groups, notifications: services.notifications,
                      profiles: services.profiles,
                      search: services.search, database: services.database, renderer: renderer).addRoutes(to: router)
        AdminPages(accounts: services.accounts, profiles: services.profiles, branding: services.branding, database: services.database, configuration: configuration, renderer: renderer)
            .addRoutes(to: router)
        SitePages(branding: services.branding, localizer: localizer, configuration: configuration).addRoutes(to: router)

        let api = router.group("api/v1")
        AuthController(accounts: services.accounts, profiles: services.profiles, groups: services.groups, configuration: configuration)
            .addRoutes(to: api)
        MeController(accounts: services.accounts, profiles: services.profiles, configuration: configuration).addRoutes(to: api)
        UsersController(accounts: services.accounts, profiles: services.profiles).addRoutes(to: api)
        AdminController(accounts: services.accounts, profiles: services.profiles, blobs: services.blobs, configuration: configuration,
                        deleteAccount: { try await services.deleteAccount($0) })
            .addRoutes(to: api)
        FollowController(follows: services.follows).addRoutes(to: api)
        GroupsController(groups: services.groups).addRoutes(to: api)
        ContentController(content: services.content, groups: services.groups, follows: services.follows, database: services.database)
            .addRoutes(to: api)
        FilesController(files: services.files, groups: services.groups, database: services.database, blobs: services.blobs,
                         configuration: configuration).addRoutes(to: api)
        NotificationsController(notifications: services.notifications, database: services.database).addRoutes(to: api)
        SearchController(search: services.search).addRoutes(to: api)
        WikiController(wiki: services.wiki).addRoutes(to: api)
        return router
    }
}

/// Where the node's templates, strings, stylesheet and OpenAPI file live.
enum Resources {
    static func directory() throws -> URL {
        guard let url = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw ConfigurationError(key: "resources", value: nil, reason: "the node's resource bundle is missing next to the executable")
        }
        return url
    }
}
