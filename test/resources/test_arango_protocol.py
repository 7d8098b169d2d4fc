"""What the ArangoDB adapter sends, checked through a recording transport (no ArangoDB server
installs here; the contract suites run its answers where ARANGO_URL names one).

These tests hold the protocol: collections declared when a batch's transaction begins,
the transaction on every statement, commit last, abort and a new play on a write-write
conflict, outages that are retried, values only as bind variables. They do not, and
cannot, check what a server would answer.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from main.bootstrap import bootstrap, build_store
from main.resources.arango import documents, reads, schema
from main.resources.arango.client import WrongSetup
from main.resources.arango.store import ArangoGraphStore
from main.resources.arango.writes import EXCLUSIVE, SHARED
from main.schema.loading import load_event
from main.service.errors import Unavailable
from main.service.graph_writer import CONFLICT_ATTEMPTS
from main.service.model import Outcome
from main.util.config import ConfigError
from test.helpers import company_event
from test.resources.arango_recorder import RecordingTransport, Sent, server_error

URL = "arangodb://graph:secret@db1:8529,db2:8529/company_graph?replication_factor=3&write_concern=2"
ADAPTER = Path(__file__).parents[2] / "main" / "resources" / "arango"


@pytest.fixture
def transport() -> RecordingTransport:
    return RecordingTransport()


@pytest.fixture
def arango(transport: RecordingTransport) -> ArangoGraphStore:
    return ArangoGraphStore(URL, transport=transport)


@pytest.fixture
def sync(arango: ArangoGraphStore, settings, geocoder):
    container = bootstrap(replace(settings, graph_url=URL), store=arango, geocoder=geocoder, consume=False)
    yield container.sync
    container.close()


def apply(sync, **data) -> Outcome:
    return sync.apply(load_event(company_event(**data)))


def transactions(transport: RecordingTransport) -> list[list[Sent]]:
    """The requests of each transaction, from its begin to its commit or abort."""
    found: list[list[Sent]] = []
    for sent in transport.sent:
        if sent.path == "_api/transaction/begin":
            found.append([sent])
        elif found and (sent.transaction or sent.path.startswith("_api/transaction/")):
            found[-1].append(sent)
    return found


def test_a_batch_is_one_stream_transaction_declaring_its_collections_and_committed_last(
    sync, transport
) -> None:
    transport.sent.clear()
    assert (
        apply(sync, company_id="acme", name="Acme", location="Berlin", industry=["Software"])
        is Outcome.APPLIED
    )
    (batch,) = transactions(transport)
    begin, *statements, end = batch
    assert begin.body["collections"] == {"write": list(SHARED), "exclusive": list(EXCLUSIVE)}
    assert begin.body["allowImplicit"] is False
    assert {sent.transaction for sent in statements} == {"1"}
    assert all(sent.path == "_api/cursor" for sent in statements)
    assert (end.method, end.path) == ("put", "_api/transaction/1")
    # a few statements over arrays, never one request per document
    assert len(statements) < 25
    # nothing of the graph is written outside the transaction (places resolved are remembered
    # on their own: a geocoding cache, kept whether the batch commits or not)
    writes = [s for s in transport.queries() if not s.transaction and _modifies(s.body["query"])]
    assert [s.body["bindVars"].get("docs", [{}])[0].get("query") for s in writes] == ["berlin"]


def test_a_batch_writes_each_part_as_one_statement_over_an_array(sync, transport) -> None:
    transport.sent.clear()
    events = [
        load_event(company_event(company_id=f"c{n}", name=f"Company {n}", location="Berlin", industry=["AI"]))
        for n in range(30)
    ]
    assert set(sync.apply_batch(events)) == {Outcome.APPLIED}
    (batch,) = transactions(transport)
    inserts = [s for s in batch[1:-1] if "INSERT d INTO @@collection" in s.body["query"]]
    companies = [s for s in inserts if s.body["bindVars"]["@collection"] == "Company"]
    assert len(companies) == 1
    assert len(companies[0].body["bindVars"]["docs"]) == 30


def test_values_travel_only_as_bind_variables(sync, transport) -> None:
    name = "Robert'); FOR c IN Company REMOVE c IN Company //"
    apply(sync, company_id="x-1", name=name, location="Berlin")
    texts = [sent.body["query"] for sent in transport.queries()]
    assert not any("Robert" in text or "X-1" in text for text in texts)
    assert any(name in str(sent.body.get("bindVars")) for sent in transport.queries())


def test_a_write_write_conflict_aborts_and_plays_the_batch_again(sync, transport) -> None:
    conflicts = iter([server_error(409, 1200, "write-write conflict")])

    def first_save_conflicts(sent: Sent):
        if sent.transaction == "1" and "INSERT d INTO @@collection" in str(sent.body):
            return next(conflicts, None)
        return None

    transport.fail = first_save_conflicts
    transport.sent.clear()
    assert apply(sync, company_id="acme", name="Acme", location="Berlin") is Outcome.APPLIED
    first, second = transactions(transport)
    assert (first[-1].method, first[-1].path) == ("delete", "_api/transaction/1")
    assert (second[-1].method, second[-1].path) == ("put", "_api/transaction/2")


def test_conflicts_past_the_bound_are_an_outage_for_the_worker_to_wait_out(sync, transport) -> None:
    transport.fail = lambda sent: (
        server_error(409, 1200, "conflict") if "@@collection" in str(sent.body) else None
    )
    transport.sent.clear()
    with pytest.raises(Unavailable):
        apply(sync, company_id="acme", name="Acme")
    plays = transactions(transport)
    assert len(plays) == CONFLICT_ATTEMPTS
    assert all(play[-1].method == "delete" for play in plays)


def test_a_lost_connection_in_a_batch_aborts_it_and_is_an_outage_not_a_dead_letter(sync, transport) -> None:
    def drops(sent: Sent):
        if "@@collection" in str(sent.body):
            raise requests.ConnectionError("connection reset")
        return None

    transport.fail = drops
    transport.sent.clear()
    with pytest.raises(Unavailable):
        apply(sync, company_id="acme", name="Acme")
    (play,) = transactions(transport)
    assert play[-1].method == "delete"
    # the statement that lost its connection was not sent again (it may have run)
    assert sum("@@collection" in str(sent.body) for sent in play) == 1


def test_a_read_is_sent_again_on_an_outage_and_then_reported(arango, transport) -> None:
    def down(sent: Sent):
        if sent.path == "_api/cursor":
            raise requests.ConnectionError("refused")
        return None

    transport.fail = down
    transport.sent.clear()
    with pytest.raises(Unavailable):
        arango.get_company("ACME")
    assert len(transport.queries()) == 3


def test_the_generation_is_read_at_most_every_200_ms_by_a_process(arango, transport) -> None:
    transport.sent.clear()
    for _ in range(50):
        arango.generation()
    assert len(transport.queries()) == 1


def test_start_up_makes_what_is_missing_with_the_cluster_settings_of_the_url() -> None:
    def empty_server(sent: Sent):
        if sent.path == "_api/database/current":
            return server_error(404, 1228, "database not found")
        if sent.path == "_api/collection" and sent.method == "get":
            return 200, {"result": []}
        if sent.path.startswith("_api/gharial/") and sent.method == "get":
            return 404, {"error": True, "code": 404, "errorNum": 1924, "errorMessage": "graph not found"}
        return None

    transport = RecordingTransport(fail=empty_server)
    ArangoGraphStore(URL, transport=transport)
    made = {(sent.method, sent.path): sent.body for sent in transport.sent if sent.method == "post"}
    database = made[("post", "_api/database")]
    assert database["name"] == "company_graph"
    assert database["options"] == {"replicationFactor": 3, "writeConcern": 2, "sharding": "single"}
    collections = [s.body for s in transport.sent if s.path == "_api/collection" and s.method == "post"]
    assert {c["name"]: c.get("type") for c in collections} == {
        **dict.fromkeys(schema.DOCUMENTS, 2),
        "locate": 3,
        "industry": 3,
    }
    graph = made[("post", "_api/gharial")]
    assert {d["collection"] for d in graph["edgeDefinitions"]} == {"locate", "industry"}
    indexes = [s.body["fields"] for s in transport.sent if s.path == "_api/index"]
    assert indexes == [list(fields) for _, fields in schema.INDEXES]


def test_start_up_on_a_ready_database_creates_nothing_again(transport) -> None:
    ArangoGraphStore(URL, transport=transport)
    posts = {sent.path for sent in transport.sent if sent.method == "post"}
    # indexes are ensured (the server answers an existing index with it); nothing is made twice
    assert posts <= {"_api/index", "_api/document/meta"}


def test_a_user_who_may_not_list_databases_starts_on_the_database_it_owns() -> None:
    listing_refused = RecordingTransport(
        fail=lambda sent: server_error(403, 11, "forbidden") if "/_db/_system/" in sent.url else None
    )
    ArangoGraphStore(URL, transport=listing_refused)
    assert not [sent for sent in listing_refused.sent if "/_db/_system/" in sent.url]


def test_refused_credentials_are_a_setup_error_that_says_so() -> None:
    transport = RecordingTransport(
        fail=lambda sent: server_error(401, 11, "not authorized to execute this request")
    )
    with pytest.raises(WrongSetup, match="credentials"):
        ArangoGraphStore(URL, transport=transport)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("arangodb://db1/company_graph", "host as name:port"),
        ("arangodb://db1:8529", "name the database"),
        ("arangodb://db1:8529/graph?shards=3", "unknown options"),
        ("arangodb://db1:8529/graph?timeout=soon", "timeout must be a number"),
        ("arangodb://db1:8529/graph?pool=0", "pool must be above 0"),
    ],
)
def test_a_wrong_graph_url_is_a_clear_configuration_error(settings, url: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        build_store(replace(settings, graph_url=url))


def test_no_query_text_is_built_from_values() -> None:
    """Every query the adapter runs is a module constant written as one literal, and no
    f-string of the adapter holds AQL: values reach the server as bind variables only."""
    runners = {"execute", "run", "_read", "_write"}
    for module in sorted(ADAPTER.glob("*.py")):
        tree = ast.parse(module.read_text())
        literals = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
                assert not any(word in text for word in ("FOR ", "RETURN ", "FILTER ")), (
                    f"{module.name}:{node.lineno}: an f-string building AQL"
                )
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in runners:
                query = node.args[0]
                assert isinstance(query, ast.Name) and (
                    query.id in literals or query.id in {"query", "statement"}
                ), f"{module.name}:{node.lineno}: a query that is not a literal constant"


def _modifies(query: str) -> bool:
    return any(word in query for word in ("INSERT", "UPDATE", "REMOVE", "UPSERT", "REPLACE"))


def test_a_list_read_sends_its_position_as_an_index_range_and_its_page_as_a_limit(arango, transport) -> None:
    transport.sent.clear()
    arango.linked("City/DE-berlin", ("Acme Ltd", "Company/ACME"), 20, 40)
    arango.paired("Country/DE", "Industry/ai", None, 10, 0)
    arango.places_by_size("City", (120, "City/DE-berlin"), 5, 0)
    linked, paired, places = (sent.body for sent in transport.queries())
    assert linked["query"] == reads.LINKED
    assert linked["bindVars"] == {
        "@edges": "locate",
        "target": "City/DE-berlin",
        "sort": b"acme ltd".hex(),
        "order": b"Company/ACME".hex(),
        "skip": 40,
        "size": 20,
    }
    assert paired["bindVars"]["sort"] == "" and paired["bindVars"]["size"] == 10
    assert places["bindVars"] == {
        "@nodes": "City",
        "companies": 120,
        "order": b"City/DE-berlin".hex(),
        "skip": 0,
        "size": 5,
    }


def test_a_word_search_walks_the_rarest_term_and_checks_the_others(transport) -> None:
    """Term counts answered by the transport only so the adapter goes on: the test checks which
    term it then walks and which it checks, with bind variables."""
    counts = {documents.prefix_term("acme"): 40, documents.target_term(["Country/DE"]): 900}

    def counted(sent: Sent):
        if sent.body and sent.body.get("query") == reads.TERM_COUNTS:
            return 201, {"result": [[term, count] for term, count in counts.items()], "hasMore": False}
        return None

    transport.fail = counted
    arango = ArangoGraphStore(URL, transport=transport)
    transport.sent.clear()
    arango.matching(["acme"], ["Country/DE"], (17,), 20, 0)
    walked = transport.queries()[-1].body
    assert walked["query"] == reads.MATCHING
    assert walked["bindVars"] == {
        "driver": documents.prefix_term("acme"),
        "others": [[documents.target_term(["Country/DE"])]],
        "after": 17,
        "skip": 0,
        "size": 20,
    }


def test_a_term_no_company_holds_ends_a_word_search_before_any_walk(arango, transport) -> None:
    transport.sent.clear()
    assert arango.matching(["zzz"], [], None, 20, 0) == []
    assert [sent.body["query"] for sent in transport.queries()] == [reads.TERM_COUNTS]
