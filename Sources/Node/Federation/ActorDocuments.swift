import Federation
import Foundation
import Storage

/// The ActivityPub documents that describe this node's actors.
///
/// A person's document carries only what anyone may see: the public profile
/// and profile fields marked `public`. Fields for signed-in users or for the
/// owner alone never leave the node, since another node could not keep them
/// from being shown publicly.
struct ActorDocuments: Sendable {
    let runtime: FederationRuntime
    let profiles: ProfileService
    let configuration: NodeConfiguration

    func person(_ account: Account) async throws -> ActorDocument {
        let urls = runtime.urls
        let id = urls.person(account.username)
        let keys = try await runtime.keyring.keys(owner: "account:\(account.id!)")
        let view = try await profiles.view(of: account, by: .anonymous)
        var document = ActorDocument(id: id, type: "Person", inbox: urls.inbox(account.username))
        document.preferredUsername = account.username
        document.name = view.displayName
        document.summary = Self.html(paragraphsOf: view.bio)
        document.url = id
        document.outbox = urls.outbox(account.username)
        document.followers = urls.followers(account.username)
        document.following = urls.following(account.username)
        document.endpoints = .init(sharedInbox: urls.sharedInbox)
        document.publicKey = .init(id: LocalActorURLs.rsaKeyId(id), owner: id, publicKeyPem: keys.rsaPublicPEM)
        document.assertionMethod = [.init(id: LocalActorURLs.ed25519KeyId(id), controller: id, publicKeyMultibase: keys.ed25519PublicMultibase)]
        document.manuallyApprovesFollowers = false
        document.discoverable = true
        var properties: [ActorDocument.Property] = []
        if !view.organisation.isEmpty { properties.append(.init(name: "Organisation", value: HTML.escape(view.organisation))) }
        if !view.jobTitle.isEmpty { properties.append(.init(name: "Job title", value: HTML.escape(view.jobTitle))) }
        properties += view.fields.map { .init(name: $0.label, value: HTML.escape($0.value)) }
        document.attachment = properties.isEmpty ? nil : properties
        if let avatar = view.avatarURL {
            let profile = try await profiles.database.profile(accountId: account.id!)
            document.icon = .init(mediaType: profile?.avatarContentType, url: avatar)
        }
        return document
    }

    func nodeActor() async throws -> ActorDocument {
        let urls = runtime.urls
        let id = urls.nodeActor
        let keys = try await runtime.keyring.keys(owner: SigningKey.nodeOwner)
        var document = ActorDocument(id: id, type: "Application", inbox: urls.sharedInbox)
        document.preferredUsername = configuration.baseURL.host ?? "node"
        document.name = configuration.nodeName
        document.url = configuration.baseURL.absoluteString
        document.endpoints = .init(sharedInbox: urls.sharedInbox)
        document.publicKey = .init(id: LocalActorURLs.rsaKeyId(id), owner: id, publicKeyPem: keys.rsaPublicPEM)
        document.assertionMethod = [.init(id: LocalActorURLs.ed25519KeyId(id), controller: id, publicKeyMultibase: keys.ed25519PublicMultibase)]
        document.manuallyApprovesFollowers = true
        document.discoverable = false
        return document
    }

    /// Plain text as HTML paragraphs, every character escaped.
    static func html(paragraphsOf text: String) -> String? {
        let html = ContentObjects.html(paragraphsOf: text)
        return html.isEmpty ? nil : html
    }
}
