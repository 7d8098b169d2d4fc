"""SQLite schema of the graph, migrated forward on start by `PRAGMA user_version`.

Every read the store makes walks an index and stops after a page: nodes by id and
by (collection, name); edges by source, and by target in the order lists show the
companies (each edge carries its company's name, `sort`, and the id of the set of nodes
its company links to, `links`), so a hub's page, and the candidates of a related list
with what each links to, are a range of an index however large the hub; company names through FTS5, with word
prefixes of 1 to 6 letters indexed (a longer prefix would make FTS5 merge the lists
of every word it starts, eagerly: 4 ms for `ltd*` at a million); the companies of each place and industry
counted on write (`node_degree`), and the companies and places in all (`tally`), so no read
counts a hub; each company as clients read it (`company_body`), so a list of companies
copies bytes. test/resources/test_query_plans.py holds every read to its index.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import orjson

from main.service.company_json import company_json


def _company_bodies(conn: sqlite3.Connection) -> None:
    """Each company as clients read it (company_json), kept beside its document and written
    with it, so a list of companies copies bytes instead of decoding, viewing and encoding
    each company on every request (a related list's twenty: ~290 us of ~1.5 ms at a million
    companies). Deleted with the company's node, by trigger."""
    conn.execute("CREATE TABLE company_body (id TEXT PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID")
    conn.execute(
        "CREATE TRIGGER company_body_deleted AFTER DELETE ON node WHEN old.collection = 'Company'"
        " BEGIN DELETE FROM company_body WHERE id = old.id; END"
    )
    companies = conn.execute("SELECT id, props FROM node WHERE collection = 'Company' ORDER BY id")
    while batch := companies.fetchmany(10_000):
        conn.executemany(
            "INSERT INTO company_body (id, body) VALUES (?, ?)",
            [(company, company_json(orjson.loads(props))) for company, props in batch],
        )


MIGRATIONS: tuple[str | Callable[[sqlite3.Connection], None], ...] = (
    """
    CREATE TABLE node (
        id TEXT PRIMARY KEY,
        collection TEXT NOT NULL,
        key TEXT NOT NULL,
        name TEXT,
        props TEXT NOT NULL
    );
    CREATE INDEX node_by_collection_name ON node (collection, name COLLATE NOCASE, key);
    CREATE TABLE edge (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        from_id TEXT NOT NULL,
        to_id TEXT NOT NULL
    );
    CREATE INDEX edge_by_from ON edge (from_id, kind);
    CREATE INDEX edge_by_to ON edge (to_id, kind);
    CREATE TABLE company_version (
        company_key TEXT PRIMARY KEY,
        occurred_at TEXT,
        event_id TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE applied_event (
        event_id TEXT PRIMARY KEY,
        company_key TEXT NOT NULL,
        outcome TEXT NOT NULL,
        applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE VIRTUAL TABLE company_name USING fts5 (
        name, content='node', content_rowid='rowid', tokenize='trigram'
    );
    CREATE TRIGGER node_name_insert AFTER INSERT ON node WHEN new.collection = 'Company' BEGIN
        INSERT INTO company_name (rowid, name) VALUES (new.rowid, new.name);
    END;
    CREATE TRIGGER node_name_delete AFTER DELETE ON node WHEN old.collection = 'Company' BEGIN
        INSERT INTO company_name (company_name, rowid, name) VALUES ('delete', old.rowid, old.name);
    END;
    CREATE TRIGGER node_name_update AFTER UPDATE OF name ON node WHEN old.collection = 'Company' BEGIN
        INSERT INTO company_name (company_name, rowid, name) VALUES ('delete', old.rowid, old.name);
        INSERT INTO company_name (rowid, name) VALUES (new.rowid, new.name);
    END;
    """,
    """
    ALTER TABLE company_version ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
    """,
    # Cheaper writes: edges keyed by (from, kind, to) without a rowid, one index fewer; names
    # indexed by word (unicode61) instead of trigram, a third of the cost per insert.
    """
    CREATE TABLE edge_v3 (
        from_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        to_id TEXT NOT NULL,
        PRIMARY KEY (from_id, kind, to_id)
    ) WITHOUT ROWID;
    INSERT INTO edge_v3 (from_id, kind, to_id) SELECT from_id, kind, to_id FROM edge;
    DROP TABLE edge;
    ALTER TABLE edge_v3 RENAME TO edge;
    CREATE INDEX edge_by_to ON edge (to_id, kind);
    DROP TRIGGER node_name_insert;
    DROP TRIGGER node_name_delete;
    DROP TRIGGER node_name_update;
    DROP TABLE company_name;
    CREATE VIRTUAL TABLE company_name USING fts5 (
        name, content='node', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO company_name (rowid, name) SELECT rowid, name FROM node WHERE collection = 'Company';
    CREATE TABLE applied_event_v3 (
        event_id TEXT PRIMARY KEY,
        company_key TEXT NOT NULL,
        outcome TEXT NOT NULL,
        applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    ) WITHOUT ROWID;
    INSERT INTO applied_event_v3 SELECT event_id, company_key, outcome, applied_at FROM applied_event;
    DROP TABLE applied_event;
    ALTER TABLE applied_event_v3 RENAME TO applied_event;
    CREATE TRIGGER node_name_insert AFTER INSERT ON node WHEN new.collection = 'Company' BEGIN
        INSERT INTO company_name (rowid, name) VALUES (new.rowid, new.name);
    END;
    CREATE TRIGGER node_name_delete AFTER DELETE ON node WHEN old.collection = 'Company' BEGIN
        INSERT INTO company_name (company_name, rowid, name) VALUES ('delete', old.rowid, old.name);
    END;
    CREATE TRIGGER node_name_update AFTER UPDATE OF name ON node
    WHEN old.collection = 'Company' AND old.name IS NOT new.name BEGIN
        INSERT INTO company_name (company_name, rowid, name) VALUES ('delete', old.rowid, old.name);
        INSERT INTO company_name (rowid, name) VALUES (new.rowid, new.name);
    END;
    """,
    """
    CREATE TABLE place_lookup (
        query TEXT PRIMARY KEY,
        place TEXT NOT NULL,
        resolved_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    ) WITHOUT ROWID;
    """,
    """
    ALTER TABLE applied_event ADD COLUMN dated INTEGER NOT NULL DEFAULT 0;
    """,
    # Reads bounded whatever the hubs: edges sorted by company name within each target, company
    # counts per target and in all kept by triggers, and word prefixes of 1 to 6 letters indexed
    # (the word index is rebuilt under its name: the triggers of migration 3 keep feeding it).
    """
    UPDATE node SET name = '' WHERE collection = 'Company' AND name IS NULL;
    ALTER TABLE edge ADD COLUMN sort TEXT NOT NULL COLLATE NOCASE DEFAULT '';
    UPDATE edge SET sort = (SELECT n.name FROM node n WHERE n.id = edge.from_id);
    DROP INDEX edge_by_to;
    CREATE INDEX edge_by_to_sorted ON edge (to_id, sort, from_id);
    CREATE TRIGGER company_renamed AFTER UPDATE OF name ON node
    WHEN new.collection = 'Company' AND old.name IS NOT new.name BEGIN
        UPDATE edge SET sort = new.name WHERE from_id = new.id;
    END;
    CREATE TABLE node_degree (
        id TEXT PRIMARY KEY,
        collection TEXT NOT NULL,
        companies INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX node_degree_by_size ON node_degree (collection, companies, id);
    INSERT INTO node_degree (id, collection, companies)
        SELECT to_id, substr(to_id, 1, instr(to_id, '/') - 1), count(*) FROM edge GROUP BY to_id;
    CREATE TRIGGER edge_counted AFTER INSERT ON edge BEGIN
        INSERT INTO node_degree (id, collection, companies)
        VALUES (new.to_id, substr(new.to_id, 1, instr(new.to_id, '/') - 1), 1)
        ON CONFLICT (id) DO UPDATE SET companies = companies + 1;
    END;
    CREATE TRIGGER edge_uncounted AFTER DELETE ON edge BEGIN
        UPDATE node_degree SET companies = companies - 1 WHERE id = old.to_id;
    END;
    CREATE TABLE tally (name TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO tally (name, count) SELECT 'Company', count(*) FROM node WHERE collection = 'Company';
    CREATE TRIGGER company_counted AFTER INSERT ON node WHEN new.collection = 'Company' BEGIN
        UPDATE tally SET count = count + 1 WHERE name = 'Company';
    END;
    CREATE TRIGGER company_uncounted AFTER DELETE ON node WHEN old.collection = 'Company' BEGIN
        UPDATE tally SET count = count - 1 WHERE name = 'Company';
    END;
    INSERT INTO tally (name, count)
        SELECT collection, count(*) FROM node_degree WHERE companies > 0 GROUP BY collection;
    CREATE TRIGGER place_counted AFTER INSERT ON node_degree BEGIN
        INSERT INTO tally (name, count) VALUES (new.collection, 1)
        ON CONFLICT (name) DO UPDATE SET count = count + 1;
    END;
    CREATE TRIGGER place_emptied AFTER UPDATE OF companies ON node_degree
    WHEN (old.companies > 0) <> (new.companies > 0) BEGIN
        UPDATE tally SET count = count + (CASE WHEN new.companies > 0 THEN 1 ELSE -1 END)
        WHERE name = new.collection;
    END;
    DROP TABLE company_name;
    CREATE VIRTUAL TABLE company_name USING fts5 (
        name, content='node', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2',
        prefix='1 2 3 4 5 6'
    );
    INSERT INTO company_name (rowid, name) SELECT rowid, name FROM node WHERE collection = 'Company';
    """,
    # Related companies without a read per candidate: each edge carries the set of nodes its
    # company links to (`links`, an id of `link_set`, whose rows never change), in the index a
    # place's companies are drawn from, so a draw of 200 companies is one range of an index.
    """
    CREATE TABLE link_set (id INTEGER PRIMARY KEY, targets TEXT NOT NULL UNIQUE);
    ALTER TABLE edge ADD COLUMN links INTEGER NOT NULL DEFAULT 0;
    CREATE TEMP TABLE company_links (from_id TEXT PRIMARY KEY, targets TEXT NOT NULL) WITHOUT ROWID;
    INSERT INTO company_links SELECT from_id, json_group_array(to_id) FROM edge GROUP BY from_id;
    INSERT OR IGNORE INTO link_set (targets) SELECT targets FROM company_links;
    UPDATE edge SET links = (
        SELECT s.id FROM company_links c JOIN link_set s ON s.targets = c.targets
        WHERE c.from_id = edge.from_id
    );
    DROP TABLE company_links;
    DROP INDEX edge_by_to_sorted;
    CREATE INDEX edge_by_to_linked ON edge (to_id, sort, from_id, links);
    """,
    _company_bodies,
)


def migrate(conn: sqlite3.Connection) -> None:
    """Run the migrations this file has that the database has not seen, all in one transaction: a
    script of statements, or a function where a migration needs Python (rendering companies)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            if callable(script):
                script(conn)
            else:
                for statement in _statements(script):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """Split a script on complete statements (triggers hold semicolons of their own)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    return [s for s in statements if s]
