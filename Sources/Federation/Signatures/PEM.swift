import Foundation

/// A PEM document: a label (`PUBLIC KEY`, `RSA PRIVATE KEY`…) and DER bytes.
struct PEMDocument {
    var label: String
    var der: [UInt8]

    /// Reads the first PEM block in `text`.
    ///
    /// Tolerates surrounding text, CRLF line ends and the literal `\n`
    /// sequences that appear when a PEM was copied out of JSON.
    init(parsing text: String) throws {
        let text = text.replacingOccurrences(of: "\\n", with: "\n")
        guard let begin = text.range(of: "-----BEGIN "),
              let labelEnd = text.range(of: "-----", range: begin.upperBound..<text.endIndex)
        else { throw HTTPSignatureError.invalidKey.with(detail: "not PEM") }
        let label = String(text[begin.upperBound..<labelEnd.lowerBound])
        guard let end = text.range(of: "-----END \(label)-----", range: labelEnd.upperBound..<text.endIndex)
        else { throw HTTPSignatureError.invalidKey.with(detail: "unterminated PEM") }
        let body = text[labelEnd.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: String(body)), !der.isEmpty else {
            throw HTTPSignatureError.invalidKey.with(detail: "PEM body is not base64")
        }
        self.label = label
        self.der = Array(der)
    }

    /// `pem` without surrounding whitespace and with one final newline, so
    /// every PEM this module writes has the same shape.
    static func normalized(_ pem: String) -> String {
        pem.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
    }
}
