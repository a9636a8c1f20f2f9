import AsyncHTTPClient
import NIOHTTP1
import Foundation
@testable import Node
import Testing

@Suite("meent as a process")
struct ProcessTests {
    static func serveArguments(_ data: URL, host: String, port: Int = 18080) -> [String] {
        ["serve", "--data-dir", data.path, "--listen-host", host, "--listen-port", String(port), "--set", "BCRYPT_COST=4"]
    }

    static func adminLogin(from output: String) throws -> (username: String, password: String) {
        func value(_ label: String) -> String? {
            output.split(separator: "\n").first { $0.contains("\(label):") }.map {
                String($0.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces)
            }
        }
        guard let username = value("username"), let password = value("password") else { throw TestFailure("no admin login in:\n\(output)") }
        return (username, password)
    }

    @Test("first start prints an admin login that works through the API; SIGTERM stops the node cleanly")
    func firstStartAndShutdown() async throws {
        let data = try makeTemporaryDirectory().appendingPathComponent("data")
        let host = LoopbackAddress.next()
        let base = "http://\(host):18080"
        let node = try NodeProcess(Self.serveArguments(data, host: host))
        let output = try await node.waitFor("node is serving")
        let admin = try Self.adminLogin(from: output)
        #expect(admin.username == "admin")

        let health = try await LiveHTTP.request(.GET, "\(base)/healthz")
        #expect(health.status == 200)
        let home = try await LiveHTTP.request(.GET, "\(base)/")
        #expect(home.body.contains("<h1>Meent</h1>"))
        let token = try await LiveHTTP.request(.POST, "\(base)/api/v1/auth/token",
                                               json: #"{"username":"\#(admin.username)","password":"\#(admin.password)"}"#)
        #expect(token.status == 201)
        let secret = try #require((try JSONSerialization.jsonObject(with: Data(token.body.utf8)) as? [String: Any])?["token"] as? String)
        let me = try await LiveHTTP.request(.GET, "\(base)/api/v1/me", token: secret)
        #expect(me.body.contains(#""role":"admin""#))

        node.terminate()
        #expect(try await node.waitForExit() == 0)
        #expect(node.text.contains("node stopped"))

        // A second start keeps the data and prints no new login.
        let again = try NodeProcess(Self.serveArguments(data, host: host))
        let second = try await again.waitFor("node is serving")
        #expect(!second.contains("password:"))
        let reuse = try await LiveHTTP.request(.GET, "\(base)/api/v1/me", token: secret)
        #expect(reuse.status == 200)
        again.terminate()
        #expect(try await again.waitForExit() == 0)
    }

    @Test("with LOG_FORMAT=json every log line is a JSON object")
    func jsonLogs() async throws {
        let host = LoopbackAddress.next()
        let node = try NodeProcess(Self.serveArguments(try makeTemporaryDirectory(), host: host) + ["--set", "LOG_FORMAT=json"])
        try await node.waitFor("node is serving")
        node.terminate()
        #expect(try await node.waitForExit() == 0)
        let logLines = node.text.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(logLines.count >= 2)
        for line in logLines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["level"] is String)
            #expect(object["message"] is String)
            #expect(object["time"] is String)
        }
        #expect(logLines.contains { $0.contains("node is serving") && $0.contains("\"listen\":\"\(host):18080\"") })
    }

    @Test("a taken port is a clear error with a non-zero exit")
    func portTaken() async throws {
        let host = LoopbackAddress.next()
        let first = try NodeProcess(Self.serveArguments(try makeTemporaryDirectory(), host: host))
        try await first.waitFor("node is serving")
        let second = try NodeProcess(Self.serveArguments(try makeTemporaryDirectory(), host: host))
        #expect(try await second.waitForExit() == 1)
        #expect(second.text.contains("cannot listen on \(host):18080: the address is already in use"))
        first.terminate()
        _ = try await first.waitForExit()
    }

    @Test("a data directory that cannot be written is a clear error")
    func dataDirectoryNotWritable() async throws {
        let directory = try makeTemporaryDirectory()
        let file = directory.appendingPathComponent("not-a-directory")
        try Data("x".utf8).write(to: file)
        let result = try await NodeProcess.run(Self.serveArguments(file.appendingPathComponent("data"), host: LoopbackAddress.next()))
        #expect(result.status == 1)
        #expect(result.output.contains("DATA_DIR="))
        #expect(result.output.contains("not writable"))
    }

    @Test("a bad configuration value stops the node with a message naming the key")
    func badConfiguration() async throws {
        let directory = try makeTemporaryDirectory()
        try "REGISTRATION_MODE=sometimes\n".write(to: directory.appendingPathComponent("node.conf"), atomically: true, encoding: .utf8)
        let result = try await NodeProcess.run(["serve"], directory: directory)
        #expect(result.status == 1)
        #expect(result.output.contains("REGISTRATION_MODE=sometimes: must be one of open, invite-only, closed"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("data").path), "nothing is created")
    }

    @Test("operators manage users from the CLI")
    func userCommands() async throws {
        let directory = try makeTemporaryDirectory()
        let options = ["--data-dir", directory.appendingPathComponent("data").path, "--set", "BCRYPT_COST=4"]
        let initialised = try await NodeProcess.run(["init"] + options)
        #expect(initialised.status == 0)
        #expect(initialised.output.contains("username: admin"))

        let created = try await NodeProcess.run(["user", "create", "bram", "--email", "bram@provincie.example", "--display-name", "Bram Visser"] + options)
        #expect(created.status == 0)
        #expect(created.output.contains("Password: "))
        let duplicate = try await NodeProcess.run(["user", "create", "bram"] + options)
        #expect(duplicate.status == 1)
        #expect(duplicate.output.contains("meent: username is already taken"))

        let list = try await NodeProcess.run(["user", "list"] + options)
        #expect(list.output.contains("bram"))
        #expect(list.output.contains("2 accounts"))

        #expect(try await NodeProcess.run(["user", "disable", "bram"] + options).status == 0)
        #expect(try await NodeProcess.run(["user", "show", "bram"] + options).output.contains("status:       disabled"))
        #expect(try await NodeProcess.run(["user", "enable", "bram"] + options).status == 0)
        #expect(try await NodeProcess.run(["user", "promote", "bram"] + options).output.contains("is now an administrator"))
        #expect(try await NodeProcess.run(["user", "demote", "bram"] + options).status == 0)
        let lastAdmin = try await NodeProcess.run(["user", "disable", "admin"] + options)
        #expect(lastAdmin.status == 1)
        #expect(lastAdmin.output.contains("last administrator"))

        let reset = try await NodeProcess.run(["user", "reset-password", "bram", "--password-stdin"] + options, standardInput: "a brand new password\n")
        #expect(reset.status == 0)
        #expect(!reset.output.contains("a brand new password"))

        let unconfirmed = try await NodeProcess.run(["user", "delete", "bram"] + options)
        #expect(unconfirmed.status == 1)
        #expect(try await NodeProcess.run(["user", "delete", "bram", "--yes"] + options).status == 0)
        let gone = try await NodeProcess.run(["user", "show", "bram"] + options)
        #expect(gone.status == 1)
        #expect(gone.output.contains("no user named 'bram'"))

        let check = try await NodeProcess.run(["check"] + options)
        #expect(check.status == 0, "\(check.output)")
        #expect(!check.output.contains("FAIL"))
    }

    @Test("operators decide on peers and inspect the delivery queue from the CLI")
    func peerAndQueueCommands() async throws {
        let directory = try makeTemporaryDirectory()
        let options = ["--data-dir", directory.appendingPathComponent("data").path, "--set", "BCRYPT_COST=4"]
        #expect(try await NodeProcess.run(["init"] + options).status == 0)
        let allowed = try await NodeProcess.run(["peer", "allow", "meent.gemeente.example", "--note", "partner municipality"] + options)
        #expect(allowed.status == 0)
        #expect(try await NodeProcess.run(["peer", "block", "spam.example"] + options).status == 0)
        let list = try await NodeProcess.run(["peer", "list"] + options)
        #expect(list.output.contains("federation mode: allowlist"))
        #expect(list.output.contains("meent.gemeente.example\tallowed"))
        #expect(list.output.contains("spam.example\tblocked"))
        let show = try await NodeProcess.run(["peer", "show", "meent.gemeente.example"] + options)
        #expect(show.output.contains("note:          partner municipality"))
        let unknown = try await NodeProcess.run(["peer", "show", "other.example"] + options)
        #expect(unknown.output.contains("not allowed in allowlist mode"))
        #expect(try await NodeProcess.run(["peer", "unblock", "spam.example"] + options).status == 0)
        let notBlocked = try await NodeProcess.run(["peer", "unblock", "spam.example"] + options)
        #expect(notBlocked.status == 1)
        let badHost = try await NodeProcess.run(["peer", "allow", "https://x.example/path"] + options)
        #expect(badHost.status != 0)

        let status = try await NodeProcess.run(["queue", "status"] + options)
        #expect(status.output.contains("queued 0, delivered 0, failed 0"))
        let retry = try await NodeProcess.run(["queue", "retry", "--failed"] + options)
        #expect(retry.output.contains("0 deliveries will be sent at once"))
        let badState = try await NodeProcess.run(["queue", "list", "--state", "lost"] + options)
        #expect(badState.status == 1)
    }

    @Test("meent check fails on a database that does not exist yet")
    func checkWithoutDatabase() async throws {
        let result = try await NodeProcess.run(["check", "--data-dir", try makeTemporaryDirectory().appendingPathComponent("data").path])
        #expect(result.status == 1)
        #expect(result.output.contains("FAIL no database"))
    }
}
