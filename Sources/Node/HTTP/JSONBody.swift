import Foundation
import HTTPTypes
import Hummingbird

extension Request {
    /// Decodes a JSON body into `T`, with problem responses a client can act on:
    /// 415 for another content type, 413 past the size limit, 400 for JSON
    /// that does not parse, 422 naming the field that is missing, unknown or of
    /// the wrong type.
    func decodeJSON<T: Decodable>(_ type: T.Type, context: some RequestContext, maxBytes: Int = 1 << 20) async throws -> T {
        guard let contentType = headers[.contentType], contentType.lowercased().hasPrefix("application/json") else {
            throw Problem(.unsupportedMediaType, type: "unsupported-media-type", detail: "send the body as application/json")
        }
        var request = self
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem(.contentTooLarge, type: "too-large", detail: "the body must be at most \(maxBytes) bytes")
        }
        do {
            return try JSONCoding.decoder.decode(T.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw JSONCoding.problem(for: error)
        }
    }
}

/// JSON coding shared by the API: ISO 8601 dates, and decoding errors turned
/// into problems that name the offending field.
enum JSONCoding {
    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func problem(for error: DecodingError) -> Problem {
        func pointer(_ path: [any CodingKey]) -> String {
            "/" + path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return .badRequest("the body is not valid JSON")
        case .dataCorrupted(let context):
            return .invalid("\(pointer(context.codingPath)) \(context.debugDescription)",
                            errors: [.init(pointer: pointer(context.codingPath), detail: context.debugDescription)])
        case .keyNotFound(let key, let context):
            let at = pointer(context.codingPath + [key])
            return .invalid("\(at) is required", errors: [.init(pointer: at, detail: "is required")])
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let at = pointer(context.codingPath)
            let detail = "must be \(describe(type))"
            return .invalid("\(at) \(detail)", errors: [.init(pointer: at, detail: detail)])
        @unknown default:
            return .badRequest("the body could not be read")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "a whole number"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        default: "of type \(type)".replacingOccurrences(of: "Swift.", with: "")
        }
    }
}

/// A `Decodable` request body that refuses members it does not know, so a
/// misspelt field is reported instead of silently ignored.
protocol StrictDecodable: Decodable {
    associatedtype CodingKeys: CodingKey & CaseIterable
}

struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

extension StrictDecodable {
    /// Throws a `dataCorrupted` error naming the first unknown member of the object.
    static func rejectUnknownKeys(in decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        let known = Set(CodingKeys.allCases.map(\.stringValue))
        if let unknown = container.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath + [unknown],
                debugDescription: "is not a known field (known: \(known.sorted().joined(separator: ", ")))"))
        }
    }
}

/// An `Encodable` value sent as a JSON response.
struct JSONResponse<Value: Encodable & Sendable>: ResponseGenerator {
    var status: HTTPResponse.Status = .ok
    var headers: HTTPFields = [:]
    let value: Value

    init(_ value: Value, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) {
        self.value = value
        self.status = status
        self.headers = headers
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
        let body = if let writable = value as? any JSONWritable { ByteBuffer(bytes: writable.jsonBytes) } else {
            ByteBuffer(bytes: try JSONCoding.encoder.encode(value))
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
}
