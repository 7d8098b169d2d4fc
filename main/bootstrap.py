"""The composition root: the one place that knows which adapter serves each port.

Every collaborator can be passed in (tests pass their own); otherwise it is built
from the settings. Call it after fork: each uWSGI worker builds its own clients.
"""

from __future__ import annotations

from dataclasses import dataclass

from jwt.exceptions import PyJWKClientError

from main.controller.messaging.dispatcher import Dispatcher
from main.controller.messaging.processors import PROCESSOR_CLASSES
from main.resources.arango.address import SCHEMES as ARANGO_SCHEMES
from main.resources.arango.client import WrongSetup
from main.resources.arango.store import ArangoGraphStore
from main.resources.geo.gazetteer import shared_gazetteer
from main.resources.geo.locationiq import LocationIQGeocoder
from main.resources.geo.offline_geocoder import OfflineGeocoder
from main.resources.jwt_verifier import JwtVerifier
from main.resources.memcached_cache import MemcachedCache
from main.resources.memory.bus import MemoryBus
from main.resources.memory.store import MemoryGraphStore
from main.resources.rabbit.bulk_publisher import BulkPublisher
from main.resources.rabbit.consumer import RabbitConsumer
from main.resources.rabbit.dead_letters import RabbitDeadLetters
from main.resources.rabbit.publisher import RabbitPublisher
from main.resources.rabbit.queue_metrics import QueueMetrics
from main.resources.rabbit.topology import DEAD_QUEUE, Binding
from main.resources.sqlite.store import SqliteGraphStore
from main.service.cache import LocalCache
from main.service.clock_skew import SkewBound
from main.service.company_json import encode_company
from main.service.errors import Unavailable
from main.service.lookup import CompanyLookup
from main.service.places import PlaceResolver
from main.service.ports import EventBus, Geocoder, GraphStore, SharedCache, TokenVerifier
from main.service.sync import SyncService
from main.util import metrics
from main.util.config import ConfigError, Settings
from main.util.rate_limit import RateLimiter
from main.util.threads import background_thread

PLACE_CACHE_SIZE = 50_000
PLACE_CACHE_TTL = 24 * 3600.0


@dataclass
class Container:
    settings: Settings
    store: GraphStore
    geocoder: Geocoder
    bus: EventBus
    lookup: CompanyLookup
    sync: SyncService
    dispatcher: Dispatcher
    skew: SkewBound
    tokens: TokenVerifier | None = None

    def broker(self) -> tuple[BulkPublisher, RabbitDeadLetters]:
        """The bulk publisher and the dead-letter queue: RabbitMQ only."""
        if not self.settings.amqp_url.startswith(("amqp:", "amqps:")):
            raise ConfigError("this command talks to RabbitMQ: set AMQP_URL=amqp://...")
        return BulkPublisher(self.settings.amqp_url, bindings()), RabbitDeadLetters(
            self.settings.amqp_url, bindings()
        )

    def readiness(self) -> dict[str, str]:
        """Each dependency this process uses and whether it answers now: "ok" or why not.

        The graph always; the broker and memcached where configured (the in-process bus and
        caches need nothing). Each check is bounded by its client's own short timeouts, and
        its answer kept as `dependency_up` for alerting.
        """
        checks = {"graph": self.store.ping}
        if self.settings.amqp_url.startswith(("amqp:", "amqps:")):
            checks["broker"] = self.bus.ping
        if self.lookup.shared is not None:
            checks["memcached"] = self.lookup.shared.ping
        found = {}
        for name, ping in checks.items():
            try:
                ping()
                found[name] = "ok"
            except Unavailable as exc:
                found[name] = str(exc)
            metrics.dependency_up.labels(name).set(found[name] == "ok")
        return found

    def close(self) -> None:
        """Drain the bus first, so accepted events reach the store before it closes."""
        self.bus.close()
        self.store.close()
        if self.lookup.shared is not None:
            self.lookup.shared.close()

    def counters(self) -> dict[str, dict[str, float]]:
        """Hits, misses and errors of each cache tier, and the upstream geocoder's calls."""
        places, lookup = self.sync.places, self.lookup
        found = {
            "company_cache": {"hits": lookup.companies.hits, "misses": lookup.companies.misses},
            "place_cache": {"hits": places.cache.hits, "misses": places.cache.misses},
            "geocoder": {"failures": places.failures, **getattr(self.geocoder, "stats", {})},
        }
        if lookup.shared is not None:
            found["memcached"] = dict(getattr(lookup.shared, "stats", {}))
        return found


def build_token_verifier(settings: Settings) -> TokenVerifier | None:
    """Bearer tokens are accepted only where an issuer's key (or JWKS) is configured."""
    if not settings.accepts_tokens:
        return None
    try:
        return JwtVerifier(
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            algorithms=settings.jwt_algorithms,
            public_key=settings.jwt_public_key or None,
            jwks_url=settings.jwt_jwks_url or None,
        )
    except (ValueError, PyJWKClientError) as exc:
        raise ConfigError(f"bearer tokens: {exc}") from exc


def build_store(settings: Settings) -> GraphStore:
    if settings.graph_url == "memory://":
        return MemoryGraphStore()
    try:
        if settings.graph_url.startswith("sqlite:"):
            return SqliteGraphStore(settings.graph_url)
        if settings.graph_url.startswith(tuple(f"{scheme}:" for scheme in ARANGO_SCHEMES)):
            return ArangoGraphStore(settings.graph_url)
    except (ValueError, WrongSetup) as exc:
        raise ConfigError(str(exc)) from exc
    raise ConfigError(
        f"GRAPH_URL {settings.graph_url!r}: this build serves sqlite:///<path>, memory:// and"
        " arangodb://[user:password@]host:port[,host:port...]/database URLs"
    )


def build_geocoder(settings: Settings) -> Geocoder:
    if settings.geocoder == "locationiq":
        limits = {1.0: settings.locationiq_per_second, 60.0: settings.locationiq_per_minute}
        return LocationIQGeocoder(
            settings.locationiq_key,
            settings.locationiq_url,
            RateLimiter(limits),
            concurrency=settings.geocoder_workers,
        )
    return OfflineGeocoder(shared_gazetteer(settings.gazetteer_dir))


def bindings() -> list[Binding]:
    """What each processor consumes, as the broker topology must bind it."""
    return [Binding(p.queue_name, p.exchange_name, p.routing_key) for p in PROCESSOR_CLASSES]


def build_bus(settings: Settings) -> EventBus:
    if settings.amqp_url.startswith("memory:"):
        return MemoryBus(retry_budget_seconds=settings.retry_budget_seconds)
    if settings.amqp_url.startswith(("amqp:", "amqps:")):
        return RabbitPublisher(settings.amqp_url, bindings())
    raise ConfigError(f"AMQP_URL {settings.amqp_url!r}: expected memory:// or amqp(s)://")


def build_queue_metrics(settings: Settings) -> QueueMetrics:
    """Depth and consumers of every queue the worker reads, and of the dead letters."""
    return QueueMetrics(settings.amqp_url, [b.queue for b in bindings()] + [DEAD_QUEUE])


def build_consumer(container: Container) -> RabbitConsumer:
    """The sync worker's consumer: RabbitMQ only (with memory:// the API applies events itself)."""
    settings = container.settings
    if not settings.amqp_url.startswith(("amqp:", "amqps:")):
        raise ConfigError("the sync worker consumes from RabbitMQ: set AMQP_URL=amqp://...")
    return RabbitConsumer(
        settings.amqp_url,
        bindings(),
        container.dispatcher.handle_batch,
        prefetch=settings.worker_prefetch,
        batch_size=settings.worker_batch,
        retry_budget_seconds=settings.retry_budget_seconds,
        heartbeat=settings.amqp_heartbeat,
    )


def bootstrap(
    settings: Settings | None = None,
    *,
    store: GraphStore | None = None,
    geocoder: Geocoder | None = None,
    bus: EventBus | None = None,
    shared: SharedCache | None = None,
    consume: bool = True,
) -> Container:
    settings = (settings or Settings.from_env()).with_api_keys()
    store = store or build_store(settings)
    geocoder = geocoder or build_geocoder(settings)
    bus = bus or build_bus(settings)
    if shared is None and settings.memcached_servers:
        shared = MemcachedCache(settings.memcached_servers)
    lookup = CompanyLookup(
        store,
        companies=LocalCache(settings.cache_size, settings.cache_ttl_seconds, tier="companies"),
        lists=LocalCache(settings.cache_size, settings.cache_ttl_seconds, tier="lists"),
        shared=shared,
        render=encode_company,
        rendered=LocalCache(settings.cache_size, settings.cache_ttl_seconds, tier="rendered"),
    )
    places = PlaceResolver(
        geocoder, LocalCache(PLACE_CACHE_SIZE, PLACE_CACHE_TTL, tier="places"), store, shared
    )
    sync = SyncService(store, places, on_change=lookup.invalidate)
    skew = SkewBound(settings.max_event_skew_seconds)
    dispatcher = Dispatcher([cls(skew) for cls in PROCESSOR_CLASSES], sync)
    if consume and isinstance(bus, MemoryBus):
        background_thread(geocoder.warm, "warm-geocoder")
        bus.consume(dispatcher)
    return Container(
        settings, store, geocoder, bus, lookup, sync, dispatcher, skew, build_token_verifier(settings)
    )
