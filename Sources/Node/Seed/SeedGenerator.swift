import Foundation
import Storage

/// Fills a node with generated people, groups and content for benchmarks and
/// demonstrations (`meent dev seed`).
///
/// The same seed and sizes give the same rows (ids, text, dates) on every
/// run, on a node that held nothing but its administrator. Rows are written
/// straight through Storage in transactions of about 1,000 rows: no
/// notifications, no federation, no per-row password hashing. Every seeded
/// person signs in with ``password``; they share one bcrypt hash of it,
/// computed once (cost 10) and stored in ``passwordHash``.
///
/// The shape, so benchmarks can pick typical cases:
/// - group sizes fall off with their index (the first group is the largest
///   and open); modes are about 40 % open, 30 % request, 20 % closed and
///   10 % hidden (closed);
/// - the first seeded person is a member of the first 20 groups (a busy dashboard);
/// - 70 % of top-level items are posted in a group by one of its members, the
///   rest on the author's own page; about a third of all items are comments
///   on an earlier item; access levels vary as people would set them.
public struct SeedGenerator: Sendable {
    public struct Sizes: Sendable, Equatable {
        public var users: Int
        public var groups: Int
        public var items: Int

        /// The sizes of issue #7: 10,000 people, 1,000 groups, 1,000,000 items.
        public static let standard = Sizes(users: 10_000, groups: 1_000, items: 1_000_000)

        public init(users: Int, groups: Int, items: Int) {
            self.users = users
            self.groups = groups
            self.items = items
        }
    }

    /// What a run wrote.
    public struct Summary: Sendable {
        public var people = 0
        public var groups = 0
        public var memberships = 0
        public var items = 0
        public var comments = 0
        public var firstUsername = ""
        public var firstGroupSlug = ""
    }

    /// The password of every seeded person.
    public static let password = "meent seed password"
    /// bcrypt (cost 10) of ``password``; made once with a fixed salt.
    static let passwordHash = "$2b$10$TWVlbnRTZWVkU2FsdFZhb.BevoFtXn3GDMTN1XGtZYIZg8yDaQj26"
    /// Dates start here and step forward, so content ids follow time.
    static let epoch = Date(timeIntervalSince1970: 1_735_689_600) // 2025-01-01T00:00:00Z

    let database: NodeDatabase
    let sizes: Sizes
    let seed: UInt64
    let batchSize = 1_000

    public init(database: NodeDatabase, sizes: Sizes, seed: UInt64) {
        self.database = database
        self.sizes = sizes
        self.seed = seed
    }

    /// Writes everything; `progress` hears a line now and then. Throws
    /// ``StorageError`` when a seeded name is already taken (seeding with
    /// `--force` over an earlier seed).
    public func run(progress: (String) -> Void = { _ in }) async throws -> Summary {
        let baseline = try await database.seedBaseline()
        var random = SeedRandom(seed: seed)
        var summary = Summary()

        // People.
        let accountBase = baseline.lastAccountId
        var people: [SeedRow.Person] = []
        people.reserveCapacity(batchSize)
        for index in 0..<sizes.users {
            let person = makePerson(index: index, id: accountBase + Int64(index) + 1, &random)
            if index == 0 { summary.firstUsername = person.username }
            people.append(person)
            if people.count == batchSize || index == sizes.users - 1 {
                try await database.insertSeedPeople(people)
                summary.people += people.count
                people.removeAll(keepingCapacity: true)
            }
        }
        progress("\(summary.people) people")

        // Groups and their members.
        let groupBase = baseline.lastGroupId
        var members: [[Int64]] = Array(repeating: [], count: sizes.groups)
        var groupRows: [Group] = []
        var membershipRows: [Membership] = []
        for index in 0..<sizes.groups {
            let group = makeGroup(index: index, id: groupBase + Int64(index) + 1, &random)
            if index == 0 { summary.firstGroupSlug = group.slug }
            let chosen = chooseMembers(groupIndex: index, &random)
            for (position, accountIndex) in chosen.enumerated() {
                let role: Membership.Role = position == 0 ? .owner : position < 3 ? .admin : .member
                var state = Membership.State.member
                if role == .member && !(accountIndex == 0 && index < 20) {
                    let roll = random.unit()
                    state = roll < 0.03 ? .requested : roll < 0.05 ? .invited : .member
                }
                let accountId = accountBase + Int64(accountIndex) + 1
                if state == .member { members[index].append(accountId) }
                membershipRows.append(Membership(groupId: group.id!, accountId: accountId, role: role, state: state,
                                                  createdAt: group.createdAt, updatedAt: group.createdAt))
            }
            groupRows.append(group)
            if membershipRows.count >= batchSize || index == sizes.groups - 1 {
                try await database.insertSeedGroups(groupRows, memberships: membershipRows)
                summary.groups += groupRows.count
                summary.memberships += membershipRows.count
                groupRows.removeAll(keepingCapacity: true)
                membershipRows.removeAll(keepingCapacity: true)
            }
        }
        progress("\(summary.groups) groups, \(summary.memberships) memberships")

        // Content: top-level items and comments on earlier ones.
        let contentBase = baseline.lastContentId
        let activeMemberships = members.enumerated().flatMap { group, ids in ids.map { (group, $0) } }
        var threads: [(id: Int64, groupIndex: Int, access: ContentItem.Access)] = []
        threads.reserveCapacity(sizes.items)
        var items: [ContentItem] = []
        items.reserveCapacity(batchSize)
        let step = 365 * 86_400 / Double(max(sizes.items, 1))
        for index in 0..<sizes.items {
            let id = contentBase + Int64(index) + 1
            let date = Self.epoch.addingTimeInterval(Double(index) * step)
            if !threads.isEmpty && random.chance(0.35) {
                let thread = threads[random.below(threads.count)]
                let author = thread.groupIndex >= 0 && !members[thread.groupIndex].isEmpty
                    ? random.pick(members[thread.groupIndex]) : accountBase + Int64(random.below(sizes.users)) + 1
                items.append(ContentItem(
                    id: id, type: .comment, groupId: thread.groupIndex >= 0 ? groupBase + Int64(thread.groupIndex) + 1 : nil,
                    authorId: author, parentId: thread.id, rootId: thread.id, title: "",
                    body: SeedText.paragraph(&random, words: random.within(5...30)), access: thread.access, createdAt: date, updatedAt: date))
                summary.comments += 1
            } else {
                var groupIndex = -1
                var author = accountBase + Int64(random.below(sizes.users)) + 1
                if !activeMemberships.isEmpty && random.chance(0.7) {
                    (groupIndex, author) = activeMemberships[random.below(activeMemberships.count)]
                }
                let access = makeAccess(inGroup: groupIndex >= 0, &random)
                let roll = random.unit()
                let type: ContentItem.Kind = roll < 0.6 ? .status : roll < 0.8 ? .discussion : .blog
                let length = type == .status ? random.within(8...30) : type == .discussion ? random.within(30...90) : random.within(80...220)
                items.append(ContentItem(
                    id: id, type: type, groupId: groupIndex >= 0 ? groupBase + Int64(groupIndex) + 1 : nil, authorId: author,
                    title: type == .status ? "" : SeedText.title(&random), body: SeedText.paragraph(&random, words: length),
                    access: access, createdAt: date, updatedAt: date))
                threads.append((id, groupIndex, access))
            }
            if items.count == batchSize || index == sizes.items - 1 {
                try await database.insertSeedContent(items)
                summary.items += items.count
                items.removeAll(keepingCapacity: true)
                if summary.items % 100_000 == 0 { progress("\(summary.items) items") }
            }
        }
        progress("\(summary.items) items (\(summary.comments) comments)")
        return summary
    }

    private func makePerson(index: Int, id: Int64, _ random: inout SeedRandom) -> SeedRow.Person {
        let first = random.pick(SeedText.firstNames)
        let last = random.pick(SeedText.lastNames)
        let compactLast = last.replacingOccurrences(of: " ", with: "")
        // "van den berg" → "van den Berg": the surname proper is capitalised, its prefixes are not.
        var surname = last.split(separator: " ").map(String.init)
        surname[surname.count - 1] = surname[surname.count - 1].prefix(1).uppercased() + surname[surname.count - 1].dropFirst()
        let displayName = first.prefix(1).uppercased() + first.dropFirst() + " " + surname.joined(separator: " ")
        let organisation = random.pick(SeedText.organisations)
        let job = random.pick(SeedText.jobTitles)
        let bio = random.chance(0.6) ? SeedText.paragraph(&random, words: random.within(10...40)) : ""
        return SeedRow.Person(
            id: id, username: "\(first).\(compactLast).\(index + 1)", passwordHash: Self.passwordHash, displayName: displayName,
            organisation: organisation, jobTitle: job, bio: bio,
            createdAt: Self.epoch.addingTimeInterval(-Double(random.below(5 * 365 * 86_400))))
    }

    private func makeGroup(index: Int, id: Int64, _ random: inout SeedRandom) -> Group {
        let topic = random.pick(SeedText.topics)
        let place = random.pick(SeedText.places)
        let roll = random.unit()
        var mode: Group.MembershipMode = roll < 0.4 ? .open : roll < 0.7 ? .request : .closed
        let isHidden = roll >= 0.9
        if index == 0 { mode = .open }
        let slug = "\(topic)-\(place)-\(index + 1)".lowercased().replacingOccurrences(of: " ", with: "-")
        let date = Self.epoch.addingTimeInterval(-Double(random.below(365 * 86_400)))
        var tags: [String] = []
        for _ in 0..<random.within(0...3) {
            let tag = random.pick(SeedText.tags)
            if !tags.contains(tag) { tags.append(tag) }
        }
        return Group(id: id, slug: slug, name: "\(topic) \(place)", description: SeedText.paragraph(&random, words: random.within(15...50)),
                     tags: tags, membershipMode: mode, isHidden: index == 0 ? false : isHidden,
                     welcomeMessage: random.chance(0.3) ? SeedText.sentence(&random) : "", createdAt: date, updatedAt: date)
    }

    /// Indexes (into the seeded people) of a group's members, the owner
    /// first: a fifth of everyone for the first group, falling off with the
    /// index, at least 3; the first person is in the first 20 groups.
    private func chooseMembers(groupIndex: Int, _ random: inout SeedRandom) -> [Int] {
        let users = sizes.users
        let wanted = min(users, max(3, Int(0.2 * Double(users) / pow(Double(groupIndex + 1), 0.7))))
        var chosen: [Int] = []
        var seen = Set<Int>()
        if groupIndex < 20 {
            chosen.append(0)
            seen.insert(0)
        }
        while chosen.count < wanted {
            let candidate = random.below(users)
            if seen.insert(candidate).inserted { chosen.append(candidate) }
        }
        // The owner is a random member, not always the first person.
        if chosen.count > 1 { chosen.swapAt(0, 1 + random.below(chosen.count - 1)) }
        return chosen
    }

    private func makeAccess(inGroup: Bool, _ random: inout SeedRandom) -> ContentItem.Access {
        let roll = random.unit()
        if inGroup { return roll < 0.5 ? .members : roll < 0.7 ? .public : roll < 0.95 ? .users : .private }
        return roll < 0.45 ? .public : roll < 0.9 ? .users : .private
    }
}
