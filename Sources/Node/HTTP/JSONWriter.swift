import Foundation
import Storage

/// A response value that writes its own JSON, byte for byte as
/// `JSONCoding.encoder` would: keys sorted, absent optionals left out,
/// dates as ISO 8601 to the second in UTC, slashes unescaped.
///
/// Only the API's busiest lists take this path (the dashboard and group
/// content spent about a fifth of their CPU in `JSONEncoder`);
/// `JSONWriterTests` compare the two writers on generated values.
protocol JSONWritable {
    func write(to json: inout JSONWriter)
}

extension JSONWritable {
    /// The value as JSON text.
    var jsonBytes: [UInt8] {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.bytes
    }
}

/// Appends JSON text; the caller writes members in sorted key order.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether the next member or element is the first of its object or array.
    private var isFirst = true

    init() {
        bytes.reserveCapacity(4096)
    }

    /// An object; `body` writes its members with ``member(_:_:)`` and friends, keys in sorted order.
    mutating func object(_ body: (inout JSONWriter) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        isFirst = true
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        isFirst = false
    }

    /// An array of `elements`.
    mutating func array<Element: JSONWritable>(_ elements: [Element]) {
        bytes.append(UInt8(ascii: "["))
        isFirst = true
        for element in elements {
            separate()
            element.write(to: &self)
            isFirst = false
        }
        bytes.append(UInt8(ascii: "]"))
        isFirst = false
    }

    mutating func member(_ key: StaticString, _ value: String) {
        writeKey(key)
        JSONString.append(value, to: &bytes)
    }

    mutating func member(_ key: StaticString, _ value: String?) {
        if let value { member(key, value) }
    }

    mutating func member(_ key: StaticString, _ value: Int64) {
        writeKey(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func member(_ key: StaticString, _ value: Int64?) {
        if let value { member(key, value) }
    }

    mutating func member(_ key: StaticString, _ value: Int) {
        member(key, Int64(value))
    }

    mutating func member(_ key: StaticString, _ value: Bool) {
        writeKey(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func member(_ key: StaticString, _ value: Date) {
        writeKey(key)
        bytes.append(UInt8(ascii: "\""))
        Self.appendISO8601(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func member(_ key: StaticString, _ value: some JSONWritable) {
        writeKey(key)
        value.write(to: &self)
    }

    mutating func member(_ key: StaticString, _ value: (some JSONWritable)?) {
        if let value { member(key, value) }
    }

    mutating func member<Element: JSONWritable>(_ key: StaticString, _ value: [Element]) {
        writeKey(key)
        array(value)
    }

    private mutating func separate() {
        if !isFirst { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func writeKey(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        // The value that follows is not the first of anything.
        isFirst = false
    }

    /// `yyyy-MM-ddTHH:mm:ssZ` in UTC, the second rounded down, as
    /// `JSONEncoder`'s `.iso8601` strategy writes it.
    static func appendISO8601(_ date: Date, to bytes: inout [UInt8]) {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let (days, daySeconds) = CivilDate.floorDivision(seconds, by: 86_400)
        let (year, month, day) = CivilDate.civil(fromDays: days)
        func digits(_ value: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var value = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                value %= divisor
                divisor /= 10
            }
        }
        digits(year, 4); bytes.append(UInt8(ascii: "-"))
        digits(month, 2); bytes.append(UInt8(ascii: "-"))
        digits(day, 2); bytes.append(UInt8(ascii: "T"))
        digits(daySeconds / 3600, 2); bytes.append(UInt8(ascii: ":"))
        digits(daySeconds / 60 % 60, 2); bytes.append(UInt8(ascii: ":"))
        digits(daySeconds % 60, 2); bytes.append(UInt8(ascii: "Z"))
    }
}

extension Array: JSONWritable where Element: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.array(self)
    }
}
