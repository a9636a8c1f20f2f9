import Foundation
import Storage
import Testing

@testable import Node

/// The content lists' JSON is written by hand for speed; a client must get
/// the very bytes `JSONEncoder` gave before, whatever the text holds.
@Suite struct JSONWriterTests {
    @Test func contentListsAreWrittenByteForByteAsJSONEncoderWritesThem() throws {
        // A seeded linear congruential generator: a failure names an input that comes back on the next run.
        var state: UInt64 = 530
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let pieces = ["", "a", "Gemeente Utrecht", "é", "e\u{301}", "😀", "/", "https://a.example/x?y=1&z=2", "\"", "\\", "\u{0}", "\u{8}",
                      "\u{c}", "\n", "\r", "\t", "\u{1b}", "\u{1f}", "\u{7f}", "\u{2028}", "<b>&amp;</b>", "'", "{\"k\":[1]}"]
        func text() -> String { (0..<next(5)).map { _ in pieces[next(pieces.count)] }.joined() }
        func number() -> Int64 {
            [0, 1, -1, Int64.max, Int64.min, Int64(next(1_000_000))][next(6)]
        }
        func date() -> Date {
            // Seconds with fractions either side of 1970, up to 2096.
            Date(timeIntervalSince1970: Double(next(8_000_000_000)) / 2 - 1_000_000_000 + Double(next(1000)) / 1000)
        }
        func maybe<T>(_ make: () -> T) -> T? { next(3) == 0 ? nil : make() }
        func view() -> ContentView {
            ContentView(
                id: number(), url: text(), type: ContentItem.Kind.allCases[next(ContentItem.Kind.allCases.count)],
                title: text(), body: text(), access: ContentItem.Access.allCases[next(ContentItem.Access.allCases.count)],
                group: maybe(text), author: .init(username: text(), displayName: text()), parentId: maybe(number),
                createdAt: date(), updatedAt: date(), likeCount: Int(number() % 100_000), likedByMe: next(2) == 0,
                commentCount: next(50), folderId: maybe(number),
                file: maybe { FileInfo(version: next(9), filename: text(), contentType: text(), size: number(),
                                       sha256: text(), downloadURL: text()) })
        }
        for _ in 0..<300 {
            let items = (0..<next(6)).map { _ in view() }
            let page = ContentController.DashboardPage(items: items, next: maybe(text))
            #expect(page.jsonBytes == Array(try JSONCoding.encoder.encode(page)))
            #expect(items.jsonBytes == Array(try JSONCoding.encoder.encode(items)))
            let thread = ContentThread(item: view(), comments: items)
            #expect(thread.jsonBytes == Array(try JSONCoding.encoder.encode(thread)))
        }
    }

    @Test func datesAreWrittenToTheSecondInUTC() {
        var bytes: [UInt8] = []
        JSONWriter.appendISO8601(Date(timeIntervalSince1970: 1_795_780_974.999), to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "2026-11-27T12:02:54Z")
        bytes = []
        JSONWriter.appendISO8601(Date(timeIntervalSince1970: -0.5), to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "1969-12-31T23:59:59Z")
    }
}
