import Foundation
import HTTPTypes
import Hummingbird
import MultipartKit
import Storage

/// A `multipart/form-data` upload read as it streams in: the file part goes
/// straight to a temporary blob (hashed on the way), small text fields are
/// kept as strings. Nothing is held in memory beyond one chunk of the file.
///
/// A body announced (`Content-Length`) or found to be larger than the limit
/// is refused with 413 before anything is stored; the temporary file is
/// removed whenever reading fails.
struct MultipartUpload {
    /// The form's text fields by name.
    var fields: [String: String] = [:]
    /// The file part, when there was one.
    var file: FileService.Upload?

    /// Text fields are short (names, ids, access levels).
    static let maxFieldBytes = 8 * 1024
    static let maxFields = 20
    /// Room for the multipart framing and the text fields around the file.
    static let overheadBytes = 64 * 1024

    /// Reads the body of `request`; the part named `fileField` becomes the file.
    static func read(_ request: Request, fileField: String = "file", maxFileBytes: Int, blobs: BlobStore) async throws -> MultipartUpload {
        guard let contentType = request.headers[.contentType], let boundary = boundary(of: contentType) else {
            throw Problem(.unsupportedMediaType, type: "unsupported-media-type", detail: "send the file as multipart/form-data with a boundary")
        }
        let maxBodyBytes = maxFileBytes + overheadBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw tooLarge(maxFileBytes)
        }
        let state = ParseState(fileField: fileField, blobs: blobs)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in state.header(name, value) }
        parser.onBody = { buffer in state.body(&buffer) }
        parser.onPartComplete = { state.partComplete() }
        do {
            var received = 0
            for try await chunk in request.body {
                received += chunk.readableBytes
                if received > maxBodyBytes { throw tooLarge(maxFileBytes) }
                do {
                    try parser.execute(chunk)
                } catch {
                    throw Problem.badRequest("the multipart body is malformed")
                }
                if let error = state.error { throw error }
                if let upload = state.upload, upload.byteCount > maxFileBytes { throw tooLarge(maxFileBytes) }
            }
            guard state.isFileComplete || state.upload == nil else { throw Problem.badRequest("the multipart body ended inside the file") }
            var result = MultipartUpload(fields: state.fields)
            if let upload = state.upload {
                let blob = try upload.finish()
                result.file = FileService.Upload(blob: blob, filename: state.fileName, contentType: state.fileContentType)
            }
            return result
        } catch {
            state.upload?.discard()
            throw error
        }
    }

    static func tooLarge(_ maxFileBytes: Int) -> Problem {
        Problem(.contentTooLarge, type: "too-large", detail: "a file must be at most \(maxFileBytes) bytes")
    }

    /// The boundary parameter of a `multipart/form-data` content type.
    static func boundary(of contentType: String) -> String? {
        let parameters = HeaderParameters(contentType)
        guard parameters.value.lowercased() == "multipart/form-data", let boundary = parameters["boundary"],
              (1...70).contains(boundary.utf8.count) else { return nil }
        return boundary
    }

    /// A file name fit to store and show: the last path component, without
    /// control characters, at most 200 characters; "file" when nothing is left.
    static func cleanFilename(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let kept = String(String.UnicodeScalarView(last.unicodeScalars.filter { $0.properties.generalCategory != .control }))
        let trimmed = String(kept.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))
        return trimmed.isEmpty || trimmed == "." || trimmed == ".." ? "file" : trimmed
    }

    /// A media type fit to send back as `Content-Type`: `type/subtype` in
    /// token characters, lowercased, without parameters; anything else is
    /// `application/octet-stream`.
    static func cleanContentType(_ raw: String?) -> String {
        guard let raw else { return "application/octet-stream" }
        let value = HeaderParameters(raw).value.lowercased()
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        let token = { (part: Substring) in
            !part.isEmpty && part.count <= 100 && part.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "!#$&^_.+-".unicodeScalars.contains($0)) }
        }
        return parts.count == 2 && token(parts[0]) && token(parts[1]) ? value : "application/octet-stream"
    }

    /// What the parser's callbacks collect, part by part.
    private final class ParseState {
        let fileField: String
        let blobs: BlobStore
        var fields: [String: String] = [:]
        var upload: BlobUpload?
        var fileName = "file"
        var fileContentType = "application/octet-stream"
        var isFileComplete = false
        var error: (any Error)?

        private var headers: [String: String] = [:]
        private var partName: String?
        private var isFilePart = false
        private var fieldBytes: [UInt8] = []
        private var inBody = false

        init(fileField: String, blobs: BlobStore) {
            self.fileField = fileField
            self.blobs = blobs
        }

        func header(_ name: String, _ value: String) {
            headers[name.lowercased()] = value
        }

        func body(_ buffer: inout ByteBuffer) {
            guard error == nil else { return }
            if !inBody { startBody() }
            guard error == nil else { return }
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            if isFilePart {
                do { try upload?.write(bytes) } catch { self.error = error }
            } else {
                fieldBytes += bytes
                if fieldBytes.count > MultipartUpload.maxFieldBytes { error = Problem.badRequest("the form field \(partName ?? "") is too long") }
            }
        }

        func partComplete() {
            guard error == nil else { return }
            if !inBody { startBody() }  // an empty part
            guard error == nil else { return }
            if isFilePart {
                isFileComplete = true
            } else if let partName {
                guard fields.count < MultipartUpload.maxFields else { error = Problem.badRequest("the form has too many fields"); return }
                fields[partName] = String(decoding: fieldBytes, as: UTF8.self)
            }
            headers = [:]
            partName = nil
            isFilePart = false
            fieldBytes = []
            inBody = false
        }

        /// The headers of a part are complete when its body starts.
        private func startBody() {
            inBody = true
            let disposition = HeaderParameters(headers["content-disposition"] ?? "")
            partName = disposition["name"]
            guard partName == fileField else { return }
            guard upload == nil else { error = Problem.badRequest("send one file per upload"); return }
            isFilePart = true
            fileName = MultipartUpload.cleanFilename(disposition.extendedFilename ?? disposition["filename"] ?? "file")
            fileContentType = MultipartUpload.cleanContentType(headers["content-type"])
            do { upload = try blobs.beginUpload() } catch { self.error = error }
        }
    }
}

/// A header value with `; name=value` parameters (`form-data; name="file"`).
struct HeaderParameters {
    let value: String
    private var parameters: [String: String] = [:]

    init(_ header: String) {
        var pieces: [String] = []
        var current = ""
        var inQuotes = false
        var escaped = false
        for character in header {
            if escaped { current.append(character); escaped = false; continue }
            if inQuotes && character == "\\" { current.append(character); escaped = true; continue }
            if character == "\"" { inQuotes.toggle() }
            if character == ";" && !inQuotes { pieces.append(current); current = ""; continue }
            current.append(character)
        }
        pieces.append(current)
        value = pieces[0].trimmingCharacters(in: .whitespaces)
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            let name = piece[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var raw = piece[piece.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if raw.count >= 2, raw.hasPrefix("\""), raw.hasSuffix("\"") {
                raw = String(raw.dropFirst().dropLast())
                var unescaped = ""
                var escaping = false
                for character in raw {
                    if !escaping && character == "\\" { escaping = true; continue }
                    unescaped.append(character)
                    escaping = false
                }
                raw = unescaped
            }
            parameters[name] = raw
        }
    }

    subscript(name: String) -> String? { parameters[name.lowercased()] }

    /// `filename*=UTF-8''…` (RFC 5987 / 6266), decoded.
    var extendedFilename: String? {
        guard let raw = parameters["filename*"], let quote = raw.range(of: "''"),
              raw[..<quote.lowerBound].lowercased().hasPrefix("utf-8") else { return nil }
        return String(raw[quote.upperBound...]).removingPercentEncoding
    }
}
