import Foundation
import GRDB

/// Dates in the text form GRDB stores them in (`yyyy-MM-dd HH:mm:ss.SSS`, UTC),
/// formatted and parsed with integer arithmetic.
///
/// GRDB turns a `Date` argument into text through a `DateFormatter`, and text
/// back into a `Date` through a `Calendar`; both load ICU's locale, calendar
/// and date-format data on first use (about 5 MB resident). What runs on an
/// idle node (loading the node's keys, the delivery worker's poll) uses these
/// instead, so an idle node never touches ICU, and the poll is cheaper too.
public enum DatabaseDate {
    /// The stored text of a date: `2026-11-27 11:22:54.123`, to the nearest
    /// millisecond as GRDB's formatter, so comparisons in SQL agree with stored values.
    ///
    /// The arithmetic is the formatter's, step for step: Foundation hands ICU
    /// `(timeIntervalSinceReferenceDate + 978307200) * 1000` as a double, and ICU
    /// takes `floor(millis + 0.5)`. Rounding `timeIntervalSince1970 * 1000`
    /// instead differs on about one date in 40,000 with a half-millisecond fraction.
    public static func text(_ date: Date) -> String {
        let milliseconds = Int64(((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down))
        let (days, dayMilliseconds) = CivilDate.floorDivision(milliseconds, by: 86_400_000)
        let (year, month, day) = CivilDate.civil(fromDays: days)
        let seconds = dayMilliseconds / 1000
        var text = ""
        text.reserveCapacity(23)
        append(year, width: 4, to: &text); text.append("-")
        append(month, width: 2, to: &text); text.append("-")
        append(day, width: 2, to: &text); text.append(" ")
        append(seconds / 3600, width: 2, to: &text); text.append(":")
        append(seconds / 60 % 60, width: 2, to: &text); text.append(":")
        append(seconds % 60, width: 2, to: &text); text.append(".")
        append(dayMilliseconds % 1000, width: 3, to: &text)
        return text
    }

    /// Parses `yyyy-MM-dd HH:mm:ss.SSS` (UTC); other forms go to GRDB's own conversion.
    public static func date(from value: DatabaseValue) -> Date? {
        guard case .string(let string) = value.storage else { return Date.fromDatabaseValue(value) }
        let bytes = Array(string.utf8)
        guard bytes.count == 23, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x20, bytes[13] == 0x3A,
              bytes[16] == 0x3A, bytes[19] == 0x2E,
              let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let day = number(bytes, 8, 2),
              let hour = number(bytes, 11, 2), let minute = number(bytes, 14, 2), let second = number(bytes, 17, 2),
              let millisecond = number(bytes, 20, 3),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return Date.fromDatabaseValue(value) }
        let days = CivilDate.days(year: Int64(year), month: Int64(month), day: Int64(day))
        let milliseconds = (days * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1000 + Int64(millisecond)
        return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// For records read while the node is idle: `databaseDateDecodingStrategy(for:)` returns this.
    public static let decoding = DatabaseDateDecodingStrategy.custom { date(from: $0) }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for byte in bytes[start..<start + count] {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    private static func append(_ value: Int64, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.count < width { text.append(String(repeating: "0", count: width - digits.count)) }
        text.append(digits)
    }
}
