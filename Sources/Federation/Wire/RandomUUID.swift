import Foundation

/// Random (version 4) and time-ordered (version 7) UUIDs from the system's generator.
///
/// Foundation's `UUID()` on Linux opens, reads and closes `/dev/urandom`
/// for every UUID: three system calls, for every activity id of every
/// announce a group sends.
enum RandomUUID {
    static func make() -> UUID {
        stamped(version: 4) { _ in }
    }

    /// A version 7 UUID (RFC 9562): the Unix time in milliseconds in its
    /// first 48 bits, then 74 random bits. Ids made later sort later, so
    /// the rows keyed by the ids of this node's activities (a delivery per
    /// member node of a group) go in at the end of their index instead of
    /// at a random leaf page of it; the random bits keep them unguessable.
    static func makeTimeOrdered(now: Date = Date()) -> UUID {
        let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        return stamped(version: 7) { raw in
            for index in 0..<6 { raw[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
        }
    }

    /// 16 random bytes, changed by `fill`, with the version and the RFC 9562 variant set.
    private static func stamped(version: UInt8, _ fill: (UnsafeMutableRawBufferPointer) -> Void) -> UUID {
        var generator = SystemRandomNumberGenerator()
        var bytes = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            fill(raw)
            raw[6] = raw[6] & 0x0F | version << 4
            raw[8] = raw[8] & 0x3F | 0x80
            return UUID(uuid: (raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7],
                               raw[8], raw[9], raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]))
        }
    }
}
