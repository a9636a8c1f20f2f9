import Foundation
import Federation
import Storage

/// Groups on this node: creating and changing them, and every way in and
/// out: joining, asking, invitations (to people on the node and by link),
/// leaving, removal, blocking, roles and ownership.
///
/// Rules: node administrators and the group's owner and admins manage a
/// group; only the owner (or a node administrator) changes who is admin,
/// hands over ownership or deletes the group. The owner cannot leave or be
/// removed before handing over ownership. Hidden groups do not exist for
/// people who are neither members nor invited.
public struct GroupService: Sendable {
    let database: NodeDatabase
    let configuration: NodeConfiguration
    let notifications: NotificationService
    /// Group icons' bytes.
    let blobs: BlobStore
    let federation: GroupFederation
    /// Bytes fetched for files of other nodes' groups, dropped with the group's copies.
    let fileCache: BlobStore

    /// The settings of a group; `nil` keeps a value (on update) or takes the default (on create).
    public struct Settings: Sendable {
        public var slug: String?
        public var name: String?
        public var description: String?
        public var tags: [String]?
        public var membershipMode: Group.MembershipMode?
        public var isHidden: Bool?
        public var welcomeMessage: String?

        public init(slug: String? = nil, name: String? = nil, description: String? = nil, tags: [String]? = nil,
                    membershipMode: Group.MembershipMode? = nil, isHidden: Bool? = nil, welcomeMessage: String? = nil) {
            self.slug = slug
            self.name = name
            self.description = description
            self.tags = tags
            self.membershipMode = membershipMode
            self.isHidden = isHidden
            self.welcomeMessage = welcomeMessage
        }
    }

    // MARK: Finding and showing

    /// The group and the viewer's membership. A hidden group is "not found"
    /// for anyone who is neither a member, invited, nor a node administrator.
    func find(_ slug: String, viewer: Account?) async throws -> (Group, Membership?) {
        guard let group = try await database.group(slug: slug) else { throw Self.notFound(slug) }
        let membership = try await membership(group, viewer)
        try Self.requireVisible(group, membership, viewer)
        return (group, membership)
    }

    /// A hidden group is there only for its members, the people invited to
    /// it and node administrators; for anyone else it does not exist.
    private static func requireVisible(_ group: Group, _ membership: Membership?, _ viewer: Account?) throws {
        if group.isHidden, viewer?.isAdmin != true, !(membership.map { $0.state == .member || $0.state == .invited } ?? false) {
            throw Self.notFound(group.slug)
        }
    }

    private func membership(_ group: Group, _ viewer: Account?) async throws -> Membership? {
        guard let viewer else { return nil }
        return try await database.membership(groupId: group.id!, accountId: viewer.id!)
    }

    static func notFound(_ slug: String) -> ServiceError { ServiceError(.notFound, "no group '\(slug)'") }

    func view(_ group: Group, membership: Membership?) async throws -> GroupView {
        makeView(group, membership: membership, memberCount: try await database.memberCount(groupId: group.id!))
    }

    /// Views of several groups for one viewer, with one read for all their
    /// member counts and the viewer's memberships (not two reads per group).
    /// `memberships` overrides what the viewer's memberships are, when known.
    func views(_ groups: [Group], viewer: Account?, memberships: [Int64: Membership]? = nil) async throws -> [GroupView] {
        let facts = try await database.groupListingFacts(groupIds: groups.compactMap(\.id), viewerId: memberships == nil ? viewer?.id : nil)
        let known = memberships ?? facts.viewerMemberships
        return groups.map { makeView($0, membership: known[$0.id!], memberCount: facts.memberCounts[$0.id!] ?? 0) }
    }

    private func makeView(_ group: Group, membership: Membership?, memberCount count: Int) -> GroupView {
        GroupView(
            slug: group.slug, name: group.name, description: group.description, tags: group.tags,
            membershipMode: group.membershipMode, isHidden: group.isHidden, memberCount: count,
            url: group.actorId ?? "\(configuration.baseURL.absoluteString)/groups/\(group.slug)", createdAt: group.createdAt,
            node: group.actorId.flatMap(Origin.authority(of:)) ?? federation.runtime.settings.authority,
            membership: membership.map { .init(role: $0.role, state: $0.state) },
            iconURL: group.iconDigest.map { "\(configuration.baseURL.absoluteString)/api/v1/groups/\(group.slug)/icon?v=\($0.prefix(12))" },
            welcomeMessage: membership?.isMember == true && !group.welcomeMessage.isEmpty ? group.welcomeMessage : nil)
    }

    /// Finds a group by `name@host` handle or URL: one of this node, or one
    /// of another node, which is mirrored here so people can join it.
    public func lookup(_ handle: String, viewer: Account) async throws -> GroupView {
        let input = handle.trimmingCharacters(in: .whitespaces)
        if let slug = federation.urls.slug(ofGroup: input) { return try await show(slug, viewer: viewer) }
        let parts = (input.hasPrefix("!") || input.hasPrefix("@") ? String(input.dropFirst()) : input).split(separator: "@")
        if parts.count == 2, parts[1].lowercased() == federation.runtime.settings.authority { return try await show(String(parts[0]), viewer: viewer) }
        guard parts.count == 2 || input.hasPrefix("https://") || input.hasPrefix("http://") else {
            throw ServiceError.invalid(field: "group", "must be a handle such as name@node.example or a group URL")
        }
        let group = try await federation.remoteGroup(input.hasPrefix("!") ? String(input.dropFirst()) : input)
        return try await view(group, membership: try await membership(group, viewer))
    }

    public func show(_ slug: String, viewer: Account?) async throws -> GroupView {
        try await showWithRecord(slug, viewer: viewer).view
    }

    /// ``show(_:viewer:)`` with the group's record (for its id), in one read.
    func showWithRecord(_ slug: String, viewer: Account?) async throws -> (view: GroupView, group: Group) {
        guard let found = try await database.groupForViewer(slug: slug, viewerId: viewer?.id) else { throw Self.notFound(slug) }
        try Self.requireVisible(found.group, found.membership, viewer)
        return (makeView(found.group, membership: found.membership, memberCount: found.memberCount), found.group)
    }

    /// Groups the viewer may see, optionally matching `search` and carrying `tag`.
    public func list(viewer: Account?, search: String?, tag: String? = nil, after: Int64, limit: Int) async throws -> (items: [GroupView], next: String?) {
        let found = try await database.groups(visibleTo: viewer?.id, everything: viewer?.isAdmin == true, search: search,
                                              tag: tag.map { Self.normalised([$0]) }?.first, after: after, limit: limit + 1)
        let items = try await views(Array(found.prefix(limit)), viewer: viewer)
        return (items, found.count > limit ? found[limit - 1].id.map(String.init) : nil)
    }

    /// The groups a person is in, and those they are invited to or asked to join.
    public func groups(of account: Account) async throws -> [GroupView] {
        let found = try await database.groups(ofAccount: account.id!, states: [.member, .invited, .requested])
        return try await views(found.map(\.0), viewer: account,
                               memberships: Dictionary(found.map { ($0.0.id!, $0.1) }, uniquingKeysWith: { first, _ in first }))
    }

    // MARK: Creating and changing

    public func create(by account: Account, _ settings: Settings) async throws -> GroupView {
        let name = (settings.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let slug = settings.slug ?? Self.slug(from: name)
        var errors = FieldErrors()
        errors.check("name", Validation.textProblem(name, max: 100, allowEmpty: false))
        errors.check("slug", Self.slugProblem(slug))
        validate(settings, into: &errors)
        try errors.throwIfAny()
        let group = Group(
            slug: slug, name: name, description: settings.description ?? "", tags: Self.normalised(settings.tags ?? []),
            membershipMode: settings.membershipMode ?? .open, isHidden: settings.isHidden ?? false,
            welcomeMessage: settings.welcomeMessage ?? "")
        let created = try await translatingStorageErrors { try await database.createGroup(group, ownerId: account.id!) }
        return try await view(created, membership: try await database.membership(groupId: created.id!, accountId: account.id!))
    }

    public func update(_ slug: String, by account: Account, _ settings: Settings) async throws -> GroupView {
        var (group, membership) = try await find(slug, viewer: account)
        try requireManager(membership, account, group)
        var errors = FieldErrors()
        if let name = settings.name { errors.check("name", Validation.textProblem(name, max: 100, allowEmpty: false)) }
        if let newSlug = settings.slug, newSlug != group.slug { errors.check("slug", "cannot be changed: links to the group would break") }
        validate(settings, into: &errors)
        try errors.throwIfAny()
        if let value = settings.name { group.name = value.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let value = settings.description { group.description = value }
        if let value = settings.tags { group.tags = Self.normalised(value) }
        if let value = settings.membershipMode { group.membershipMode = value }
        if let value = settings.isHidden { group.isHidden = value }
        if let value = settings.welcomeMessage { group.welcomeMessage = value }
        group.updatedAt = Date()
        try await translatingStorageErrors { try await database.updateGroup(group) }
        return try await view(group, membership: membership)
    }

    public func delete(_ slug: String, by account: Account) async throws {
        let (group, membership) = try await find(slug, viewer: account)
        // A mirror is not the group: deleting it here would delete nothing there.
        try requireHome(group)
        guard account.isAdmin || membership?.role == .owner && membership?.isMember == true else {
            throw ServiceError(.forbidden, "only the group's owner or a node administrator may delete it")
        }
        // The nodes that hold a mirror are told in the same transaction (see GroupDeletion.swift).
        let notice = try await federation.deletionNotice(for: group)
        let digests = try await translatingStorageErrors { try await database.deleteGroup(id: group.id!, notice: notice) }
        if !notice.deliveries.isEmpty { federation.runtime.outbox.wake() }
        try await database.removeUnusedBlobs(digests, from: blobs)
    }

    // MARK: Icon

    static let maxIconBytes = 2 * 1024 * 1024

    /// Sets the group's icon: a PNG, JPEG, GIF or WebP image, recognised by
    /// its first bytes (never by what the client claims). Managers only.
    public func setIcon(_ slug: String, by account: Account, bytes: [UInt8]) async throws -> GroupView {
        var (group, membership) = try await find(slug, viewer: account)
        try requireManager(membership, account, group)
        guard let contentType = ProfileService.imageType(of: bytes) else {
            throw ServiceError.invalid(field: "icon", "must be a PNG, JPEG, GIF or WebP image")
        }
        let previous = try await translatingStorageErrors {
            try await database.setGroupIcon(groupId: group.id!, bytes: bytes, contentType: contentType, blobs: blobs)
        }
        try await database.removeUnusedBlobs(previous.map { [$0] } ?? [], from: blobs)
        group = try await database.group(id: group.id!) ?? group
        return try await view(group, membership: membership)
    }

    public func removeIcon(_ slug: String, by account: Account) async throws {
        let (group, membership) = try await find(slug, viewer: account)
        try requireManager(membership, account, group)
        let previous = try await translatingStorageErrors {
            try await database.setGroupIcon(groupId: group.id!, bytes: nil, contentType: nil, blobs: blobs)
        }
        try await database.removeUnusedBlobs(previous.map { [$0] } ?? [], from: blobs)
    }

    /// The icon of a group the viewer may see. `isPublic` tells whether
    /// shared caches may keep it: not for a hidden group.
    public func icon(_ slug: String, viewer: Account?) async throws -> (fileURL: URL, contentType: String, digest: String, isPublic: Bool) {
        let (group, _) = try await find(slug, viewer: viewer)
        guard let digest = group.iconDigest, let contentType = group.iconContentType, let url = blobs.fileURL(digest) else {
            throw ServiceError(.notFound, "group '\(slug)' has no icon")
        }
        return (url, contentType, digest, !group.isHidden)
    }

    private func validate(_ settings: Settings, into errors: inout FieldErrors) {
        if let value = settings.description { errors.check("description", Validation.textProblem(value, max: 5000)) }
        if let value = settings.welcomeMessage { errors.check("welcomeMessage", Validation.textProblem(value, max: 5000)) }
        if let tags = settings.tags {
            if tags.count > 20 { errors.check("tags", "may list at most 20 tags") }
            if tags.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty || $0.count > 40 }) { errors.check("tags", "must each be 1 to 40 characters") }
        }
    }

    static func normalised(_ tags: [String]) -> [String] {
        var seen = Set<String>()
        return tags.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { seen.insert($0).inserted }
    }

    /// A URL-safe name made from the group's name: `Water & Bodem 2026` → `water-bodem-2026`.
    static func slug(from name: String) -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en")).lowercased()
        var slug = ""
        for scalar in folded.unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.isEmpty, slug.last != "-" {
                slug.append("-")
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return String(slug.prefix(60))
    }

    static func slugProblem(_ slug: String) -> String? {
        let bytes = Array(slug.utf8)
        let ok = (2...60).contains(bytes.count) && bytes.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }
            && bytes.first != 45 && bytes.last != 45
        return ok ? nil : "must be 2 to 60 characters: lowercase letters, digits and '-', not starting or ending with '-'"
    }

    // MARK: Permissions

    /// A group of another node is managed on its home node.
    private func requireHome(_ group: Group) throws {
        if group.isRemote { throw ServiceError(.conflict, "\(group.slug) is managed on its home node, \(Origin.authority(of: group.actorId!) ?? "")") }
    }

    /// Whether a name given for a person names someone of another node
    /// (`name@host` or an actor URL).
    static func isRemoteHandle(_ name: String) -> Bool {
        name.contains("@") || name.hasPrefix("https://") || name.hasPrefix("http://")
    }

    private func requireManager(_ membership: Membership?, _ account: Account, _ group: Group) throws {
        try requireHome(group)
        guard account.isAdmin || membership?.isManager == true else {
            throw ServiceError(.forbidden, "only the group's owner and admins may do this")
        }
    }

    private func requireOwner(_ membership: Membership?, _ account: Account, _ group: Group) throws {
        try requireHome(group)
        guard account.isAdmin || (membership?.isMember == true && membership?.role == .owner) else {
            throw ServiceError(.forbidden, "only the group's owner may do this")
        }
    }

    // MARK: Joining and leaving

    /// Joins an open group, asks to join a group on request, or accepts an
    /// invitation. A closed group cannot be joined without an invitation.
    public func join(_ slug: String, by account: Account) async throws -> JoinResult {
        let (group, existing) = try await find(slug, viewer: account)
        let now = Date()
        var membership = existing ?? Membership(groupId: group.id!, accountId: account.id!, state: .requested, createdAt: now, updatedAt: now)
        switch existing?.state {
        case .member?:
            return JoinResult(state: .member, role: membership.role, welcomeMessage: nil)
        case .blocked?:
            throw ServiceError(.forbidden, "you cannot join this group")
        case .requested?:
            return JoinResult(state: .requested, role: .member, welcomeMessage: nil)
        case .invited?:
            membership.state = .member
        case nil:
            switch group.membershipMode {
            case .open: membership.state = .member
            case .request: membership.state = .requested
            case .closed: throw ServiceError(.forbidden, "this group is by invitation only")
            }
        }
        membership.updatedAt = now
        if group.isRemote {
            // The group's home node decides; the membership counts once it accepts.
            membership.state = .requested
            let deliveries = try await federation.join(group, by: account)
            try await translatingStorageErrors { try await database.saveMembership(membership, deliveries: deliveries) }
            federation.runtime.outbox.wake()
            return JoinResult(state: .requested, role: membership.role, welcomeMessage: nil)
        }
        try await translatingStorageErrors { try await database.saveMembership(membership) }
        if membership.state == .requested {
            let managers = try await database.members(groupId: group.id!).filter { $0.0.isManager }.map { $0.1.id! }
            try await notifications.notify(managers, kind: .groupRequested, actor: account, groupId: group.id)
        }
        let welcome = membership.state == .member && !group.welcomeMessage.isEmpty ? group.welcomeMessage : nil
        return JoinResult(state: membership.state, role: membership.role, welcomeMessage: welcome)
    }

    /// Leaves a group, withdraws a request or declines an invitation.
    public func leave(_ slug: String, by account: Account) async throws {
        let (group, membership) = try await find(slug, viewer: account)
        guard let membership, membership.state != .blocked else { throw ServiceError(.notFound, "you are not in this group") }
        if membership.role == .owner {
            throw ServiceError(.conflict, "the owner cannot leave; hand over ownership first")
        }
        if group.isRemote {
            let deliveries = try await federation.leave(group, by: account)
            let dropped = try await translatingStorageErrors {
                try await database.applyChanges([.membership(group: .id(group.id!), account: .id(account.id!), state: nil, role: .member)],
                                                deliveries: deliveries)
            }
            federation.runtime.outbox.wake()
            // The last member here left: the cached bytes of the group's files go with its copies.
            try await database.removeUnusedCachedBlobs(dropped, from: fileCache)
            return
        }
        try await translatingStorageErrors { try await database.deleteMembership(groupId: group.id!, accountId: account.id!) }
    }

    // MARK: Managing members

    /// Members (and, for managers, requests, invitations and blocks) of a group.
    /// The member list of a closed or hidden group is for its members.
    public func members(_ slug: String, viewer: Account, states: [Membership.State]) async throws -> [MemberView] {
        let (group, membership) = try await find(slug, viewer: viewer)
        let isManager = viewer.isAdmin || membership?.isManager == true
        if (group.membershipMode == .closed || group.isHidden) && !(membership?.isMember == true || viewer.isAdmin) {
            throw ServiceError(.forbidden, "the member list of this group is for its members")
        }
        if states.contains(where: { $0 != .member }) && !isManager {
            throw ServiceError(.forbidden, "only the group's owner and admins see requests, invitations and blocks")
        }
        return try await database.members(groupId: group.id!, states: states).map { membership, account, profile in
            MemberView(username: account.username, displayName: profile.displayName, role: membership.role, state: membership.state, since: membership.createdAt)
        }
    }

    /// Invites a person of this node; they become a member when they accept (join).
    public func invite(_ slug: String, by account: Account, username: String) async throws -> MemberView {
        let (group, membership) = try await find(slug, viewer: account)
        try requireManager(membership, account, group)
        let invitee: Account
        if Self.isRemoteHandle(username) {
            invitee = try await federation.remotePerson(username)
        } else {
            guard let local = try await database.account(username: username), !local.isDisabled else {
                throw ServiceError.invalid(field: "username", "is not a person on this node")
            }
            invitee = local
        }
        let now = Date()
        var target = try await database.membership(groupId: group.id!, accountId: invitee.id!)
            ?? Membership(groupId: group.id!, accountId: invitee.id!, state: .invited, invitedBy: account.id, createdAt: now, updatedAt: now)
        switch target.state {
        case .member: throw ServiceError(.conflict, "\(username) is already a member")
        case .blocked: throw ServiceError(.conflict, "\(username) is blocked from this group; unblock them first")
        case .requested: target.state = .member  // they asked; the invitation answers
        case .invited: break
        }
        target.updatedAt = now
        if invitee.isRemote {
            let deliveries = target.state == .member ? try await federation.answer(group, person: invitee, admitted: true)
                                                     : try await federation.invite(group, person: invitee, by: account)
            try await translatingStorageErrors { try await database.saveMembership(target, deliveries: deliveries) }
            federation.runtime.outbox.wake()
            return try await memberView(group: group, accountId: invitee.id!)
        }
        try await translatingStorageErrors { try await database.saveMembership(target) }
        try await notifications.notify([invitee.id!], kind: target.state == .member ? .groupApproved : .groupInvited, actor: account, groupId: group.id)
        return try await memberView(group: group, accountId: invitee.id!)
    }

    /// What a manager can change about a member: approve a request (`state: member`) or set a role.
    public func change(_ slug: String, by account: Account, username: String, role: Membership.Role?, approve: Bool) async throws -> MemberView {
        let (group, membership) = try await find(slug, viewer: account)
        try requireManager(membership, account, group)
        let (targetAccount, target) = try await target(group, username)
        var changed = target
        if approve {
            guard target.state == .requested else { throw ServiceError(.conflict, "\(username) has not asked to join") }
            changed.state = .member
        }
        if let role {
            guard changed.state == .member else { throw ServiceError(.conflict, "\(username) is not a member") }
            guard role != .owner else { throw ServiceError.invalid(field: "role", "owner is handed over with the transfer action") }
            guard target.role != .owner else { throw ServiceError(.conflict, "the owner's role changes only by handing over ownership") }
            try requireOwner(membership, account, group)
            changed.role = role
        }
        changed.updatedAt = Date()
        if targetAccount.isRemote {
            var deliveries: [Delivery] = []
            if approve { deliveries += try await federation.answer(group, person: targetAccount, admitted: true) }
            if let role, role != target.role { deliveries += try await federation.roleChanged(group, person: targetAccount, isModerator: role >= .admin) }
            try await translatingStorageErrors { try await database.saveMembership(changed, deliveries: deliveries) }
            federation.runtime.outbox.wake()
            return try await memberView(group: group, accountId: targetAccount.id!)
        }
        try await translatingStorageErrors { try await database.saveMembership(changed) }
        if approve { try await notifications.notify([targetAccount.id!], kind: .groupApproved, actor: account, groupId: group.id) }
        return try await memberView(group: group, accountId: targetAccount.id!)
    }

    /// Removes a member, refuses a request or withdraws an invitation. Takes
    /// effect at once: the person's next request is that of a non-member.
    public func remove(_ slug: String, by account: Account, username: String) async throws {
        let (group, membership) = try await find(slug, viewer: account)
        if group.isRemote {
            _ = try await moderateRemote(group, by: account, username: username, blocking: false)
            return
        }
        try requireManager(membership, account, group)
        let (targetAccount, target) = try await target(group, username)
        guard target.state != .blocked else { throw ServiceError(.conflict, "\(username) is blocked; lifting a block is its own action") }
        try checkCanActOn(target, membership: membership, account: account, group: group)
        // A person of another node is told at once; their node drops what they may no longer see.
        var deliveries: [Delivery] = []
        if targetAccount.isRemote {
            switch target.state {
            case .requested: deliveries = try await federation.answer(group, person: targetAccount, admitted: false)
            case .member: deliveries = try await federation.removed(group, person: targetAccount)
            default: break
            }
        }
        try await translatingStorageErrors {
            try await database.saveMembership(nil, removing: (group.id!, targetAccount.id!), deliveries: deliveries)
        }
        federation.runtime.outbox.wake()
    }

    /// Removes a person and keeps them out until unblocked.
    public func block(_ slug: String, by account: Account, username: String) async throws -> MemberView {
        let (group, membership) = try await find(slug, viewer: account)
        if group.isRemote { return try await moderateRemote(group, by: account, username: username, blocking: true) }
        try requireManager(membership, account, group)
        guard let targetAccount = try await database.account(handle: username) else { throw ServiceError(.notFound, "no user named '\(username)'") }
        let now = Date()
        var target = try await database.membership(groupId: group.id!, accountId: targetAccount.id!)
            ?? Membership(groupId: group.id!, accountId: targetAccount.id!, state: .blocked, createdAt: now, updatedAt: now)
        try checkCanActOn(target, membership: membership, account: account, group: group)
        let wasMember = target.state == .member
        target.state = .blocked
        target.role = .member
        target.updatedAt = now
        let deliveries = targetAccount.isRemote && wasMember ? try await federation.removed(group, person: targetAccount) : []
        try await translatingStorageErrors { try await database.saveMembership(target, deliveries: deliveries) }
        federation.runtime.outbox.wake()
        return try await memberView(group: group, accountId: targetAccount.id!)
    }

    /// A removal or block in a group of another node, by one of its
    /// moderators here: the home node decides and applies it (and tells the
    /// person's node). Once it has, a person of this node is out of the
    /// mirror at once (the group's `Remove` that follows changes nothing).
    private func moderateRemote(_ group: Group, by account: Account, username: String, blocking: Bool) async throws -> MemberView {
        let person: Account
        if let known = try await database.account(handle: username) {
            person = known
        } else if Self.isRemoteHandle(username) {
            person = try await federation.remotePerson(username)
        } else {
            throw ServiceError(.notFound, "no user named '\(username)'")
        }
        let before = try await database.membership(groupId: group.id!, accountId: person.id!)
        try await federation.moderate(group, by: account, person: person, blocking: blocking)
        if !person.isRemote, before != nil {
            let dropped = try await translatingStorageErrors {
                try await database.applyChanges([.membership(group: .id(group.id!), account: .id(person.id!), state: nil, role: .member)], deliveries: [])
            }
            try await database.removeUnusedCachedBlobs(dropped, from: fileCache)
        }
        return MemberView(username: person.username, displayName: person.username, role: .member,
                          state: blocking ? .blocked : .requested, since: before?.createdAt ?? Date())
    }

    public func unblock(_ slug: String, by account: Account, username: String) async throws {
        let (group, membership) = try await find(slug, viewer: account)
        try requireManager(membership, account, group)
        let (targetAccount, target) = try await target(group, username)
        guard target.state == .blocked else { throw ServiceError(.conflict, "\(username) is not blocked") }
        try await translatingStorageErrors { try await database.deleteMembership(groupId: group.id!, accountId: targetAccount.id!) }
    }

    /// Hands ownership to a member; the previous owner becomes an admin.
    public func transferOwnership(_ slug: String, by account: Account, to username: String) async throws -> GroupView {
        let (group, membership) = try await find(slug, viewer: account)
        try requireOwner(membership, account, group)
        let (targetAccount, target) = try await target(group, username)
        guard target.state == .member else { throw ServiceError(.conflict, "\(username) is not a member") }
        try await translatingStorageErrors { try await database.transferOwnership(groupId: group.id!, to: targetAccount.id!) }
        return try await view(group, membership: try await database.membership(groupId: group.id!, accountId: account.id!))
    }

    private func target(_ group: Group, _ username: String) async throws -> (Account, Membership) {
        guard let account = try await database.account(handle: username),
              let membership = try await database.membership(groupId: group.id!, accountId: account.id!)
        else { throw ServiceError(.notFound, "\(username) is not in this group") }
        return (account, membership)
    }

    /// Admins act on members; only the owner (or a node administrator) acts
    /// on admins; nobody removes or blocks the owner.
    private func checkCanActOn(_ target: Membership, membership: Membership?, account: Account, group: Group) throws {
        if target.role == .owner && target.state == .member {
            throw ServiceError(.conflict, "the owner cannot be removed or blocked; hand over ownership first")
        }
        if target.role == .admin && target.state == .member { try requireOwner(membership, account, group) }
    }

    private func memberView(group: Group, accountId: Int64) async throws -> MemberView {
        guard let row = try await database.members(groupId: group.id!, states: Membership.State.allCases).first(where: { $0.1.id == accountId }) else {
            throw ServiceError(.notFound, "membership not found")
        }
        return MemberView(username: row.1.username, displayName: row.2.displayName, role: row.0.role, state: row.0.state, since: row.0.createdAt)
    }

    // MARK: Invitation links

    /// Makes an invitation link for someone with or without an account on the
    /// node; the code is returned only here. It works once and expires.
    public func createInvitationLink(_ slug: String, by account: Account, email: String?, validDays: Int) async throws -> (code: String, url: String, invitation: GroupInvitation) {
        let (group, membership) = try await find(slug, viewer: account)
        try requireManager(membership, account, group)
        var errors = FieldErrors()
        errors.check("email", email.flatMap(Validation.emailProblem))
        errors.check("validDays", (1...90).contains(validDays) ? nil : "must be from 1 to 90")
        try errors.throwIfAny()
        let code = SecretToken.make(byteCount: 18)
        let invitation = try await database.createGroupInvitation(GroupInvitation(
            groupId: group.id!, codeHash: SecretToken.hash(code), email: email, createdBy: account.id,
            expiresAt: Date().addingTimeInterval(Double(validDays) * 86_400)))
        return (code, "\(configuration.baseURL.absoluteString)/groups/invitation/\(code)", invitation)
    }

    /// Uses an invitation link: the person becomes a member.
    public func acceptInvitationLink(code: String, by account: Account) async throws -> GroupView {
        let group: Group
        do {
            group = try await database.acceptGroupInvitation(codeHash: SecretToken.hash(code), accountId: account.id!)
        } catch let error as StorageError where error.isInviteUnusable {
            throw ServiceError(.invalid, "the invitation link is unknown, used or expired", fieldErrors: [.init(pointer: "/code", detail: "is unknown, used or expired")])
        } catch let error as StorageError where error.isNotFound {
            throw ServiceError(.forbidden, "you cannot join this group")
        }
        return try await view(group, membership: try await database.membership(groupId: group.id!, accountId: account.id!))
    }

    /// The group's invitation links (never their codes), newest first. Managers only.
    public func invitationLinks(_ slug: String, by account: Account) async throws -> [InvitationLinkView] {
        let (group, membership) = try await find(slug, viewer: account)
        try requireManager(membership, account, group)
        let invitations = try await database.groupInvitations(groupId: group.id!)
        var usernames: [Int64: String] = [:]
        for id in Set(invitations.flatMap { [$0.createdBy, $0.usedBy].compactMap { $0 } }) {
            usernames[id] = try await database.account(id: id)?.username
        }
        let now = Date()
        return invitations.map {
            InvitationLinkView(id: $0.id!, email: $0.email, createdBy: $0.createdBy.flatMap { usernames[$0] }, createdAt: $0.createdAt,
                               expiresAt: $0.expiresAt, usedAt: $0.usedAt, usedBy: $0.usedBy.flatMap { usernames[$0] }, isUsable: $0.isUsable(at: now))
        }
    }

    /// Revokes an invitation link: it no longer lets anyone in. Managers only.
    public func revokeInvitationLink(_ slug: String, by account: Account, id: Int64) async throws {
        let (group, membership) = try await find(slug, viewer: account)
        try requireManager(membership, account, group)
        do {
            try await database.deleteGroupInvitation(id: id, groupId: group.id!)
        } catch let error as StorageError where error.isNotFound {
            throw ServiceError(.notFound, "group '\(slug)' has no invitation link \(id)")
        }
    }

    /// The slug of the group an invitation code leads into, used or not.
    public func groupSlug(forInvitation code: String) async throws -> String? {
        guard let invitation = try await database.groupInvitation(codeHash: SecretToken.hash(code)) else { return nil }
        return try await database.group(id: invitation.groupId)?.slug
    }

    /// Whether a group invitation code is still usable: lets a visitor without
    /// an account sign up through the link on an invite-only node.
    public func isUsableInvitation(code: String) async throws -> Bool {
        try await database.groupInvitation(codeHash: SecretToken.hash(code))?.isUsable(at: Date()) ?? false
    }
}
