import Foundation
@testable import Node
import Storage
import Testing

/// A sending node killed with SIGKILL in the middle of its work.
@Suite("Crash recovery")
struct CrashRecoveryTests {
    @Test("after kill -9 and a restart every committed activity arrives, and none is applied twice")
    func killedSender() async throws {
        let receiver = try await LiveNode.start()
        defer { Task { await receiver.stop() } }
        _ = try await receiver.user("bob")

        let data = try makeTemporaryDirectory().appendingPathComponent("data")
        let host = LoopbackAddress.next()
        let base = "http://\(host):18080"
        let arguments = ["serve", "--data-dir", data.path, "--listen-host", host, "--listen-port", "18080",
                         "--set", "BCRYPT_COST=4", "--set", "FEDERATION_MODE=open", "--set", "ALLOW_PRIVATE_NETWORK_PEERS=true"]
        let sender = try NodeProcess(arguments)
        let admin = try ProcessTests.adminLogin(from: try await sender.waitFor("node is serving"))
        let adminToken = try #require(try JSONSerialization.jsonObject(with: Data(try await LiveHTTP.request(
            .POST, "\(base)/api/v1/auth/token", json: #"{"username":"\#(admin.username)","password":"\#(admin.password)"}"#).body.utf8)) as? [String: Any])["token"] as? String

        // People on the sender follow bob; each 201 means the follow and its delivery row are committed.
        var committed: [String] = []
        for index in 0..<12 {
            let username = "follower\(index)"
            let created = try await LiveHTTP.request(.POST, "\(base)/api/v1/admin/users", json: #"{"username":"\#(username)","password":"long enough password"}"#, token: adminToken)
            #expect(created.status == 201)
            let token = try #require(try JSONSerialization.jsonObject(with: Data(try await LiveHTTP.request(
                .POST, "\(base)/api/v1/auth/token", json: #"{"username":"\#(username)","password":"long enough password"}"#).body.utf8)) as? [String: Any])["token"] as? String
            let follow = try await LiveHTTP.request(.POST, "\(base)/api/v1/follows", json: #"{"account":"bob@\#(receiver.authority)"}"#, token: token)
            if follow.status == 201 { committed.append("\(base)/users/\(username)") }
        }
        kill(sender.process.processIdentifier, SIGKILL)
        _ = try await sender.waitForExit()
        // A follow that was not answered 201 (say, the lookup timed out) was not committed and is not expected.
        #expect(!committed.isEmpty)

        let restarted = try NodeProcess(arguments)
        try await restarted.waitFor("node is serving")
        defer { restarted.terminate() }
        let expected = Set(committed)
        try await eventually("every committed follow reached the receiver", timeout: .seconds(120)) {
            Set(try await receiver.database.followers(of: receiver.personId("bob")).map(\.follower)) == expected
        }
        // Each Follow was stored and applied once, however often it was sent.
        let received = try await receiver.database.receivedActivities(type: "Follow", limit: 1000)
        #expect(received.count == committed.count)
        #expect(Set(received.map(\.activityId)).count == received.count)
        #expect(received.allSatisfy { $0.state == .applied })

        // And the sender, after its restart, got every Accept.
        try await eventually("the receiver delivered every Accept", timeout: .seconds(120)) {
            let accepts = try await receiver.database.deliveries(host: "\(host):18080", limit: 1000)
            return accepts.count == expected.count && accepts.allSatisfy { $0.state == .delivered }
        }
        restarted.terminate()
        #expect(try await restarted.waitForExit() == 0)
        let senderDatabase = try NodeDatabase(path: data.appendingPathComponent("meent.sqlite").path)
        for follower in committed {
            #expect(try await senderDatabase.follow(follower: follower, followee: receiver.personId("bob"))?.state == .accepted)
        }
    }
}
