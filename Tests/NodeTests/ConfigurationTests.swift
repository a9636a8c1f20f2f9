import Foundation
@testable import Node
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    @Test("defaults give a working local node")
    func defaults() throws {
        let configuration = try NodeConfiguration.load(environment: [:])
        #expect(configuration.baseURL.absoluteString == "http://127.0.0.1:8080")
        #expect(configuration.registrationMode == .open)
        #expect(configuration.federationMode == .allowlist)
        #expect(configuration.allowPrivateNetworkPeers == false)
        #expect(configuration.maxUploadBytes == 25 * 1024 * 1024)
    }

    @Test("flags beat the environment, which beats node.conf")
    func precedence() throws {
        let file = try ConfigFile.parse("LISTEN_PORT=9000\nNODE_NAME=\"From file\"\nMAX_UPLOAD_SIZE=2M\n", path: "node.conf")
        let configuration = try NodeConfiguration.load(
            fileValues: file, environment: ["MEENT_LISTEN_PORT": "9100", "LISTEN_PORT": "1"], overrides: ["LISTEN_PORT": "9200"])
        #expect(configuration.listenPort == 9200)
        #expect(configuration.nodeName == "From file")
        #expect(configuration.maxUploadBytes == 2 * 1024 * 1024)
        let fromEnvironment = try NodeConfiguration.load(fileValues: file, environment: ["MEENT_LISTEN_PORT": "9100"])
        #expect(fromEnvironment.listenPort == 9100)
    }

    @Test("a bad value names its key", arguments: [
        ("LISTEN_PORT", "eighty"), ("REGISTRATION_MODE", "everyone"), ("FEDERATION_MODE", "mesh"),
        ("MAX_UPLOAD_SIZE", "-5M"), ("BASE_URL", "ftp://example.nl"), ("ALLOW_PRIVATE_NETWORK_PEERS", "maybe"),
        ("BCRYPT_COST", "3"), ("LOG_LEVEL", "loud"),
    ])
    func badValue(key: String, value: String) throws {
        let error = #expect(throws: ConfigurationError.self) {
            try NodeConfiguration.load(environment: [:], overrides: [key: value])
        }
        #expect(error?.key == key)
        #expect(error?.description.contains(value) == true)
    }

    @Test("node.conf refuses unknown keys and malformed lines, with the line number")
    func fileErrors() throws {
        let unknown = #expect(throws: ConfigurationError.self) { try ConfigFile.parse("# comment\nLISTEN_PROT=80\n", path: "node.conf") }
        #expect(unknown?.key == "node.conf:2")
        #expect(unknown?.reason.contains("LISTEN_PROT") == true)
        let malformed = #expect(throws: ConfigurationError.self) { try ConfigFile.parse("NODE_NAME\n", path: "node.conf") }
        #expect(malformed?.key == "node.conf:1")
    }

    @Test("node.conf.example documents every key")
    func exampleDocumentsEveryKey() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = try String(contentsOf: root.appendingPathComponent("node.conf.example"), encoding: .utf8)
        for key in NodeConfiguration.keys {
            #expect(example.contains("\(key.name)="), "node.conf.example sets \(key.name)")
        }
        // The example itself must be a valid configuration.
        _ = try NodeConfiguration.load(fileValues: try ConfigFile.parse(example, path: "node.conf.example"), environment: [:])
    }
}
