import HTTPTypes
import Hummingbird
import Prometheus

/// Counts requests and records their durations in the node's Prometheus
/// registry, labelled by route pattern (never by raw path, which would let
/// clients create unbounded label values) and status.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let registry: PrometheusCollectorRegistry

    private static var buckets: [Duration] {
        [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
         .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let labels = [("method", request.method.rawValue), ("route", context.endpointPath ?? "unmatched"), ("status", String(status))]
            registry.makeCounter(
                descriptor: .init(namespace: "meent", metricName: "http_requests", unitName: "total", helpText: "HTTP requests answered"),
                labels: labels
            ).increment()
            registry.makeDurationHistogram(
                descriptor: .init(namespace: "meent", metricName: "http_request_duration", unitName: "seconds", helpText: "Time to answer HTTP requests"),
                labels: [("route", context.endpointPath ?? "unmatched")], buckets: Self.buckets
            ).record(ContinuousClock.now - start)
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let error as any HTTPResponseError {
            status = error.status.code
            throw error
        }
    }
}
