"""A unit of work on the SQLite graph: what a batch's plan needs read, and the plan written,
inside one write transaction (the plan's rules are the service's: write_plan.py).

Each part of the plan is one `executemany` a batch: edges, pairs and counts are written
once a batch, not by a trigger per edge. The word index keeps itself (triggers on the
company's name and link set: schema).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence

import orjson

from main.resources.sqlite.terms import filter_terms, long_words
from main.service.keys import COMPANY, node_id
from main.service.model import Version
from main.service.ports import WriteUnit
from main.service.versions import CompanyState
from main.service.write_plan import StoredCompany, WritePlan


class SqliteWriteUnit(WriteUnit):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.saved = False

    def applied(self, event_ids: Sequence[str]) -> set[str]:
        rows = self.conn.execute(
            "SELECT event_id FROM applied_event WHERE event_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(event_ids)),),
        )
        return {row[0] for row in rows}

    def companies(self, keys: Collection[str]) -> dict[str, StoredCompany]:
        listed = json.dumps(sorted(keys))
        found = {key: StoredCompany() for key in keys}
        prefix = node_id(COMPANY, "")
        for key, props in self.conn.execute(
            "SELECT key, props FROM node WHERE id IN (SELECT ? || value FROM json_each(?))", (prefix, listed)
        ):
            found[key].state.doc = orjson.loads(props)
        for key, occurred_at, event_id, deleted, fields in self.conn.execute(
            "SELECT company_key, occurred_at, event_id, deleted, fields FROM company_version"
            " WHERE company_key IN (SELECT value FROM json_each(?))",
            (listed,),
        ):
            state = found[key].state
            state.versions = {name: Version(*v) for name, v in orjson.loads(fields).items()}
            state.tombstone = Version(occurred_at, event_id) if deleted else None
        edges: dict[str, set[tuple[str, str]]] = {}
        for company, kind, target in self.conn.execute(
            "SELECT from_id, kind, to_id FROM edge WHERE from_id IN (SELECT ? || value FROM json_each(?))",
            (prefix, listed),
        ):
            edges.setdefault(company.partition("/")[2], set()).add((kind, target))
        for key, linked in edges.items():
            found[key].edges = frozenset(linked)
        return found

    def degrees(self, targets: Sequence[str]) -> dict[str, int]:
        rows = self.conn.execute(
            "SELECT id, companies FROM node_degree WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(targets)),),
        )
        return dict(rows)

    def save(self, plan: WritePlan) -> None:
        conn = self.conn
        self.saved = True
        conn.executemany(
            "DELETE FROM place_industry WHERE place = ? AND industry = ? AND sort = ? AND from_id = ?",
            [(p.place, p.industry, p.name, p.company) for p in plan.pairs_dropped],
        )
        conn.executemany("DELETE FROM edge WHERE from_id = ? AND kind = ? AND to_id = ?", plan.edges_dropped)
        conn.executemany("DELETE FROM node WHERE id = ?", [(company,) for company in plan.deleted])
        links = self._link_sets({row.links for row in plan.companies})
        rows = {row.id: (row.name, links[row.links]) for row in plan.companies}
        written = {
            row.id: (row.id, COMPANY, row.key, row.name, json.dumps(row.doc), links[row.links])
            for row in plan.companies
        } | {
            n.id: (n.id, n.collection, n.key, n.props.get("name"), json.dumps(n.props), None)
            for n in plan.nodes
        }
        # companies and nodes in one statement, in the plan's order: a node's rowid orders the
        # word index's matches
        conn.executemany(
            "INSERT INTO node (id, collection, key, name, props, links)"
            " VALUES (?1, ?2, ?3, ?4, ?5, coalesce(?6, 0))"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name, props = excluded.props,"
            " links = coalesce(?6, node.links)"
            " WHERE node.props IS NOT excluded.props OR node.links IS NOT coalesce(?6, node.links)",
            [written[node] for node in plan.order if node in written],
        )
        rendered = [row for row in plan.companies if row.body is not None]
        conn.executemany(
            "INSERT INTO company_body (id, body) VALUES (?, ?)"
            " ON CONFLICT (id) DO UPDATE SET body = excluded.body WHERE body IS NOT excluded.body",
            [(row.id, row.body) for row in rendered],
        )
        # never removed: a word no name has any more only adds a term with no matches
        conn.executemany(
            "INSERT OR IGNORE INTO long_word (word) VALUES (?)",
            [(word,) for word in sorted({w for row in rendered for w in long_words(row.name)})],
        )
        conn.executemany(
            "UPDATE edge SET sort = ?, links = ? WHERE from_id = ?",
            [(*rows[row.id], row.id) for row in plan.companies if row.restamp],
        )
        conn.executemany(
            "INSERT INTO edge (from_id, kind, to_id, sort, links) VALUES (?, ?, ?, ?, ?)",
            [(company, kind, target, *rows[company]) for company, kind, target in plan.edges_added],
        )
        conn.executemany(
            "INSERT INTO place_industry (place, industry, sort, from_id) VALUES (?, ?, ?, ?)",
            [(p.place, p.industry, p.name, p.company) for p in plan.pairs_added],
        )
        self._counts(plan)
        conn.executemany(
            "INSERT INTO company_version (company_key, occurred_at, event_id, deleted, fields)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (company_key) DO UPDATE SET"
            " occurred_at = excluded.occurred_at, event_id = excluded.event_id,"
            " deleted = excluded.deleted, fields = excluded.fields",
            [_version_row(key, state) for key, state in sorted(plan.versions.items())],
        )
        conn.executemany(
            "INSERT INTO applied_event (event_id, company_key, outcome, dated) VALUES (?, ?, ?, ?)",
            plan.applied,
        )

    def _counts(self, plan: WritePlan) -> None:
        self.conn.executemany(
            "INSERT INTO node_degree (id, collection, companies) VALUES (?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET companies = companies + excluded.companies",
            [(target, target.partition("/")[0], delta) for target, delta in sorted(plan.degrees.items())],
        )
        self.conn.executemany(
            "INSERT INTO place_industry_degree (place, industry, companies) VALUES (?, ?, ?)"
            " ON CONFLICT (place, industry) DO UPDATE SET companies = companies + excluded.companies",
            [(*pair, delta) for pair, delta in sorted(plan.pair_degrees.items())],
        )
        self.conn.executemany(
            "INSERT INTO tally (name, count) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET count = count + excluded.count",
            sorted(plan.tally.items()),
        )

    def _link_sets(self, wanted: set[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
        """The id of each set of nodes, added when new. Spelled as the migration wrote the sets
        (json_group_array in the edges' key order); a set written twice in two spellings would
        only be two rows naming the same nodes."""
        spelled = {
            json.dumps(targets, ensure_ascii=False, separators=(",", ":")): targets for targets in wanted
        }
        found = self._link_set_ids(spelled)
        missing = [
            (text, filter_terms(targets)) for text, targets in sorted(spelled.items()) if targets not in found
        ]
        if missing:
            # added in one statement, then read back: ids in the same order as one at a time
            self.conn.executemany("INSERT INTO link_set (targets, terms) VALUES (?, ?)", missing)
            found |= self._link_set_ids({text: spelled[text] for text, _ in missing})
        return found

    def _link_set_ids(self, spelled: dict[str, tuple[str, ...]]) -> dict[tuple[str, ...], int]:
        return {
            spelled[text]: links
            for links, text in self.conn.execute(
                "SELECT id, targets FROM link_set WHERE targets IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(spelled)),),
            )
        }


def _version_row(company_key: str, state: CompanyState) -> tuple:
    """The tombstone, if any, lives in (occurred_at, event_id) with deleted = 1."""
    tombstone = state.tombstone
    return (
        company_key,
        tombstone.occurred_at if tombstone else None,
        tombstone.event_id if tombstone else "",
        int(tombstone is not None),
        json.dumps({name: [v.occurred_at, v.event_id] for name, v in state.versions.items()}),
    )
