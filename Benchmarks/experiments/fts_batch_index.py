"""Does indexing a batch's items in one FTS5 statement beat a per-row trigger?

A model of the inbox worker's transaction (100 items, each followed by a
10-row INSERT OR IGNORE like its delivery rows), in the system SQLite through
Python. With the trigger, FTS5 flushes its pending entries at the savepoint
of every statement that follows; "batched" indexes the batch at the end;
"deferred" is what migration 2026-11-27-deferred-content-index built: the
trigger skips items above the id in a one-row table that the batch writes
at its start, and the batch indexes its items in one statement at its end,
then deletes the row (ContentIndexDeferral).
Run: python3 Benchmarks/experiments/fts_batch_index.py (see BENCHMARKS.md).
"""
import sqlite3, time, random, os, string
def words(n):
    return " ".join("".join(random.choice("abcdefghijklmnop") for _ in range(random.randint(3,9))) for _ in range(n))
def run(mode, batches=30, per=100, others=True):
    path="/tmp/fts_exp.db"
    for f in (path, path+"-wal", path+"-shm"):
        if os.path.exists(f): os.remove(f)
    db=sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=NORMAL"); db.execute("PRAGMA cache_size=-32768")
    db.execute("CREATE TABLE item(id INTEGER PRIMARY KEY, apId TEXT UNIQUE, title TEXT, body TEXT)")
    db.execute("CREATE VIRTUAL TABLE itemSearch USING fts5(title, body, content='item', content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')")
    if mode=="trigger":
        db.execute("CREATE TRIGGER item_ai AFTER INSERT ON item BEGIN INSERT INTO itemSearch(rowid, title, body) VALUES (new.id, new.title, new.body); END")
    if mode=="deferred":
        db.execute("CREATE TABLE deferral(fromId INTEGER NOT NULL)")
        db.execute("CREATE TRIGGER item_ai AFTER INSERT ON item WHEN NOT EXISTS (SELECT 1 FROM deferral WHERE new.id > fromId) BEGIN INSERT INTO itemSearch(rowid, title, body) VALUES (new.id, new.title, new.body); END")
    db.execute("CREATE TABLE other(id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT, b TEXT, UNIQUE(a,b))")
    random.seed(1)
    data=[[(f"https://x/{b}/{i}", words(5), words(60)) for i in range(per)] for b in range(batches)]
    t0=time.perf_counter()
    for b,batch in enumerate(data):
        db.execute("BEGIN")
        if mode=="deferred":
            db.execute("INSERT INTO deferral(fromId) SELECT coalesce(max(id), 0) FROM item")
        ids=[]
        for (ap,t,body) in batch:
            cur=db.execute("INSERT INTO item(apId,title,body) VALUES (?,?,?)",(ap,t,body)); ids.append(cur.lastrowid)
            if others: db.execute("INSERT OR IGNORE INTO other(a,b) VALUES " + ",".join(["(?,?)"]*10), sum(([ap, str(k)] for k in range(10)), []))
        if mode=="batched":
            db.execute(f"INSERT INTO itemSearch(rowid,title,body) SELECT id,title,body FROM item WHERE id IN ({','.join(map(str,ids))})")
        if mode=="deferred":
            db.execute("INSERT INTO itemSearch(rowid,title,body) SELECT id,title,body FROM item WHERE id > (SELECT fromId FROM deferral)")
            db.execute("DELETE FROM deferral")
        db.execute("COMMIT")
    dt=time.perf_counter()-t0
    n=db.execute("SELECT count(*) FROM itemSearch WHERE itemSearch MATCH 'abc*'").fetchone()[0]
    segs=db.execute("SELECT count(*) FROM itemSearch_data").fetchone()[0]
    print(f"{mode:8s} {'with' if others else 'without'} the 10-row inserts: {batches*per/dt:8.0f} items/s  ({dt*1000/batches:.1f} ms per batch of {per}); matches {n}; fts data rows {segs}")
print(sqlite3.sqlite_version)
for others in (True, False):
    for m in ["trigger", "batched", "deferred", "trigger", "batched", "deferred"]: run(m, others=others)
