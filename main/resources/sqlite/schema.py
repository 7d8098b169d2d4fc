"""SQLite schema of the graph, migrated forward on start by `PRAGMA user_version`.

Every read the store makes walks an index and stops after a page: nodes by id and
by (collection, name); edges by source, and by target in the order lists show the
companies (each edge carries its company's name, `sort`, and the id of the set of nodes
its company links to, `links`), so a hub's page, and the candidates of a related list
with what each links to, are a range of an index however large the hub; the companies
of each place (city or country) with each industry in name order (`place_industry`), so
a sparse pair is a range of its own; company names through FTS5, with word prefixes of
1 to 6 letters indexed (a longer prefix would make FTS5 merge the lists of every word it
starts, eagerly: 4 ms for `ltd*` at a million) and each company's filter keys as terms
(terms), so words and filters are one intersection of posting lists; the
companies of each place, industry and pair counted on write (`node_degree`,
`place_industry_degree`), and the companies and places in all (`tally`), so no read
counts a hub; each company as clients read it (`company_body`), so a list of companies
copies bytes. test/resources/test_query_plans.py holds every read, and every statement
a trigger runs, to its index.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import orjson

from main.resources.sqlite.terms import filter_terms, long_words
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


FILTERS_INDEXED = """
    ALTER TABLE node ADD COLUMN links INTEGER NOT NULL DEFAULT 0;
    UPDATE node SET links = coalesce((SELECT e.links FROM edge e WHERE e.from_id = node.id LIMIT 1), 0)
    WHERE collection = 'Company';
    DROP TRIGGER node_name_insert;
    DROP TRIGGER node_name_delete;
    DROP TRIGGER node_name_update;
    DROP TABLE company_name;
    CREATE VIEW company_text AS
        SELECT n.rowid AS node_rowid, n.name AS name, s.terms AS terms
        FROM node n LEFT JOIN link_set s ON s.id = n.links WHERE n.collection = 'Company';
    CREATE VIRTUAL TABLE company_name USING fts5 (
        name, terms, content='company_text', content_rowid='node_rowid',
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6'
    );
    INSERT INTO company_name (company_name) VALUES ('rebuild');
    CREATE TRIGGER company_text_inserted AFTER INSERT ON node WHEN new.collection = 'Company' BEGIN
        INSERT INTO company_name (rowid, name, terms)
        VALUES (new.rowid, new.name, (SELECT terms FROM link_set WHERE id = new.links));
    END;
    CREATE TRIGGER company_text_deleted AFTER DELETE ON node WHEN old.collection = 'Company' BEGIN
        INSERT INTO company_name (company_name, rowid, name, terms)
        VALUES ('delete', old.rowid, old.name, (SELECT terms FROM link_set WHERE id = old.links));
    END;
    CREATE TRIGGER company_text_updated AFTER UPDATE OF name, links ON node
    WHEN old.collection = 'Company' AND (old.name IS NOT new.name OR old.links IS NOT new.links) BEGIN
        INSERT INTO company_name (company_name, rowid, name, terms)
        VALUES ('delete', old.rowid, old.name, (SELECT terms FROM link_set WHERE id = old.links));
        INSERT INTO company_name (rowid, name, terms)
        VALUES (new.rowid, new.name, (SELECT terms FROM link_set WHERE id = new.links));
    END;
    CREATE TABLE long_word (word TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE TABLE place_industry (
        place TEXT NOT NULL,
        industry TEXT NOT NULL,
        sort TEXT NOT NULL COLLATE NOCASE,
        from_id TEXT NOT NULL,
        PRIMARY KEY (place, industry, sort, from_id)
    ) WITHOUT ROWID;
    INSERT INTO place_industry (place, industry, sort, from_id)
        SELECT p.to_id, i.to_id, i.sort, i.from_id FROM edge i
        JOIN edge p ON p.from_id = i.from_id AND p.kind = 'locate'
        WHERE i.kind = 'industry' AND (p.to_id GLOB 'City/*' OR p.to_id GLOB 'Country/*');
    CREATE TABLE place_industry_degree (
        place TEXT NOT NULL,
        industry TEXT NOT NULL,
        companies INTEGER NOT NULL,
        PRIMARY KEY (place, industry)
    ) WITHOUT ROWID;
    INSERT INTO place_industry_degree (place, industry, companies)
        SELECT place, industry, count(*) FROM place_industry GROUP BY place, industry;
    CREATE TRIGGER place_industry_counted AFTER INSERT ON place_industry BEGIN
        INSERT INTO place_industry_degree (place, industry, companies) VALUES (new.place, new.industry, 1)
        ON CONFLICT (place, industry) DO UPDATE SET companies = companies + 1;
    END;
    CREATE TRIGGER place_industry_uncounted AFTER DELETE ON place_industry BEGIN
        UPDATE place_industry_degree SET companies = companies - 1
        WHERE place = old.place AND industry = old.industry;
    END;
    CREATE TRIGGER industry_paired AFTER INSERT ON edge WHEN new.kind = 'industry' BEGIN
        INSERT INTO place_industry (place, industry, sort, from_id)
        SELECT p.to_id, new.to_id, new.sort, new.from_id FROM edge p
        WHERE p.from_id = new.from_id AND p.kind = 'locate'
        AND (p.to_id GLOB 'City/*' OR p.to_id GLOB 'Country/*');
    END;
    CREATE TRIGGER place_paired AFTER INSERT ON edge
    WHEN new.kind = 'locate' AND (new.to_id GLOB 'City/*' OR new.to_id GLOB 'Country/*') BEGIN
        INSERT INTO place_industry (place, industry, sort, from_id)
        SELECT new.to_id, i.to_id, new.sort, new.from_id FROM edge i
        WHERE i.from_id = new.from_id AND i.kind = 'industry';
    END;
    CREATE TRIGGER industry_unpaired AFTER DELETE ON edge WHEN old.kind = 'industry' BEGIN
        DELETE FROM place_industry WHERE industry = old.to_id AND sort = old.sort AND from_id = old.from_id
        AND place IN (SELECT p.to_id FROM edge p WHERE p.from_id = old.from_id AND p.kind = 'locate');
    END;
    CREATE TRIGGER place_unpaired AFTER DELETE ON edge
    WHEN old.kind = 'locate' AND (old.to_id GLOB 'City/*' OR old.to_id GLOB 'Country/*') BEGIN
        DELETE FROM place_industry WHERE place = old.to_id AND sort = old.sort AND from_id = old.from_id
        AND industry IN (SELECT i.to_id FROM edge i WHERE i.from_id = old.from_id AND i.kind = 'industry');
    END;
    CREATE TRIGGER industry_pair_renamed AFTER UPDATE OF sort ON edge
    WHEN new.kind = 'industry' AND old.sort IS NOT new.sort BEGIN
        UPDATE place_industry SET sort = new.sort
        WHERE industry = new.to_id AND sort = old.sort AND from_id = new.from_id
        AND place IN (SELECT p.to_id FROM edge p WHERE p.from_id = new.from_id AND p.kind = 'locate');
    END;
"""


def _filters_indexed(conn: sqlite3.Connection) -> None:
    """Filtered searches from indexes that hold the combination (lists): each link set
    gets its filter keys as word-index terms (terms), each company the id of
    its set, and the word index both its name and those terms; companies by (place,
    industry) in name order, with each pair's count, kept by triggers on the edges; the
    names' long words, so a long word a client types is searched as the words it starts."""
    conn.execute("ALTER TABLE link_set ADD COLUMN terms TEXT NOT NULL DEFAULT ''")
    sets = conn.execute("SELECT id, targets FROM link_set ORDER BY id").fetchall()
    conn.executemany(
        "UPDATE link_set SET terms = ? WHERE id = ?",
        [(filter_terms(json.loads(targets)), links) for links, targets in sets],
    )
    for statement in _statements(FILTERS_INDEXED):
        conn.execute(statement)
    names = conn.execute("SELECT name FROM node WHERE collection = 'Company'")
    while batch := names.fetchmany(10_000):
        conn.executemany(
            "INSERT OR IGNORE INTO long_word (word) VALUES (?)",
            [(word,) for (name,) in batch for word in long_words(name or "")],
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
    _filters_indexed,
    # Edges, pairs and counts written once a batch from the service's write plan
    # (write_plan.py), not by a trigger per edge and per company
    """
    DROP TRIGGER company_renamed;
    DROP TRIGGER edge_counted;
    DROP TRIGGER edge_uncounted;
    DROP TRIGGER company_counted;
    DROP TRIGGER company_uncounted;
    DROP TRIGGER place_counted;
    DROP TRIGGER place_emptied;
    DROP TRIGGER place_industry_counted;
    DROP TRIGGER place_industry_uncounted;
    DROP TRIGGER industry_paired;
    DROP TRIGGER place_paired;
    DROP TRIGGER industry_unpaired;
    DROP TRIGGER place_unpaired;
    DROP TRIGGER industry_pair_renamed;
    """,
)


def migrate(conn: sqlite3.Connection, to: int = len(MIGRATIONS)) -> None:
    """Run the migrations this file has that the database has not seen, up to version `to`, all
    in one transaction: a script of statements, or a function where a migration needs Python
    (rendering companies). An older `to` builds the schema an older release wrote."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:to], start=version + 1):
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
