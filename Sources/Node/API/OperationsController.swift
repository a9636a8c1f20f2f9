import Foundation
import HTTPTypes
import Hummingbird
import Prometheus
import Storage

/// Endpoints for operators and monitoring: health, Prometheus metrics, a
/// summary of the node, and the OpenAPI description of the JSON API.
struct OperationsController {
    let database: NodeDatabase
    let configuration: NodeConfiguration
    let registry: PrometheusCollectorRegistry
    let openAPIDocument: ByteBuffer

    struct Health: Encodable, Sendable {
        let status: String
        let database: String
    }

    struct NodeSummary: Encodable, Sendable {
        let name: String
        let baseURL: String
        let software: String
        let version: String
        let registrationMode: String
        let federationMode: String
        let maxUploadBytes: Int
    }

    func addRoutes(to router: Router<NodeRequestContext>) {
        router.get("healthz", use: health)
        router.get("metrics", use: metrics)
        router.get("api/v1/node", use: summary)
        router.get("api/v1/openapi.yaml", use: openAPI)
    }

    /// 200 when the node can read its database, 503 otherwise.
    @Sendable func health(request: Request, context: NodeRequestContext) async throws -> JSONResponse<Health> {
        do {
            _ = try await database.hasLocalAccounts()
            return JSONResponse(Health(status: "ok", database: "ok"))
        } catch {
            context.logger.error("health check failed", metadata: ["error": "\(error)"])
            return JSONResponse(Health(status: "unavailable", database: "error"), status: .serviceUnavailable)
        }
    }

    @Sendable func metrics(request: Request, context: NodeRequestContext) async throws -> Response {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4096)
        registry.emit(into: &buffer)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }

    @Sendable func summary(request: Request, context: NodeRequestContext) async throws -> JSONResponse<NodeSummary> {
        JSONResponse(NodeSummary(
            name: configuration.nodeName, baseURL: configuration.baseURL.absoluteString, software: "meent", version: MeentVersion.current,
            registrationMode: try await database.registrationMode(configured: configuration.registrationMode).rawValue, federationMode: configuration.federationMode.rawValue,
            maxUploadBytes: configuration.maxUploadBytes))
    }

    @Sendable func openAPI(request: Request, context: NodeRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: .init(byteBuffer: openAPIDocument))
    }
}

public enum MeentVersion {
    public static let current = "0.1.0"
}
