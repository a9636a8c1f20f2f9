import Federation
import Foundation
import Storage

/// When a person's account is deleted, every node that received any of
/// their data is told with a `Delete` of the person, signed with the
/// person's own key (kept for this after the account is gone). The nodes
/// are those in the data-flow ledger for the person's profile and items,
/// and those of their followers. Each node confirms with an `Accept`, which
/// the ledger records; `meent ledger --open` lists the deletions not yet
/// confirmed.
struct AccountDeletionNotices: Sendable {
    let database: NodeDatabase
    let runtime: FederationRuntime

    func notice(for account: Account) async throws -> AccountDeletionNotice {
        let urls = runtime.urls
        let personId = urls.person(account.username)
        let objectIds = [personId] + (try await database.contentIds(authorId: account.id!)).map(urls.content)
        var hosts = Set(try await database.ledgerHosts(objectIds: objectIds))
        let followers = try await database.remoteActors(ids: try await database.followers(of: personId).map(\.follower))
        hosts.formUnion(followers.map(\.host))
        for (group, membership) in try await database.groups(ofAccount: account.id!) where group.isRemote && membership.isMember {
            if let host = group.actorId.flatMap(Origin.authority(of:)) { hosts.insert(host) }
        }
        guard !hosts.isEmpty else { return AccountDeletionNotice(objectIds: objectIds) }
        var recipients: [RemoteActor] = []
        for host in hosts.sorted() {
            if let known = try await database.remoteActors(host: host).first { recipients.append(known) }
        }
        let delete = Activity(id: urls.newActivityId(), type: "Delete", actor: personId, object: .string(personId),
                              to: [Activity.publicAudience])
        let deliveries = try await runtime.outbox.deliveries(of: delete, to: recipients, signer: "account:\(account.id!)")
        return AccountDeletionNotice(deliveries: deliveries, objectIds: objectIds)
    }
}
