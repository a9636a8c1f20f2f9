import HTTPTypes
import Hummingbird
import Prometheus
import Synchronization

/// Counts requests and records their durations in the node's Prometheus
/// registry, labelled by route pattern (never by raw path, which would let
/// clients create unbounded label values) and status.
///
/// The counter and histogram of each method, route and status are looked
/// up in the registry once and kept: the registry builds the metric's name
/// and checks its labels on every lookup (1 % of an inbox request's CPU).
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let registry: PrometheusCollectorRegistry
    private let metrics = Metrics()

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    private static var buckets: [Duration] {
        [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
         .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]
    }

    /// The metrics already looked up, by method, route and status.
    private final class Metrics: Sendable {
        struct Key: Hashable {
            let method: String, route: String, status: Int
        }
        let known = Mutex<[Key: (Counter, DurationHistogram)]>([:])
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let key = Metrics.Key(method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: status)
            let (counter, histogram) = metrics.known.withLock { known in
                if let found = known[key] { return found }
                let made = (
                    registry.makeCounter(
                        descriptor: .init(namespace: "meent", metricName: "http_requests", unitName: "total", helpText: "HTTP requests answered"),
                        labels: [("method", key.method), ("route", key.route), ("status", String(key.status))]),
                    registry.makeDurationHistogram(
                        descriptor: .init(namespace: "meent", metricName: "http_request_duration", unitName: "seconds",
                                          helpText: "Time to answer HTTP requests"),
                        labels: [("route", key.route)], buckets: Self.buckets))
                known[key] = made
                return made
            }
            counter.increment()
            histogram.record(ContinuousClock.now - start)
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
