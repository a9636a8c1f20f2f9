import Foundation
@testable import Storage
import Testing

/// Delivery rows are written several to a statement; every row must read
/// back as queued, a row already queued must not be queued twice, and the
/// ledger must learn what each delivered row carried.
@Suite struct DeliveryRowsTests {
    @Test("37 rows in three statements read back field for field; a row queued before and a repeat in the same call are left out")
    func rowsGoInSeveralToAStatement() async throws {
        let database = try NodeDatabase(path: try makeDatabasePath())
        let created = Date(timeIntervalSince1970: 1_795_000_000.123)
        let due = created.addingTimeInterval(0.5)
        let subjects = [LedgerSubject("https://home.example/content/1", kind: .content),
                        LedgerSubject("https://home.example/groups/\"water\"\\board\u{1}", kind: .group)]
        func delivery(_ index: Int) -> Delivery {
            Delivery(activityId: "https://home.example/activities/\(index / 10)", inbox: "https://node\(index).example/inbox",
                     host: "node\(index).example", body: Data("{\"n\":\(index)}".utf8), signer: "account:1",
                     signerActorId: "https://home.example/users/anna", nextAttemptAt: due, createdAt: created,
                     subjects: index % 2 == 0 ? subjects : [])
        }
        try await database.enqueueDeliveries([delivery(5)])
        // Row 5 again (queued before) and row 7 twice in this call.
        try await database.enqueueDeliveries((0..<36).map(delivery) + [delivery(7)])

        let stored = try await database.deliveries(limit: 100).sorted { $0.host.localizedStandardCompare($1.host) == .orderedAscending }
        #expect(stored.count == 36)
        for (index, row) in stored.enumerated() {
            let expected = delivery(index)
            #expect(row.host == expected.host)
            #expect(row.activityId == expected.activityId)
            #expect(row.inbox == expected.inbox)
            #expect(row.body == expected.body)
            #expect(row.state == .queued)
            #expect(row.subjects == expected.subjects)
            #expect(DatabaseDate.text(row.createdAt) == DatabaseDate.text(created))
            #expect(DatabaseDate.text(row.nextAttemptAt) == DatabaseDate.text(due))
            #expect(row.deliveredAt == nil)
        }

        // Delivered: the ledger reads the subjects from the stored text.
        let delivered = stored.filter { $0.host == "node4.example" || $0.host == "node5.example" }
        try await database.markDelivered(delivered.map { (id: $0.id!, status: 202) }, peerSchemes: [:])
        let ledger = try await database.ledgerEntries(host: "node4.example")
        #expect(Set(ledger.map(\.objectId)) == Set(subjects.map(\.objectId)))
        #expect(try await database.ledgerEntries(host: "node5.example").isEmpty)
    }

    @Test("the subjects' JSON text escapes what JSON requires and decodes to the same list")
    func subjectsText() throws {
        let subjects = [LedgerSubject("https://home.example/a\"b\\c\nd\u{7}é", kind: .profile), LedgerSubject("x", kind: .content)]
        let text = LedgerSubject.databaseText(subjects)
        #expect(text == #"[{"kind":"profile","objectId":"https://home.example/a\"b\\c\nd\u0007é"},{"kind":"content","objectId":"x"}]"#)
        #expect(try JSONDecoder().decode([LedgerSubject].self, from: Data(text.utf8)) == subjects)
        #expect(LedgerSubject.databaseText([]) == "[]")
    }
}
