import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Node
import Storage
import Testing

@Suite("Seeded data (meent dev seed)")
struct SeedTests {
    static let sizes = SeedGenerator.Sizes(users: 50, groups: 5, items: 500)

    static func seeded(seed: UInt64 = 42) async throws -> (TestNode, SeedGenerator.Summary) {
        let node = try await TestNode.make()
        let summary = try await SeedGenerator(database: node.database, sizes: sizes, seed: seed).run()
        return (node, summary)
    }

    @Test("a seeded node holds the people, groups and content asked for, and they can be used through the API and search")
    func seededNodeIsUsable() async throws {
        let (node, summary) = try await Self.seeded()
        let baseline = try await node.database.seedBaseline()
        #expect(baseline.accounts == 51, "50 seeded people and the administrator")
        #expect(baseline.groups == 5)
        #expect(baseline.contentItems == 500)
        #expect(summary.comments > 0 && summary.comments < 500)
        #expect(!baseline.isEmpty, "a seeded node is not seeded again without --force")

        try await node.withClient { api in
            let token = try await api.token(summary.firstUsername, SeedGenerator.password)
            let dashboard = try await api.request(.get, "/api/v1/me/dashboard", token: token)
            #expect(dashboard.status == .ok)
            #expect(try DashboardTests.ids(dashboard).count > 10)

            let group = try await api.request(.get, "/api/v1/groups/\(summary.firstGroupSlug)", token: token)
            #expect(group.status == .ok)
            #expect((try group.jsonObject()["memberCount"] as? Int ?? 0) >= 3)
            let groupContent = try await api.request(.get, "/api/v1/groups/\(summary.firstGroupSlug)/content", token: token)
            let groupItems = try JSONSerialization.jsonObject(with: Data(buffer: groupContent.body)) as? [[String: Any]]
            #expect((groupItems?.count ?? 0) > 0)
            let page = try await api.request(.get, "/groups/\(summary.firstGroupSlug)")
            #expect(page.status == .ok)

            let signedIn = try SearchTests.results(try await api.request(.get, "/api/v1/search?q=gemeente", token: token), "content")
            let anonymous = try SearchTests.results(try await api.request(.get, "/api/v1/search?q=gemeente"), "content")
            #expect(!signedIn.isEmpty, "generated text holds common words")
            #expect(!anonymous.isEmpty && anonymous.count <= signedIn.count)
            let people = try SearchTests.results(try await api.request(.get, "/api/v1/search?q=jansen", token: token), "people")
            #expect(!people.isEmpty, "profiles are searchable")
        }
    }

    @Test("the same seed gives the same data; another seed gives other data")
    func repeatable() async throws {
        let (first, _) = try await Self.seeded(seed: 42)
        let (second, _) = try await Self.seeded(seed: 42)
        let (other, _) = try await Self.seeded(seed: 43)
        let fingerprint = try await first.database.seedFingerprint()
        #expect(try await second.database.seedFingerprint() == fingerprint)
        #expect(try await other.database.seedFingerprint() != fingerprint)
    }

    @Test("meent dev seed fills a node once, and refuses to seed it again without --force")
    func command() async throws {
        let directory = try makeTemporaryDirectory()
        let options = ["--data-dir", directory.appendingPathComponent("data").path, "--set", "BCRYPT_COST=4",
                       "--users", "20", "--groups", "3", "--items", "100"]
        let first = try await NodeProcess.run(["dev", "seed"] + options)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("Seeded 20 people, 3 groups"))
        #expect(first.output.contains(SeedGenerator.password))
        let again = try await NodeProcess.run(["dev", "seed"] + options)
        #expect(again.status == 1)
        #expect(again.output.contains("--force"))
        let database = try NodeDatabase(path: directory.appendingPathComponent("data/meent.sqlite").path)
        #expect(try await database.seedBaseline().contentItems == 100, "the refused run wrote nothing")
        let forced = try await NodeProcess.run(["dev", "seed", "--force"] + options)
        #expect(forced.status != 0, "the same seed again collides with the seeded names, and says so")
        #expect(try await database.seedBaseline().contentItems == 100)
    }

    @Test("a node with only its administrator counts as empty")
    func emptyNode() async throws {
        let node = try await TestNode.make()
        #expect(try await node.database.seedBaseline().isEmpty)
    }
}
