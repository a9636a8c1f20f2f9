import Federation
import Foundation
@testable import Node
import Storage
import Testing

/// The peers' policies and the remote actors are kept in memory for the
/// inbox (FederationCache). Each test first makes the receiver cache what
/// it then changes, and checks that the change counts from the next
/// request, as if nothing were cached.
@Suite("Federation cache follows every change at once")
struct FederationCacheTests {
    typealias Pair = InboxSecurityTests.Pair

    static func follow(_ pair: Pair) throws -> Data {
        try InboxSecurityTests.encode(pair.follow(from: pair.sender.personId("alice")))
    }

    @Test("a block from the admin side takes effect on the next request, and lifting it too, without a restart")
    func blockInProcess() async throws {
        let pair = try await Pair.make()
        defer { Task { await pair.stop() } }
        let keys = try await pair.keys("alice")
        #expect(try await InboxSecurityTests.post(try Self.follow(pair), to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base) == 202)
        try await pair.receiver.database.setPeerPolicy(host: pair.sender.authority, .blocked)
        #expect(try await InboxSecurityTests.post(try Self.follow(pair), to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base) == 403)
        #expect(try await pair.receiver.services.federation.policy.isAllowed(host: pair.sender.authority) == false)
        try await pair.receiver.database.setPeerPolicy(host: pair.sender.authority, .undecided)
        #expect(try await InboxSecurityTests.post(try Self.follow(pair), to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base) == 202)
        #expect(try await pair.storedCount() == 2)
    }

    @Test("`meent peer block`, run as another process beside the serving node, refuses the peer's next request; `unblock` lets it in again")
    func blockFromCLI() async throws {
        let directory = try makeTemporaryDirectory()
        let sender = try await LiveNode.start()
        let receiver = try await LiveNode.start(settings: ["DATA_DIR": directory.path])
        defer { Task { await sender.stop(); await receiver.stop() } }
        let (alice, _) = try await sender.user("alice")
        _ = try await receiver.user("bob")
        let keys = try await sender.services.federation.keyring.keys(owner: "account:\(alice.id!)")
        func follow() throws -> Data {
            try InboxSecurityTests.encode(["@context": "https://www.w3.org/ns/activitystreams", "id": "\(sender.base)/activities/\(UUID())",
                                           "type": "Follow", "actor": sender.personId("alice"), "object": receiver.personId("bob")])
        }
        let inbox = "\(receiver.base)/inbox"
        let options = ["--data-dir", directory.path]
        #expect(try await InboxSecurityTests.post(try follow(), to: inbox, signer: "alice", keys: keys, actorBase: sender.base) == 202)
        let block = try await NodeProcess.run(["peer", "block", sender.authority] + options)
        #expect(block.status == 0, "\(block.output)")
        #expect(try await InboxSecurityTests.post(try follow(), to: inbox, signer: "alice", keys: keys, actorBase: sender.base) == 403)
        let unblock = try await NodeProcess.run(["peer", "unblock", sender.authority] + options)
        #expect(unblock.status == 0, "\(unblock.output)")
        #expect(try await InboxSecurityTests.post(try follow(), to: inbox, signer: "alice", keys: keys, actorBase: sender.base) == 202)
        #expect(try await receiver.database.receivedActivities(type: "Follow").count == 2)
    }

    @Test("after an actor's Delete is applied, its keys are not used: a request signed with them is refused")
    func deletedActor() async throws {
        let pair = try await Pair.make()
        defer { Task { await pair.stop() } }
        let keys = try await pair.keys("alice")
        let alice = pair.sender.personId("alice")
        #expect(try await InboxSecurityTests.post(try Self.follow(pair), to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base) == 202)
        #expect(try await pair.receiver.services.federation.policy.cache.remoteActor(id: alice) != nil)

        // Alice is deleted on her node; her Delete reaches the receiver, signed with the key it had.
        try await pair.sender.services.accounts.delete(pair.alice, blobs: pair.sender.services.blobs)
        let delete = try InboxSecurityTests.encode(["@context": "https://www.w3.org/ns/activitystreams", "id": "\(pair.sender.base)/activities/\(UUID())",
                                                    "type": "Delete", "actor": alice, "object": alice])
        #expect(try await InboxSecurityTests.post(delete, to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base) == 202)
        try await eventually("the Delete is applied") { try await pair.receiver.database.remoteActor(id: alice) == nil }
        #expect(try await pair.receiver.services.federation.policy.cache.remoteActor(id: alice) == nil)

        let status = try await InboxSecurityTests.post(try Self.follow(pair), to: pair.inbox, signer: "alice", keys: keys, actorBase: pair.sender.base)
        #expect(status == 401, "the deleted actor's key is not taken from memory")
        #expect(try await pair.storedCount() == 1)
    }

    @Test("an actor's Update with a new key is honoured at once: the old key is refused, the new one accepted")
    func updatedKey() async throws {
        let pair = try await Pair.make()
        defer { Task { await pair.stop() } }
        let owner = "account:\(pair.alice.id!)"
        let alice = pair.sender.personId("alice")
        let old = try await pair.keys("alice")
        #expect(try await InboxSecurityTests.post(try Self.follow(pair), to: pair.inbox, signer: "alice", keys: old, actorBase: pair.sender.base) == 202)
        #expect(try await pair.receiver.services.federation.policy.cache.remoteActor(id: alice)?.ed25519Multibase == old.ed25519PublicMultibase)

        // Alice's node rotates her keys and sends an Update, signed with the key the receiver knows.
        let new = try await pair.sender.services.federation.keyring.rotate(owner: owner)
        let update = try InboxSecurityTests.encode(["@context": "https://www.w3.org/ns/activitystreams", "id": "\(pair.sender.base)/activities/\(UUID())",
                                                    "type": "Update", "actor": alice, "object": alice])
        #expect(try await InboxSecurityTests.post(update, to: pair.inbox, signer: "alice", keys: old, actorBase: pair.sender.base) == 202)
        try await eventually("the Update is applied") {
            try await pair.receiver.database.remoteActor(id: alice)?.ed25519Multibase == new.ed25519PublicMultibase
        }
        #expect(try await pair.receiver.services.federation.policy.cache.remoteActor(id: alice)?.ed25519Multibase == new.ed25519PublicMultibase)
        #expect(try await InboxSecurityTests.post(try Self.follow(pair), to: pair.inbox, signer: "alice", keys: old, actorBase: pair.sender.base) == 401,
                "the replaced key is not taken from memory")
        #expect(try await InboxSecurityTests.post(try Self.follow(pair), to: pair.inbox, signer: "alice", keys: new, actorBase: pair.sender.base) == 202)
        #expect(try await pair.storedCount() == 2)
    }
}
