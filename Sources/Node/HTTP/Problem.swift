import Foundation
import HTTPTypes
import Hummingbird

/// An RFC 9457 problem response (`application/problem+json`): how every error
/// of the JSON API and the federation endpoints reaches a client.
///
/// `type` is a relative URI naming the kind of problem (`/problems/validation`);
/// `errors` lists rejected input fields as JSON pointers.
public struct Problem: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let type: String
    public let title: String
    public let detail: String?
    public var errors: [ServiceError.FieldError]
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, type: String? = nil, title: String? = nil, detail: String? = nil,
                errors: [ServiceError.FieldError] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.type = type.map { "/problems/\($0)" } ?? "about:blank"
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    private struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String?
        let instance: String?
        let errors: [ServiceError.FieldError]?
    }

    static let mediaType = "application/problem+json"

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(type: type, title: title, status: status.code, detail: detail, instance: request.uri.path,
                        errors: errors.isEmpty ? nil : errors)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var buffer = ByteBuffer()
        buffer.writeBytes(try encoder.encode(body))
        var headers = self.headers
        headers[.contentType] = Self.mediaType
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }

    // MARK: Common problems

    static func unauthenticated(_ detail: String = "sign in or send an API token") -> Problem {
        Problem(.unauthorized, type: "unauthenticated", detail: detail, headers: [.wwwAuthenticate: "Bearer realm=\"meent\""])
    }

    static func forbidden(_ detail: String) -> Problem {
        Problem(.forbidden, type: "forbidden", detail: detail)
    }

    static func notFound(_ detail: String = "there is nothing at this address") -> Problem {
        Problem(.notFound, type: "not-found", detail: detail)
    }

    static func invalid(_ detail: String, errors: [ServiceError.FieldError] = []) -> Problem {
        Problem(.unprocessableContent, type: "validation", title: "Invalid input", detail: detail, errors: errors)
    }

    static func badRequest(_ detail: String) -> Problem {
        Problem(.badRequest, type: "malformed-request", title: "Malformed request", detail: detail)
    }
}

/// An error that writes its own problem+json body with members beyond the
/// standard ones (an edit conflict carries both versions).
public protocol DetailedProblem: HTTPResponseError {}

extension ServiceError {
    /// The service error as the problem response a client receives.
    var problem: Problem {
        switch kind {
        case .invalid: return .invalid(message, errors: fieldErrors)
        case .unauthenticated: return .unauthenticated(message)
        case .forbidden: return Problem(.forbidden, type: "forbidden", detail: message, errors: fieldErrors)
        case .notFound: return .notFound(message)
        case .conflict: return Problem(.conflict, type: "conflict", title: "Conflict", detail: message, errors: fieldErrors)
        case .unavailable:
            return Problem(.badGateway, type: "remote-unavailable", title: "Other node unavailable", detail: message)
        case .rateLimited:
            var headers: HTTPFields = [:]
            if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
            return Problem(.tooManyRequests, type: "rate-limited", detail: message, headers: headers)
        }
    }
}
