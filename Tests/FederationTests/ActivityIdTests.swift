import Foundation
import Testing

@testable import Federation

/// Ids of this node's activities are version 7 UUIDs: later ids sort later
/// (their delivery rows go in at the end of the index), and they stay unguessable.
@Suite struct ActivityIdTests {
    @Test func timeOrderedIdsCarryTheirMillisecondAndSortByIt() {
        let startMilliseconds: UInt64 = 1_795_000_000_250
        var previous = ""
        var seen = Set<String>()
        for step in 0..<2_000 {
            // Two ids per millisecond, each half a millisecond into it.
            let milliseconds = startMilliseconds + UInt64(step / 2)
            let now = Date(timeIntervalSince1970: (Double(milliseconds) + 0.5) / 1000)
            let text = RandomUUID.makeTimeOrdered(now: now).uuidString.lowercased()
            let hex = text.replacingOccurrences(of: "-", with: "")
            #expect(UInt64(hex.prefix(12), radix: 16) == milliseconds)
            #expect(Array(hex)[12] == "7", "version 7: \(text)")
            #expect("89ab".contains(Array(hex)[16]), "RFC 9562 variant: \(text)")
            if step % 2 == 0 { #expect(text.prefix(13) > previous.prefix(13), "\(text) after \(previous)") }
            previous = text
            seen.insert(text)
        }
        #expect(seen.count == 2_000)
    }
}
