import Federation
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Turns every error a route throws into a response: problem+json for the
/// API and other machine clients, a plain page for browsers. Unexpected
/// errors are logged in full and answered with a 500 that reveals nothing.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let redirect as SignInRedirect {
            return redirect.response
        } catch let error as any DetailedProblem where !Self.wantsHTML(request) {
            return try error.response(from: request, context: context)
        } catch {
            let problem = Self.problem(for: error, context: context)
            if Self.wantsHTML(request) {
                return ErrorPage.response(status: problem.status, title: problem.title, detail: problem.detail)
            }
            return try problem.response(from: request, context: context)
        }
    }

    static func problem(for error: any Error, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as ServiceError:
            return error.problem
        case let error as StorageError:
            return error.asServiceError.problem
        case let error as FederationError:
            return federationProblem(error, context: context)
        case let error as HTTPSignatureError:
            context.logger.info("signature refused", metadata: ["error": "\(error.detail ?? error.description)"])
            return Problem(.unauthorized, type: "signature", title: "Signature refused", detail: error.description)
        case let error as HTTPError:
            // Hummingbird's own errors: unknown route, body too large, bad request.
            let type: String? = switch error.status {
            case .notFound: "not-found"
            case .contentTooLarge: "too-large"
            case .methodNotAllowed: "method-not-allowed"
            default: nil
            }
            return Problem(error.status, type: type, detail: error.body ?? Self.defaultDetail(error.status), headers: error.headers)
        case let error as any HTTPResponseError:
            return Problem(error.status)
        default:
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return Problem(.internalServerError, type: "internal", detail: "something went wrong on this node; the operator can find it in the log")
        }
    }

    /// Federation failures: the peer sees a short reason, the log the detail.
    static func federationProblem(_ error: FederationError, context: Context) -> Problem {
        context.logger.info("federation request refused", metadata: ["error": "\(error)"])
        switch error.code {
        case .malformed: return Problem(.badRequest, type: "malformed-activity", title: "Malformed activity", detail: error.detail)
        case .tooLarge: return Problem(.contentTooLarge, type: "too-large", detail: error.detail)
        case .notAllowed: return Problem(.forbidden, type: "not-federating", title: "Not federating", detail: error.detail)
        case .originMismatch: return Problem(.forbidden, type: "origin-mismatch", title: "Origin mismatch", detail: error.detail)
        case .keyOwnerMismatch, .unknownKey, .signature:
            return Problem(.unauthorized, type: "signature", title: "Signature refused", detail: error.detail)
        case .forbiddenAddress, .unreachable, .remoteStatus, .notFound, .gone, .fetchLimit:
            return Problem(.unauthorized, type: "signature", title: "Signature refused", detail: "the signing key could not be fetched")
        }
    }

    static func defaultDetail(_ status: HTTPResponse.Status) -> String? {
        switch status {
        case .notFound: "there is nothing at this address"
        case .contentTooLarge: "the request body is larger than this endpoint accepts"
        default: nil
        }
    }

    /// Browsers navigating to a page get HTML; API clients and peers get problem+json.
    static func wantsHTML(_ request: Request) -> Bool {
        let path = request.uri.path
        if path.hasPrefix("/api/") || path == "/healthz" || path == "/metrics" { return false }
        return request.headers[.accept]?.contains("text/html") == true
    }
}
