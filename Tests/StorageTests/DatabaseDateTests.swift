import Foundation
import GRDB
@testable import Storage
import Testing

@Suite("DatabaseDate")
struct DatabaseDateTests {
    /// Dates around leap days, year and century ends, before 1970 and with milliseconds.
    static let samples: [Date] = {
        var dates: [Date] = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -1.5), Date(timeIntervalSince1970: 951_782_400),
                             Date(timeIntervalSince1970: 4_107_542_399.999), Date(timeIntervalSince1970: -2_208_988_800.25),
                             // Half-millisecond fractions, where rounding the wrong product differs from GRDB.
                             Date(timeIntervalSince1970: 21_576_940.7795), Date(timeIntervalSince1970: -1_352_966_592.1025),
                             Date(timeIntervalSince1970: -1_115_792_745.3975), Date(timeIntervalSince1970: -564_040_063.2995)]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let milliseconds = Double(Int64.random(in: -2_000_000_000_000...4_000_000_000_000, using: &generator))
            dates.append(Date(timeIntervalSince1970: milliseconds / 1000))
            dates.append(Date(timeIntervalSince1970: (milliseconds + Double.random(in: 0..<1, using: &generator)) / 1000))
        }
        return dates
    }()

    @Test("formats a date exactly as GRDB stores it, so SQL comparisons with stored dates agree")
    func textMatchesGRDB() throws {
        for date in Self.samples {
            let grdb = try #require(String.fromDatabaseValue(date.databaseValue))
            #expect(DatabaseDate.text(date) == grdb, "\(date.timeIntervalSince1970)")
        }
    }

    @Test("reads stored dates as GRDB does, and falls back to GRDB for other forms")
    func parsingMatchesGRDB() throws {
        for date in Self.samples {
            let stored = date.databaseValue
            let ours = try #require(DatabaseDate.date(from: stored))
            let grdb = try #require(Date.fromDatabaseValue(stored))
            #expect(abs(ours.timeIntervalSince1970 - grdb.timeIntervalSince1970) < 0.000_5, "\(stored)")
        }
        #expect(DatabaseDate.date(from: "2026-11-27".databaseValue) == Date.fromDatabaseValue("2026-11-27".databaseValue))
        #expect(DatabaseDate.date(from: 1_000.5.databaseValue) == Date(timeIntervalSince1970: 1_000.5))
        #expect(DatabaseDate.date(from: "not a date".databaseValue) == nil)
    }
}
