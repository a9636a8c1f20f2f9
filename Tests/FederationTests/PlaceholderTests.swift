import Testing
@testable import Federation
@Test func placeholder() { #expect(true) }
