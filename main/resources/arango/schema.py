"""The database, its collections, the named graph and an index for every read, made on start.

Every step is idempotent (each is looked up before it is made, and ArangoDB answers an
index that exists with the index), so every process may run it, and `migrate` runs it
alone. OneShard keeps a database's collections on one shard group, so a transaction and
an AQL query run where the data lives, as on a single server; without it, collections are
sharded by `_key` and a batch's transaction spans DB-Servers.
"""

from __future__ import annotations

from arango.database import StandardDatabase
from arango.exceptions import ArangoServerError

from main.resources.arango.address import ArangoAddress
from main.resources.arango.client import DATABASE_NOT_FOUND
from main.resources.arango.documents import (
    APPLIED,
    EDGE_COLLECTIONS,
    META,
    NODE_COLLECTIONS,
    PAIR,
    POSTING,
    TERM_COUNT,
    VERSION,
)
from main.resources.arango.documents import DOCUMENT_COLLECTIONS as DOCUMENTS
from main.service.keys import COMPANY, INDUSTRY, INDUSTRY_EDGE, LOCATE, PLACE_COLLECTIONS

SCHEMA_VERSION = 1
GRAPH = "company_graph"
EDGE_DEFINITIONS = (
    {
        "edge_collection": LOCATE,
        "from_vertex_collections": [COMPANY],
        "to_vertex_collections": list(PLACE_COLLECTIONS),
    },
    {
        "edge_collection": INDUSTRY_EDGE,
        "from_vertex_collections": [COMPANY],
        "to_vertex_collections": [INDUSTRY],
    },
)
# (collection, fields) of every index a read or a unit of work walks; the primary and the
# edge indexes (`_key`, `_from`, `_to`) come with the collections
INDEXES = (
    (COMPANY, ("sort", "order")),  # every company by name
    (COMPANY, ("seq",)),  # every company in the order first stored (migrate-graph)
    (VERSION, ("order",)),  # every company's versions by key, deleted ones too (migrate-graph)
    *((edge, ("_to", "sort", "order")) for edge in EDGE_COLLECTIONS),  # a node's companies by name
    *((node, ("companies", "order")) for node in NODE_COLLECTIONS),  # places and industries by size
    (PAIR, ("place", "industry", "sort", "order")),  # a place's companies in an industry
    (POSTING, ("term", "seq")),  # the word index, in the order companies were first stored
    (TERM_COUNT, ("term",)),  # the words a long word starts
    (APPLIED, ("dated", "at")),  # applied events old enough to forget
)


def create_database(system: StandardDatabase, db: StandardDatabase, address: ArangoAddress) -> None:
    """Asked of the database itself first: a user may own a database without the right to
    list or create databases, which only a missing one needs."""
    try:
        db.properties()
        return
    except ArangoServerError as exc:
        if exc.error_code != DATABASE_NOT_FOUND:
            raise
    system.create_database(
        address.database,
        replication_factor=address.replication_factor,
        write_concern=address.write_concern,
        sharding="single" if address.one_shard else None,
    )


def create_schema(db: StandardDatabase) -> None:
    for name in DOCUMENTS:
        if not db.has_collection(name):
            db.create_collection(name)
    for name in EDGE_COLLECTIONS:
        if not db.has_collection(name):
            db.create_collection(name, edge=True)
    if not db.has_graph(GRAPH):
        db.create_graph(GRAPH, edge_definitions=list(EDGE_DEFINITIONS))
    for collection, fields in INDEXES:
        db.collection(collection).add_index(
            {
                "type": "persistent",
                "fields": list(fields),
                "name": "by_" + "_".join(f.strip("_") for f in fields),
            }
        )
    db.collection(META).insert(
        {"_key": "schema", "version": SCHEMA_VERSION}, overwrite_mode="update", silent=True
    )
