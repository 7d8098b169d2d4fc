"""A whole graph copied from one store to another (`migrate-graph`), and checked.

Streaming, a range of keys at a time, so memory stays bounded whatever the graph's size:
companies in the order they were first stored (state, versions and edges, with the places
and industries their edges reach), then the deleted ones that keep their versions, then
the records of applied events, then the remembered places. Each range
is written through the target's own write plan (graph_writer.copy), so the target's
counts, pairs, word index and bodies are what its own writes would have made, and copying
a range again changes nothing: after an interruption the copy resumes from the last range
the checkpoint names, and a range written twice is harmless.

The check compares what the copy read from the source with a walk of the whole target:
counts of companies, places per collection, applied events and remembered places, and a
digest of every company (its document, versions, tombstone, edges and its place in the
order the store lists them). The digest is a sum of one hash a company, so the count of
what was read travels in the checkpoint and a resumed copy goes on counting; the source
is read once, by the copy, not again by the check (it is not written to meanwhile:
migrate-graph runs with the workers stopped).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from main.service.graph_writer import GraphWriter
from main.service.keys import COMPANY, INDUSTRY, PLACE_COLLECTIONS
from main.service.model import Node
from main.service.ports import GraphStore, Ranged
from main.service.write_plan import StoredCompany

PHASES = ("companies", "deleted", "applied", "places")
DONE = "done"
WALKED = "walked"
DIGEST_BITS = 128
# a phase's position in a checkpoint: where its next range starts (None: at the start)
Checkpoint = MutableMapping[str, Any]


@dataclass
class Census:
    """What one store holds, as the check counts it."""

    companies: int = 0
    tallies: dict[str, int] = field(default_factory=dict)
    applied: int = 0
    places: int = 0
    digest: str = ""


@dataclass
class Walked:
    """What a walk of a store met so far: as a dict, it is kept in the checkpoint."""

    companies: int = 0
    digest: int = 0
    applied: int = 0
    places: int = 0

    def met(self, companies: int, digest: int) -> None:
        self.digest = (self.digest + digest) % (1 << DIGEST_BITS)
        self.companies += companies

    def census(self, tallies: dict[str, int]) -> Census:
        digest = f"{self.digest:0{DIGEST_BITS // 4}x}"
        return Census(self.companies, tallies, self.applied, self.places, digest)


@dataclass(frozen=True)
class _Range:
    """A range of companies as read, with the nodes their edges reach, and its part of the
    digest (taken by the reader, beside the writer)."""

    companies: dict[str, StoredCompany]
    nodes: dict[str, Node]
    digest: int

    def __len__(self) -> int:
        return len(self.companies)


@dataclass(frozen=True)
class Verdict:
    source: Census
    target: Census

    @property
    def same(self) -> bool:
        return self.source == self.target

    def differences(self) -> list[str]:
        ours, theirs = asdict(self.source), asdict(self.target)
        return [f"{name}: {ours[name]} -> {theirs[name]}" for name in ours if ours[name] != theirs[name]]


class GraphMigration:
    def __init__(self, source: GraphStore, target: GraphStore, batch: int = 1_000) -> None:
        self.source = source
        self.target = target
        self.batch = batch
        self.writer = GraphWriter(target)
        # where the next company read stands in the source's order (the reader's own count)
        self._position = 0

    def copy(
        self, checkpoint: Checkpoint, saved: Callable[[], None], moved: Callable[[str, int], None]
    ) -> None:
        """Every phase from where `checkpoint` says it stands; `saved` is called after each
        range is written and the checkpoint moved, `moved` with each range's size. The next
        range is read while one is written (a thread: both stores wait on I/O)."""
        walked = Walked(**checkpoint.get(WALKED, {}))
        self._position = walked.companies
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="migrate-read") as reader:
            for phase in PHASES:
                if checkpoint.get(phase) == DONE:
                    continue
                read, write = getattr(self, f"_read_{phase}"), getattr(self, f"_write_{phase}")
                coming = reader.submit(read, checkpoint.get(phase))
                while coming is not None:
                    rows, after = coming.result()
                    coming = reader.submit(read, after) if after is not None else None
                    if rows:
                        write(rows)
                    _count(walked, phase, rows)
                    checkpoint[phase] = DONE if after is None else after
                    checkpoint[WALKED] = asdict(walked)
                    saved()
                    moved(phase, len(rows))

    def _read_companies(self, after: str | None) -> tuple[_Range, str | None]:
        return self._range(*self.source.company_keys(after, self.batch))

    def _read_deleted(self, after: str | None) -> tuple[_Range, str | None]:
        return self._range(*self.source.deleted_company_keys(after, self.batch))

    def _range(self, keys: list[str], following: str | None) -> tuple[_Range, str | None]:
        companies = self.source.stored_companies(keys)
        listed = {key: companies[key] for key in keys}
        targets = sorted({target for company in companies.values() for _, target in company.edges})
        nodes = {node: Node(*node.split("/", 1), doc) for node, doc in self.source.node_docs(targets).items()}
        part = digest_of(self._position, listed)
        self._position += len(keys)
        return _Range(listed, nodes, part), following

    def _write_companies(self, rows: _Range) -> None:
        self.writer.copy(rows.companies, rows.nodes)

    _write_deleted = _write_companies

    def _read_applied(self, after: str | None) -> Ranged:
        return self.source.applied_events(after, self.batch)

    def _write_applied(self, rows: list) -> None:
        self.writer.copy_applied(rows)

    def _read_places(self, after: str | None) -> Ranged:
        return self.source.remembered_places(after, self.batch)

    def _write_places(self, rows: list) -> None:
        self.target.remember_places(dict(rows))

    def verify(self, checkpoint: Checkpoint) -> Verdict:
        """What the copy that `checkpoint` followed read, against the whole target walked."""
        source = Walked(**checkpoint.get(WALKED, {})).census(tallies(self.source))
        return Verdict(source, census(self.target, self.batch))


def _count(walked: Walked, phase: str, rows: Any) -> None:
    if isinstance(rows, _Range):
        walked.met(len(rows), rows.digest)
    elif phase == "applied":
        walked.applied += len(rows)
    else:
        walked.places += len(rows)


def tallies(store: GraphStore) -> dict[str, int]:
    return {name: store.tally(name) for name in (COMPANY, *PLACE_COLLECTIONS, INDUSTRY)}


def census(store: GraphStore, batch: int) -> Census:
    """A whole store walked as the copy walks a source."""
    walked = Walked()
    ranges = itertools.chain(_ranges(store.company_keys, batch), _ranges(store.deleted_company_keys, batch))
    for keys in ranges:
        companies = store.stored_companies(keys)
        walked.met(len(keys), digest_of(walked.companies, {key: companies[key] for key in keys}))
    walked.applied = sum(len(rows) for rows in _ranges(store.applied_events, batch))
    walked.places = sum(len(rows) for rows in _ranges(store.remembered_places, batch))
    return walked.census(tallies(store))


def _ranges(read: Callable[[str | None, int], Ranged], batch: int) -> Iterable[list]:
    after: str | None = None
    while True:
        rows, after = read(after, batch)
        yield rows
        if after is None:
            return


def digest_of(position: int, companies: Mapping[str, StoredCompany]) -> int:
    """The part of a walk's digest of these companies, listed from `position` on: a sum of one
    hash a company, whose place in the order is part of what is hashed."""
    total = 0
    for offset, (key, company) in enumerate(companies.items()):
        hashed = hashlib.blake2b(_fingerprint(position + offset, key, company), digest_size=DIGEST_BITS // 8)
        total += int.from_bytes(hashed.digest(), "big")
    return total


def _fingerprint(position: int, key: str, company: StoredCompany) -> bytes:
    state = company.state
    return orjson.dumps(
        [
            position,
            key,
            state.doc,
            sorted((name, list(version)) for name, version in state.versions.items()),
            list(state.tombstone) if state.tombstone else None,
            sorted(company.edges),
        ],
        option=orjson.OPT_SORT_KEYS,
    )
