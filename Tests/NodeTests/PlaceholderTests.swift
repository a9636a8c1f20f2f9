import Testing
@testable import Node
@Test func placeholder() { #expect(true) }
