"""Where an ArangoDB graph lives, read from `GRAPH_URL`.

`arangodb://user:password@host1:8529,host2:8529/company_graph` (`arangodbs://` for
TLS): several hosts are a cluster's coordinators, which python-arango's host resolver
takes in turn. Cluster settings ride in the query, so one variable still says where the
graph is: `replication_factor`, `write_concern`, `one_shard` (default true), `timeout`
(seconds a request may take), `pool` (connections a host keeps: the threads of a process).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

SCHEMES = {"arangodb": "http", "arangodbs": "https"}
OPTIONS = ("replication_factor", "write_concern", "one_shard", "timeout", "pool")


@dataclass(frozen=True)
class ArangoAddress:
    hosts: tuple[str, ...]
    database: str
    username: str = "root"
    password: str = field(default="", repr=False)
    replication_factor: int = 1
    write_concern: int = 1
    one_shard: bool = True
    timeout: float = 10.0
    pool: int = 16


def parse_address(url: str) -> ArangoAddress:
    """A clear ValueError for every way the URL can be wrong, before any connection."""
    scheme, _, rest = url.partition("://")
    if scheme not in SCHEMES or not rest:
        raise ValueError(f"GRAPH_URL: an ArangoDB URL starts arangodb:// or arangodbs://, got {scheme!r}")
    parts = urlsplit(f"{scheme}://{rest}")
    credentials, _, hosts = parts.netloc.rpartition("@")
    username, _, password = credentials.partition(":")
    listed = [host.strip() for host in hosts.split(",")]
    if not hosts or not all(_host_and_port(host) for host in listed):
        raise ValueError(f"GRAPH_URL: give each host as name:port, comma-separated, got {hosts!r}")
    database = unquote(parts.path.strip("/"))
    if not database or "/" in database:
        raise ValueError(
            "GRAPH_URL: name the database after the hosts, as in arangodb://host:8529/company_graph"
        )
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - set(OPTIONS))
    if unknown:
        raise ValueError(f"GRAPH_URL: unknown options {unknown}; known: {list(OPTIONS)}")
    options = {name: values[-1] for name, values in query.items()}
    return ArangoAddress(
        hosts=tuple(f"{SCHEMES[scheme]}://{host}" for host in listed),
        database=database,
        username=unquote(username) or "root",
        password=unquote(password),
        replication_factor=_number(options, "replication_factor", 1, int),
        write_concern=_number(options, "write_concern", 1, int),
        one_shard=options.get("one_shard", "true").lower() not in {"false", "0", "no"},
        timeout=_number(options, "timeout", 10.0, float),
        pool=_number(options, "pool", 16, int),
    )


def _host_and_port(host: str) -> bool:
    name, _, port = host.rpartition(":")
    return bool(name) and port.isdigit()


def _number(options: dict[str, str], name: str, default, kind):
    if name not in options:
        return default
    try:
        value = kind(options[name])
    except ValueError:
        raise ValueError(f"GRAPH_URL: {name} must be a number, got {options[name]!r}") from None
    if value <= 0:
        raise ValueError(f"GRAPH_URL: {name} must be above 0, got {value}")
    return value
