import Foundation

/// Random (version 4) UUIDs from the system's generator.
///
/// Foundation's `UUID()` on Linux opens, reads and closes `/dev/urandom`
/// for every UUID: three system calls, for every activity id of every
/// announce a group sends.
enum RandomUUID {
    static func make() -> UUID {
        var generator = SystemRandomNumberGenerator()
        var bytes = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = raw[6] & 0x0F | 0x40 // version 4
            raw[8] = raw[8] & 0x3F | 0x80 // RFC 4122 variant
            return UUID(uuid: (raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7],
                               raw[8], raw[9], raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]))
        }
    }
}
