import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Node
import Testing

@Suite("Operations endpoints")
struct OperationsTests {
    @Test("health, metrics, node summary and the OpenAPI document are served")
    func endpoints() async throws {
        let node = try await TestNode.make(["NODE_NAME": "Gemeente Testdorp"])
        try await node.withClient { api in
            let health = try await api.request(.get, "/healthz")
            #expect(health.status == .ok)
            #expect(try health.jsonObject()["status"] as? String == "ok")
            let summary = try await api.request(.get, "/api/v1/node")
            #expect(try summary.jsonObject()["name"] as? String == "Gemeente Testdorp")
            let metrics = try await api.request(.get, "/metrics")
            #expect(metrics.text.contains("meent_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"))
            let openAPI = try await api.request(.get, "/api/v1/openapi.yaml")
            #expect(openAPI.text.hasPrefix("openapi: 3.1"))
            let home = try await api.request(.get, "/")
            #expect(home.status == .ok)
            #expect(home.text.contains("Gemeente Testdorp"))
            let head = try await api.request(.head, "/healthz")
            #expect(head.status == .ok)
        }
    }

    @Test("pages speak Dutch to a Dutch browser")
    func language() async throws {
        let node = try await TestNode.make()
        try await node.withClient { api in
            let dutch = try await api.request(.get, "/login", headers: [.acceptLanguage: "nl-NL,nl;q=0.9,en;q=0.5"])
            #expect(dutch.text.contains("Inloggen"))
            #expect(dutch.text.contains("lang=\"nl\""))
            let english = try await api.request(.get, "/login", headers: [.acceptLanguage: "en-GB"])
            #expect(english.text.contains("Sign in"))
        }
    }
}
