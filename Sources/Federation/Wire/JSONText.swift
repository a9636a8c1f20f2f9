import Foundation
import Storage

/// JSON text written by hand, for the few places that splice values into
/// text encoded before (see ``Outbox/addressedCopies(of:to:signer:subjects:)``).
/// Strings go through Storage's ``JSONString``, which leaves slashes as
/// they are, as ``Activity/encoded()`` does.
enum JSONText {
    /// Appends `values` as a JSON array of strings.
    static func appendStrings(_ values: [String], to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "["))
        for (offset, value) in values.enumerated() {
            if offset > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONString.append(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Appends `value` as JSON text, object members sorted by name, as
    /// ``Activity/encoded()`` writes it (whole numbers without a fraction).
    static func appendValue(_ value: JSONValue, to bytes: inout [UInt8]) throws {
        switch value {
        case .null: bytes += Array("null".utf8)
        case .bool(let flag): bytes += Array((flag ? "true" : "false").utf8)
        case .string(let text): JSONString.append(text, to: &bytes)
        case .number(let number):
            guard number.isFinite else { throw EncodingError.invalidValue(number, .init(codingPath: [], debugDescription: "not a finite number")) }
            if number == number.rounded(), abs(number) < 9_007_199_254_740_992 {
                bytes += Array(String(Int64(number)).utf8)
            } else {
                bytes += Array("\(number)".utf8)
            }
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { bytes.append(UInt8(ascii: ",")) }
                try appendValue(element, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (offset, name) in members.keys.sorted().enumerated() {
                if offset > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONString.append(name, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                try appendValue(members[name]!, to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }
}
