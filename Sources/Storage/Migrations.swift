import GRDB

/// The node's schema, as an append-only list of named migrations.
///
/// A migration that has shipped is never edited: a change to the schema is a
/// new migration at the end. Names sort by date so the order is plain to see.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("2026-11-27-accounts") { db in
            try db.execute(sql: """
                CREATE TABLE account (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    email TEXT UNIQUE COLLATE NOCASE,
                    passwordHash TEXT NOT NULL,
                    role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
                    isDisabled BOOLEAN NOT NULL DEFAULT 0,
                    createdAt DATETIME NOT NULL,
                    updatedAt DATETIME NOT NULL
                );
                CREATE TABLE profile (
                    accountId INTEGER PRIMARY KEY REFERENCES account(id) ON DELETE CASCADE,
                    displayName TEXT NOT NULL,
                    organisation TEXT NOT NULL DEFAULT '',
                    jobTitle TEXT NOT NULL DEFAULT '',
                    bio TEXT NOT NULL DEFAULT '',
                    avatarDigest TEXT,
                    avatarContentType TEXT,
                    updatedAt DATETIME NOT NULL
                );
                CREATE TABLE session (
                    tokenHash TEXT PRIMARY KEY NOT NULL,
                    accountId INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    csrfToken TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    expiresAt DATETIME NOT NULL
                );
                CREATE INDEX session_accountId ON session(accountId);
                CREATE TABLE apiToken (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    accountId INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    tokenHash TEXT NOT NULL UNIQUE,
                    createdAt DATETIME NOT NULL,
                    lastUsedAt DATETIME
                );
                CREATE INDEX apiToken_accountId ON apiToken(accountId);
                """)
        }

        migrator.registerMigration("2026-11-27-profile-fields") { db in
            try db.execute(sql: """
                CREATE TABLE profileField (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    key TEXT NOT NULL UNIQUE,
                    label TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('text', 'longText', 'choice', 'date')),
                    options TEXT NOT NULL DEFAULT '[]',
                    position INTEGER NOT NULL DEFAULT 0,
                    createdAt DATETIME NOT NULL
                );
                CREATE TABLE profileFieldValue (
                    accountId INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    fieldId INTEGER NOT NULL REFERENCES profileField(id) ON DELETE CASCADE,
                    value TEXT NOT NULL,
                    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'users', 'private')),
                    PRIMARY KEY (accountId, fieldId)
                );
                CREATE INDEX profileFieldValue_fieldId ON profileFieldValue(fieldId);
                """)
        }

        migrator.registerMigration("2026-11-27-registration-invites") { db in
            try db.execute(sql: """
                CREATE TABLE registrationInvite (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    codeHash TEXT NOT NULL UNIQUE,
                    email TEXT,
                    createdBy INTEGER REFERENCES account(id) ON DELETE SET NULL,
                    createdAt DATETIME NOT NULL,
                    expiresAt DATETIME NOT NULL,
                    usedAt DATETIME,
                    usedBy INTEGER REFERENCES account(id) ON DELETE SET NULL
                );
                """)
        }

        migrator.registerMigration("2026-11-27-signing-keys") { db in
            try db.execute(sql: """
                CREATE TABLE signingKey (
                    owner TEXT NOT NULL,
                    algorithm TEXT NOT NULL CHECK (algorithm IN ('ed25519', 'rsa')),
                    publicKeyPEM TEXT NOT NULL,
                    privateKeyPEM TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    PRIMARY KEY (owner, algorithm)
                );
                """)
        }

        migrator.registerMigration("2026-11-27-federation") { db in
            try db.execute(sql: """
                CREATE TABLE remoteActor (
                    id TEXT PRIMARY KEY NOT NULL,
                    type TEXT NOT NULL,
                    host TEXT NOT NULL,
                    preferredUsername TEXT,
                    name TEXT,
                    summary TEXT,
                    inbox TEXT NOT NULL,
                    sharedInbox TEXT,
                    rsaKeyId TEXT,
                    rsaPublicKeyPEM TEXT,
                    ed25519KeyId TEXT,
                    ed25519Multibase TEXT,
                    document BLOB NOT NULL,
                    fetchedAt DATETIME NOT NULL
                );
                CREATE INDEX remoteActor_host ON remoteActor(host);
                CREATE TABLE peer (
                    host TEXT PRIMARY KEY NOT NULL,
                    policy TEXT NOT NULL DEFAULT 'none' CHECK (policy IN ('none', 'allowed', 'blocked')),
                    signatureScheme TEXT CHECK (signatureScheme IN ('rfc9421', 'cavage')),
                    consecutiveFailures INTEGER NOT NULL DEFAULT 0,
                    lastError TEXT,
                    lastAttemptAt DATETIME,
                    lastSuccessAt DATETIME,
                    pausedUntil DATETIME,
                    note TEXT,
                    createdAt DATETIME NOT NULL
                );
                CREATE TABLE inboxActivity (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    activityId TEXT NOT NULL UNIQUE,
                    actorId TEXT NOT NULL,
                    type TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    body BLOB NOT NULL,
                    signatureKeyId TEXT NOT NULL,
                    receivedAt DATETIME NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'ignored', 'failed')),
                    appliedAt DATETIME,
                    error TEXT
                );
                CREATE INDEX inboxActivity_pending ON inboxActivity(state, id);
                CREATE TABLE delivery (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    activityId TEXT NOT NULL,
                    inbox TEXT NOT NULL,
                    host TEXT NOT NULL,
                    body BLOB NOT NULL,
                    signer TEXT NOT NULL,
                    signerActorId TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('queued', 'delivered', 'failed')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    nextAttemptAt DATETIME NOT NULL,
                    lastError TEXT,
                    lastStatus INTEGER,
                    createdAt DATETIME NOT NULL,
                    deliveredAt DATETIME,
                    UNIQUE (activityId, inbox)
                );
                CREATE INDEX delivery_due ON delivery(state, nextAttemptAt);
                CREATE INDEX delivery_host ON delivery(host, state);
                CREATE TABLE follow (
                    follower TEXT NOT NULL,
                    followee TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'accepted')),
                    activityId TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    PRIMARY KEY (follower, followee)
                );
                CREATE INDEX follow_followee ON follow(followee, state);
                """)
        }

        migrator.registerMigration("2026-11-27-groups") { db in
            try db.execute(sql: """
                CREATE TABLE groups (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    slug TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    name TEXT NOT NULL,
                    description TEXT NOT NULL DEFAULT '',
                    tags TEXT NOT NULL DEFAULT '[]',
                    membershipMode TEXT NOT NULL CHECK (membershipMode IN ('open', 'request', 'closed')),
                    isHidden BOOLEAN NOT NULL DEFAULT 0,
                    welcomeMessage TEXT NOT NULL DEFAULT '',
                    iconDigest TEXT,
                    iconContentType TEXT,
                    createdAt DATETIME NOT NULL,
                    updatedAt DATETIME NOT NULL
                );
                CREATE TABLE membership (
                    groupId INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                    accountId INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    role TEXT NOT NULL CHECK (role IN ('member', 'admin', 'owner')),
                    state TEXT NOT NULL CHECK (state IN ('member', 'requested', 'invited', 'blocked')),
                    invitedBy INTEGER REFERENCES account(id) ON DELETE SET NULL,
                    createdAt DATETIME NOT NULL,
                    updatedAt DATETIME NOT NULL,
                    PRIMARY KEY (groupId, accountId)
                );
                CREATE INDEX membership_accountId ON membership(accountId, state);
                -- A group has exactly one owner at any time.
                CREATE UNIQUE INDEX membership_one_owner ON membership(groupId) WHERE role = 'owner';
                CREATE TABLE groupInvitation (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    groupId INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                    codeHash TEXT NOT NULL UNIQUE,
                    email TEXT,
                    createdBy INTEGER REFERENCES account(id) ON DELETE SET NULL,
                    createdAt DATETIME NOT NULL,
                    expiresAt DATETIME NOT NULL,
                    usedAt DATETIME,
                    usedBy INTEGER REFERENCES account(id) ON DELETE SET NULL
                );
                CREATE INDEX groupInvitation_groupId ON groupInvitation(groupId);
                """)
        }

        migrator.registerMigration("2026-11-27-content") { db in
            try db.execute(sql: """
                CREATE TABLE contentItem (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    type TEXT NOT NULL CHECK (type IN ('status', 'blog', 'discussion', 'comment')),
                    groupId INTEGER REFERENCES groups(id) ON DELETE CASCADE,
                    authorId INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    parentId INTEGER REFERENCES contentItem(id) ON DELETE CASCADE,
                    rootId INTEGER REFERENCES contentItem(id) ON DELETE CASCADE,
                    title TEXT NOT NULL DEFAULT '',
                    body TEXT NOT NULL,
                    access TEXT NOT NULL CHECK (access IN ('public', 'users', 'members', 'private')),
                    createdAt DATETIME NOT NULL,
                    updatedAt DATETIME NOT NULL,
                    CHECK ((type = 'comment') = (parentId IS NOT NULL)),
                    CHECK (access != 'members' OR groupId IS NOT NULL)
                );
                CREATE INDEX contentItem_group ON contentItem(groupId, id);
                CREATE INDEX contentItem_author ON contentItem(authorId, id);
                CREATE INDEX contentItem_root ON contentItem(rootId, id);
                CREATE TABLE contentLike (
                    itemId INTEGER NOT NULL REFERENCES contentItem(id) ON DELETE CASCADE,
                    accountId INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    createdAt DATETIME NOT NULL,
                    PRIMARY KEY (itemId, accountId)
                );
                """)
        }

        migrator.registerMigration("2026-11-27-notifications") { db in
            try db.execute(sql: """
                CREATE TABLE notification (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    accountId INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    actorId INTEGER REFERENCES account(id) ON DELETE SET NULL,
                    groupId INTEGER REFERENCES groups(id) ON DELETE CASCADE,
                    itemId INTEGER REFERENCES contentItem(id) ON DELETE CASCADE,
                    createdAt DATETIME NOT NULL,
                    readAt DATETIME
                );
                CREATE INDEX notification_account ON notification(accountId, id);
                """)
        }

        migrator.registerMigration("2026-11-27-search") { db in
            // Full-text indexes kept in step with their tables by triggers, so
            // an index never lags behind a committed change.
            try db.execute(sql: """
                CREATE VIRTUAL TABLE contentSearch USING fts5(title, body, content='contentItem', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
                INSERT INTO contentSearch(rowid, title, body) SELECT id, title, body FROM contentItem;
                CREATE TRIGGER contentItem_ai AFTER INSERT ON contentItem BEGIN
                    INSERT INTO contentSearch(rowid, title, body) VALUES (new.id, new.title, new.body);
                END;
                CREATE TRIGGER contentItem_ad AFTER DELETE ON contentItem BEGIN
                    INSERT INTO contentSearch(contentSearch, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
                END;
                CREATE TRIGGER contentItem_au AFTER UPDATE OF title, body ON contentItem BEGIN
                    INSERT INTO contentSearch(contentSearch, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
                    INSERT INTO contentSearch(rowid, title, body) VALUES (new.id, new.title, new.body);
                END;

                CREATE VIRTUAL TABLE groupSearch USING fts5(name, description, tags, content='groups', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
                INSERT INTO groupSearch(rowid, name, description, tags) SELECT id, name, description, tags FROM groups;
                CREATE TRIGGER groups_ai AFTER INSERT ON groups BEGIN
                    INSERT INTO groupSearch(rowid, name, description, tags) VALUES (new.id, new.name, new.description, new.tags);
                END;
                CREATE TRIGGER groups_ad AFTER DELETE ON groups BEGIN
                    INSERT INTO groupSearch(groupSearch, rowid, name, description, tags) VALUES ('delete', old.id, old.name, old.description, old.tags);
                END;
                CREATE TRIGGER groups_au AFTER UPDATE OF name, description, tags ON groups BEGIN
                    INSERT INTO groupSearch(groupSearch, rowid, name, description, tags) VALUES ('delete', old.id, old.name, old.description, old.tags);
                    INSERT INTO groupSearch(rowid, name, description, tags) VALUES (new.id, new.name, new.description, new.tags);
                END;

                CREATE VIRTUAL TABLE peopleSearch USING fts5(displayName, organisation, jobTitle, bio, content='profile', content_rowid='accountId', tokenize='unicode61 remove_diacritics 2');
                INSERT INTO peopleSearch(rowid, displayName, organisation, jobTitle, bio) SELECT accountId, displayName, organisation, jobTitle, bio FROM profile;
                CREATE TRIGGER profile_ai AFTER INSERT ON profile BEGIN
                    INSERT INTO peopleSearch(rowid, displayName, organisation, jobTitle, bio) VALUES (new.accountId, new.displayName, new.organisation, new.jobTitle, new.bio);
                END;
                CREATE TRIGGER profile_ad AFTER DELETE ON profile BEGIN
                    INSERT INTO peopleSearch(peopleSearch, rowid, displayName, organisation, jobTitle, bio) VALUES ('delete', old.accountId, old.displayName, old.organisation, old.jobTitle, old.bio);
                END;
                CREATE TRIGGER profile_au AFTER UPDATE OF displayName, organisation, jobTitle, bio ON profile BEGIN
                    INSERT INTO peopleSearch(peopleSearch, rowid, displayName, organisation, jobTitle, bio) VALUES ('delete', old.accountId, old.displayName, old.organisation, old.jobTitle, old.bio);
                    INSERT INTO peopleSearch(rowid, displayName, organisation, jobTitle, bio) VALUES (new.accountId, new.displayName, new.organisation, new.jobTitle, new.bio);
                END;
                """)
        }

        migrator.registerMigration("2026-11-27-wiki") { db in
            try db.execute(sql: """
                CREATE TABLE wikiPage (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    groupId INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                    parentId INTEGER REFERENCES wikiPage(id) ON DELETE CASCADE,
                    -- Pages and revisions belong to the group: they outlive their authors' accounts.
                    authorId INTEGER REFERENCES account(id) ON DELETE SET NULL,
                    access TEXT NOT NULL CHECK (access IN ('public', 'users', 'members', 'private')),
                    currentRevision INTEGER NOT NULL,
                    createdAt DATETIME NOT NULL,
                    updatedAt DATETIME NOT NULL
                );
                CREATE INDEX wikiPage_group ON wikiPage(groupId, parentId);
                CREATE TABLE wikiRevision (
                    pageId INTEGER NOT NULL REFERENCES wikiPage(id) ON DELETE CASCADE,
                    number INTEGER NOT NULL,
                    title TEXT NOT NULL,
                    body TEXT NOT NULL,
                    authorId INTEGER REFERENCES account(id) ON DELETE SET NULL,
                    mergedFrom INTEGER,
                    createdAt DATETIME NOT NULL,
                    PRIMARY KEY (pageId, number)
                );
                CREATE TABLE wikiConflict (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    pageId INTEGER NOT NULL REFERENCES wikiPage(id) ON DELETE CASCADE,
                    baseRevision INTEGER NOT NULL,
                    title TEXT NOT NULL,
                    body TEXT NOT NULL,
                    authorId INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    createdAt DATETIME NOT NULL
                );
                """)
        }

        migrator.registerMigration("2026-11-27-wiki-search") { db in
            // Wiki pages are found by their current revision; a new revision
            // replaces the page's entry, so the index never lags a commit.
            try db.execute(sql: """
                CREATE VIRTUAL TABLE wikiSearch USING fts5(title, body, tokenize='unicode61 remove_diacritics 2');
                INSERT INTO wikiSearch(rowid, title, body)
                  SELECT p.id, r.title, r.body FROM wikiPage p JOIN wikiRevision r ON r.pageId = p.id AND r.number = p.currentRevision;
                CREATE TRIGGER wikiRevision_ai AFTER INSERT ON wikiRevision BEGIN
                    DELETE FROM wikiSearch WHERE rowid = new.pageId;
                    INSERT INTO wikiSearch(rowid, title, body) VALUES (new.pageId, new.title, new.body);
                END;
                CREATE TRIGGER wikiPage_ad AFTER DELETE ON wikiPage BEGIN
                    DELETE FROM wikiSearch WHERE rowid = old.id;
                END;
                """)
        }

        migrator.registerMigration("2026-11-27-branding") { db in
            // One row: the node's own look, set by an administrator.
            try db.execute(sql: """
                CREATE TABLE nodeBranding (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    name TEXT NOT NULL DEFAULT '',
                    primaryColor TEXT NOT NULL CHECK (primaryColor GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
                    accentColor TEXT NOT NULL CHECK (accentColor GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
                    logo BLOB,
                    logoContentType TEXT,
                    updatedAt DATETIME NOT NULL
                );
                """)
        }

        migrator.registerMigration("2026-11-27-files") { db in
            // Files and folders are content items of two new kinds, so the one
            // visibility rule, search, the dashboard, likes and comments apply
            // to them unchanged. SQLite cannot widen a CHECK constraint, so the
            // table is rebuilt (foreign keys are off during a migration and
            // checked before it commits); ids and the id sequence are kept, so
            // no id is ever handed out twice.
            let sequence = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'contentItem'") ?? 0
            try db.execute(sql: """
                CREATE TABLE contentItem_new (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    type TEXT NOT NULL CHECK (type IN ('status', 'blog', 'discussion', 'comment', 'folder', 'file')),
                    groupId INTEGER REFERENCES groups(id) ON DELETE CASCADE,
                    authorId INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
                    parentId INTEGER REFERENCES contentItem(id) ON DELETE CASCADE,
                    rootId INTEGER REFERENCES contentItem(id) ON DELETE CASCADE,
                    folderId INTEGER REFERENCES contentItem(id) ON DELETE CASCADE,
                    title TEXT NOT NULL DEFAULT '',
                    body TEXT NOT NULL,
                    access TEXT NOT NULL CHECK (access IN ('public', 'users', 'members', 'private')),
                    createdAt DATETIME NOT NULL,
                    updatedAt DATETIME NOT NULL,
                    CHECK ((type = 'comment') = (parentId IS NOT NULL)),
                    CHECK (access != 'members' OR groupId IS NOT NULL),
                    CHECK (folderId IS NULL OR type IN ('folder', 'file'))
                );
                INSERT INTO contentItem_new (id, type, groupId, authorId, parentId, rootId, title, body, access, createdAt, updatedAt)
                    SELECT id, type, groupId, authorId, parentId, rootId, title, body, access, createdAt, updatedAt FROM contentItem;
                DROP TABLE contentItem;
                ALTER TABLE contentItem_new RENAME TO contentItem;
                CREATE INDEX contentItem_group ON contentItem(groupId, id);
                CREATE INDEX contentItem_author ON contentItem(authorId, id);
                CREATE INDEX contentItem_root ON contentItem(rootId, id);
                CREATE INDEX contentItem_parent ON contentItem(parentId);
                CREATE INDEX contentItem_folder ON contentItem(folderId);
                CREATE TRIGGER contentItem_ai AFTER INSERT ON contentItem BEGIN
                    INSERT INTO contentSearch(rowid, title, body) VALUES (new.id, new.title, new.body);
                END;
                CREATE TRIGGER contentItem_ad AFTER DELETE ON contentItem BEGIN
                    INSERT INTO contentSearch(contentSearch, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
                END;
                CREATE TRIGGER contentItem_au AFTER UPDATE OF title, body ON contentItem BEGIN
                    INSERT INTO contentSearch(contentSearch, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
                    INSERT INTO contentSearch(rowid, title, body) VALUES (new.id, new.title, new.body);
                END;
                CREATE TABLE fileVersion (
                    itemId INTEGER NOT NULL REFERENCES contentItem(id) ON DELETE CASCADE,
                    number INTEGER NOT NULL,
                    digest TEXT NOT NULL,
                    byteCount INTEGER NOT NULL,
                    contentType TEXT NOT NULL,
                    filename TEXT NOT NULL,
                    authorId INTEGER REFERENCES account(id) ON DELETE SET NULL,
                    createdAt DATETIME NOT NULL,
                    PRIMARY KEY (itemId, number)
                );
                CREATE INDEX fileVersion_digest ON fileVersion(digest);
                """)
            try db.execute(sql: "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'contentItem'", arguments: [sequence])
            if sequence > 0, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_sequence WHERE name = 'contentItem'") == 0 {
                try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('contentItem', ?)", arguments: [sequence])
            }
        }

        migrator.registerMigration("2026-11-27-group-federation") { db in
            // People and groups of other nodes get rows of their own (an
            // account without a password, a group mirrored from its home
            // node), so membership, authorship, likes and the one visibility
            // rule work the same for them. `actorId` is NULL for local rows.
            // Items that came from another node keep their ActivityPub id.
            try db.execute(sql: """
                ALTER TABLE account ADD COLUMN actorId TEXT;
                CREATE UNIQUE INDEX account_actorId ON account(actorId) WHERE actorId IS NOT NULL;
                ALTER TABLE groups ADD COLUMN actorId TEXT;
                CREATE UNIQUE INDEX groups_actorId ON groups(actorId) WHERE actorId IS NOT NULL;
                ALTER TABLE contentItem ADD COLUMN apId TEXT;
                CREATE UNIQUE INDEX contentItem_apId ON contentItem(apId) WHERE apId IS NOT NULL;
                -- What a delivery carried, for the data-flow ledger.
                ALTER TABLE delivery ADD COLUMN subjects TEXT NOT NULL DEFAULT '[]';
                CREATE TABLE ledgerEntry (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    objectId TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    host TEXT NOT NULL,
                    firstSentAt DATETIME NOT NULL,
                    lastSentAt DATETIME NOT NULL,
                    deletionActivityId TEXT,
                    deletionRequestedAt DATETIME,
                    deletionConfirmedAt DATETIME,
                    UNIQUE (objectId, host)
                );
                CREATE INDEX ledgerEntry_host ON ledgerEntry(host);
                -- A wiki page of another node's group, mirrored here, keeps its ActivityPub id.
                ALTER TABLE wikiPage ADD COLUMN apId TEXT;
                CREATE UNIQUE INDEX wikiPage_apId ON wikiPage(apId) WHERE apId IS NOT NULL;
                CREATE INDEX ledgerEntry_deletion ON ledgerEntry(deletionActivityId);
                """)
        }

        migrator.registerMigration("2026-11-27-notification-group-name") { db in
            // A notification about a group that is gone (deleted on its home
            // node) keeps the group's name; its groupId is NULL.
            try db.execute(sql: "ALTER TABLE notification ADD COLUMN groupName TEXT")
        }

        migrator.registerMigration("2026-11-27-node-settings") { db in
            // Settings an administrator changes from the pages (the
            // registration mode); a row overrides node.conf.
            try db.execute(sql: """
                CREATE TABLE nodeSetting (
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL,
                    updatedAt DATETIME NOT NULL,
                    updatedBy INTEGER REFERENCES account(id) ON DELETE SET NULL
                );
                """)
        }

        migrator.registerMigration("2026-11-27-federation-cache-version") { db in
            // Counters the server's in-memory caches of peer policies and
            // remote actors compare on every use (see
            // NodeDatabase.federationCacheVersion). Triggers bump them on any
            // change, whichever connection or process makes it: the running
            // server, `meent peer block` in another process, or a SQL shell.
            try db.execute(sql: """
                CREATE TABLE federationCacheVersion (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    peers INTEGER NOT NULL,
                    actors INTEGER NOT NULL
                );
                INSERT INTO federationCacheVersion (id, peers, actors) VALUES (1, 0, 0);
                CREATE TRIGGER peer_policy_inserted AFTER INSERT ON peer WHEN NEW.policy != 'none'
                BEGIN UPDATE federationCacheVersion SET peers = peers + 1; END;
                CREATE TRIGGER peer_policy_updated AFTER UPDATE OF policy, host ON peer
                WHEN OLD.policy IS NOT NEW.policy OR OLD.host IS NOT NEW.host
                BEGIN UPDATE federationCacheVersion SET peers = peers + 1; END;
                CREATE TRIGGER peer_policy_deleted AFTER DELETE ON peer WHEN OLD.policy != 'none'
                BEGIN UPDATE federationCacheVersion SET peers = peers + 1; END;
                CREATE TRIGGER remoteActor_inserted AFTER INSERT ON remoteActor
                BEGIN UPDATE federationCacheVersion SET actors = actors + 1; END;
                CREATE TRIGGER remoteActor_updated AFTER UPDATE ON remoteActor
                BEGIN UPDATE federationCacheVersion SET actors = actors + 1; END;
                CREATE TRIGGER remoteActor_deleted AFTER DELETE ON remoteActor
                BEGIN UPDATE federationCacheVersion SET actors = actors + 1; END;
                """)
        }

        migrator.registerMigration("2026-11-27-delivery-host-due-index") { db in
            // dueDeliveries holds back a row while an older row of its host
            // waits for a retry (NOT EXISTS … older.nextAttemptAt > now).
            // With only (host, state) that check read every queued row of
            // the host for each candidate: quadratic in a deep queue (31 ms
            // per batch with 4,000 rows for one host); with nextAttemptAt in
            // the index it is one seek (1.3 ms). The new index also serves
            // everything the old one did.
            try db.execute(sql: """
                CREATE INDEX delivery_host_due ON delivery(host, state, nextAttemptAt);
                DROP INDEX delivery_host;
                """)
        }

        migrator.registerMigration("2026-11-27-search-prefix-index") { db in
            // The last word of a search matches as the start of a longer word
            // (search as you type). Without a prefix index FTS5 merges the
            // lists of every word that starts with it into one, whatever the
            // LIMIT: tens of ms for a short prefix on a node with a million
            // items. Prefixes of two and three letters, the ones that start
            // the most words, get index entries of their own. The index is
            // built again from the items (on 1,000,000 items about two
            // minutes and 300 MB more); the triggers that keep it in step
            // name the table and stay as they are.
            try db.execute(sql: """
                DROP TABLE contentSearch;
                CREATE VIRTUAL TABLE contentSearch USING fts5(title, body, content='contentItem', content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3');
                INSERT INTO contentSearch(contentSearch) VALUES ('rebuild');
                """)
        }

        migrator.registerMigration("2026-11-27-membership-group-state") { db in
            // Listings count the members of each group they show: with this
            // index the count reads the index alone, not every member's row.
            try db.execute(sql: "CREATE INDEX membership_group_state ON membership(groupId, state)")
        }

        migrator.registerMigration("2026-11-27-search-terms") { db in
            // The words of the content index, listed so that the last word
            // of a search can be spelled out as the words it starts (see
            // SearchTerms). The list starts from the index itself, then the
            // triggers add the words of each new or edited item through the
            // index's own tokenizer. On 1,000,000 items the first listing
            // reads the whole index once (2.7 s; 6.3 s for the first start).
            try db.execute(sql: """
                CREATE TABLE searchTerm (term TEXT PRIMARY KEY) WITHOUT ROWID;
                CREATE VIRTUAL TABLE temp.contentSearchWords USING fts5vocab(main, contentSearch, row);
                INSERT INTO searchTerm(term) SELECT term FROM temp.contentSearchWords WHERE length(term) >= \(SearchTerms.minimumLength);
                DROP TABLE temp.contentSearchWords;
                DROP TRIGGER contentItem_ai;
                CREATE TRIGGER contentItem_ai AFTER INSERT ON contentItem BEGIN
                    INSERT INTO contentSearch(rowid, title, body) VALUES (new.id, new.title, new.body);
                    INSERT OR IGNORE INTO searchTerm(term) SELECT value FROM json_each(\(SearchTerms.functionName)(new.title, new.body));
                END;
                DROP TRIGGER contentItem_au;
                CREATE TRIGGER contentItem_au AFTER UPDATE OF title, body ON contentItem BEGIN
                    INSERT INTO contentSearch(contentSearch, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
                    INSERT INTO contentSearch(rowid, title, body) VALUES (new.id, new.title, new.body);
                    INSERT OR IGNORE INTO searchTerm(term) SELECT value FROM json_each(\(SearchTerms.functionName)(new.title, new.body));
                END;
                """)
        }

        migrator.registerMigration("2026-11-27-deferred-content-index") { db in
            // A batch of activities from other nodes indexes its new items
            // in one statement at its end (see ContentIndexDeferral). While
            // a batch is written, its transaction holds one row here: items
            // with a larger id are left alone by the triggers. No other
            // connection ever sees the row: it is deleted before the commit.
            try db.execute(sql: """
                CREATE TABLE contentIndexDeferral (fromId INTEGER NOT NULL);
                DROP TRIGGER contentItem_ai;
                CREATE TRIGGER contentItem_ai AFTER INSERT ON contentItem
                WHEN NOT EXISTS (SELECT 1 FROM contentIndexDeferral WHERE new.id > fromId) BEGIN
                    INSERT INTO contentSearch(rowid, title, body) VALUES (new.id, new.title, new.body);
                    INSERT OR IGNORE INTO searchTerm(term) SELECT value FROM json_each(\(SearchTerms.functionName)(new.title, new.body));
                END;
                DROP TRIGGER contentItem_au;
                CREATE TRIGGER contentItem_au AFTER UPDATE OF title, body ON contentItem
                WHEN NOT EXISTS (SELECT 1 FROM contentIndexDeferral WHERE old.id > fromId) BEGIN
                    INSERT INTO contentSearch(contentSearch, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
                    INSERT INTO contentSearch(rowid, title, body) VALUES (new.id, new.title, new.body);
                    INSERT OR IGNORE INTO searchTerm(term) SELECT value FROM json_each(\(SearchTerms.functionName)(new.title, new.body));
                END;
                DROP TRIGGER contentItem_ad;
                CREATE TRIGGER contentItem_ad AFTER DELETE ON contentItem
                WHEN NOT EXISTS (SELECT 1 FROM contentIndexDeferral WHERE old.id > fromId) BEGIN
                    INSERT INTO contentSearch(contentSearch, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
                END;
                """)
        }

        return migrator
    }
}
