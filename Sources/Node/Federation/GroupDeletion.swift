import Federation
import Foundation
import Storage

/// When a group is deleted on its home node, every node that holds a
/// mirror of it is told with a `Delete` of the group, signed by the group
/// (its keys outlive it for this, as a person's do). Those nodes are the
/// nodes of its members elsewhere (invited and asking ones included: they
/// hold a mirror too) and the nodes in the data-flow ledger for the group,
/// its items or its wiki pages. Each node removes its mirror and confirms
/// with an `Accept`, which closes the deletion in the ledger;
/// `meent ledger --open` lists those not confirmed yet.
extension GroupFederation {
    func deletionNotice(for group: Group) async throws -> GroupDeletionNotice {
        let groupActor = urls.group(group.slug)
        let rows = try await database.groupObjectRows(groupId: group.id!)
        let objectIds = [groupActor] + rows.items.map { $0.apId ?? urls.content($0.id) }
            + rows.wikiPages.map { $0.apId ?? urls.wikiPage($0.id) }
        let memberIds = try await database.remoteAccountsWithMembership(groupId: group.id!).compactMap(\.actorId)
        let members = try await database.remoteActors(ids: memberIds)
        var hosts = Set(memberIds.compactMap(Origin.authority(of:)))
        for start in stride(from: 0, to: objectIds.count, by: 500) {
            hosts.formUnion(try await database.ledgerHosts(objectIds: Array(objectIds[start..<min(start + 500, objectIds.count)])))
        }
        var recipients: [RemoteActor] = []
        for host in hosts.sorted() {
            // One recipient per node: a member there, or anyone this node knows there.
            if let member = members.first(where: { $0.host == host }) {
                recipients.append(member)
            } else if let known = try await database.remoteActors(host: host).first {
                recipients.append(known)
            }
        }
        guard !recipients.isEmpty else { return GroupDeletionNotice(objectIds: objectIds) }
        let delete = Activity(id: urls.newActivityId(), type: "Delete", actor: groupActor, object: .string(groupActor),
                              to: [Activity.publicAudience], cc: [urls.groupMembers(group.slug)])
        let deliveries = try await runtime.outbox.deliveries(of: delete, to: recipients, signer: "group:\(group.id!)")
        return GroupDeletionNotice(deliveries: deliveries, objectIds: objectIds)
    }
}
