"""`GEOCODER=locationiq`: LocationIQ (or any Nominatim-compatible server at LOCATIONIQ_URL).

Structured search when the event gives city/state/country, free text otherwise;
`addressdetails`, `normalizecity` and `statecode` fill the place. Its documented
answers map to: 200 with results -> a place; 200 with none, or 404 -> not found
(a negative result, cached like any other); 401/403 -> a configuration error,
logged loudly; 429 and 5xx -> retried with backoff, honouring Retry-After; a
timeout or a malformed body -> unavailable. One requests session per thread,
connect and read timeouts, and a rate limiter shared by all threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import pycountry
import requests
from requests.adapters import HTTPAdapter

from main.service.errors import GeocoderMisconfigured, Unavailable
from main.service.keys import city_key
from main.service.model import Place
from main.service.ports import Geocoder
from main.util import metrics, tracing
from main.util.backoff import Backoff
from main.util.rate_limit import RateLimiter

log = logging.getLogger(__name__)

RETRIED = {429, 500, 502, 503, 504}


class LocationIQGeocoder(Geocoder):
    def __init__(
        self,
        key: str,
        base_url: str,
        limiter: RateLimiter,
        timeout: tuple[float, float] = (3.05, 10.0),
        attempts: int = 4,
        backoff: Backoff | None = None,
        concurrency: int = 8,
    ) -> None:
        self.concurrency = concurrency
        self.key = key
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).hostname or ""
        self.limiter = limiter
        self.timeout = timeout
        self.attempts = attempts
        self.backoff_base = backoff.base if backoff else 0.5
        self.stats = {"calls": 0, "errors": 0, "seconds": 0.0}
        self.statuses: dict[int, int] = {}
        self._local = threading.local()
        self._stats_lock = threading.Lock()

    def resolve(self, location: str | Mapping[str, Any] | None) -> Place:
        params = _query(location)
        if params is None:
            return Place()
        backoff = Backoff(base=self.backoff_base, cap=30)
        for attempt in range(1, self.attempts + 1):
            response = self._get(params)
            if response is None or response.status_code in RETRIED:
                if attempt == self.attempts:
                    status = "timeout" if response is None else response.status_code
                    raise Unavailable(f"LocationIQ unavailable ({status}) after {attempt} attempts")
                time.sleep(_retry_after(response) or backoff.next_delay())
                continue
            return self._place(response, location)
        raise AssertionError("unreachable")  # pragma: no cover

    def _get(self, params: dict[str, str]) -> requests.Response | None:
        self.limiter.acquire()
        started = time.perf_counter()
        with tracing.span("GET locationiq /search", tracing.CLIENT, {"server.address": self.host}) as span:
            try:
                response = self._session().get(
                    f"{self.base_url}/search",
                    params={**params, "key": self.key, **FORMAT},
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                log.warning("LocationIQ call failed: %r", exc)
                response = None
            if span is not None:
                status = 0 if response is None else response.status_code
                span.set_attribute("http.response.status_code", status)
        self._count(response, time.perf_counter() - started)
        return response

    def _place(self, response: requests.Response, location: Any) -> Place:
        status = response.status_code
        if status in (401, 403):
            log.error("LocationIQ refused the key (%s): check LOCATIONIQ_KEY", status)
            raise GeocoderMisconfigured(
                f"LocationIQ answered {status}: the key is missing, wrong or not allowed"
            )
        if status == 404:
            return Place(raw=_text(location))
        if status != 200:
            raise Unavailable(f"LocationIQ answered {status}")
        try:
            results = response.json()
        except ValueError as exc:
            raise Unavailable(f"LocationIQ sent a body that is not JSON: {exc}") from exc
        if not results:
            return Place(raw=_text(location))
        try:
            return _to_place(results[0])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise Unavailable(f"LocationIQ sent an unexpected body: {exc!r}") from exc

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # requests reads the environment's proxy and CA bundle settings on every
            # call (~40% of its CPU per call here); read them once, by its own rules.
            settings = session.merge_environment_settings(self.base_url, {}, None, None, None)
            session.trust_env = False
            session.proxies, session.verify = settings["proxies"], settings["verify"]
            session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=2))
            session.mount("https://", HTTPAdapter(pool_connections=1, pool_maxsize=2))
            self._local.session = session
        return session

    def _count(self, response: requests.Response | None, seconds: float) -> None:
        metrics.geocoder_calls.labels("error" if response is None else str(response.status_code)).inc()
        metrics.geocoder_duration.observe(seconds)
        with self._stats_lock:
            self.stats["calls"] += 1
            self.stats["seconds"] += seconds
            if response is None:
                self.stats["errors"] += 1
            else:
                self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1


FORMAT = {"format": "json", "addressdetails": "1", "normalizecity": "1", "statecode": "1", "limit": "1"}


def _query(location: str | Mapping[str, Any] | None) -> dict[str, str] | None:
    if isinstance(location, Mapping):
        parts = {k: str(location[k]).strip() for k in ("city", "state", "country") if location.get(k)}
        return {k: v for k, v in parts.items() if v} or None
    text = (location or "").strip()
    return {"q": text} if text else None


def _text(location: Any) -> str | None:
    if isinstance(location, Mapping):
        return ", ".join(str(v) for v in location.values() if v) or None
    return location or None


def _retry_after(response: requests.Response | None) -> float | None:
    try:
        return float(response.headers["Retry-After"]) if response is not None else None
    except (KeyError, ValueError):
        return None


def _to_place(result: Mapping[str, Any]) -> Place:
    address = result["address"]
    country = address["country_code"].upper()
    state = None
    if address.get("state_code"):
        candidate = f"{country}-{address['state_code'].upper()}"
        state = candidate if pycountry.subdivisions.get(code=candidate) else None
    city = address.get("city")
    country_entry = pycountry.countries.get(alpha_2=country)
    return Place(
        country_code=country,
        country_name=getattr(country_entry, "common_name", None) or getattr(country_entry, "name", None),
        state_code=state,
        state_name=address.get("state") if state else None,
        city_key=city_key(country, state, city) if city else None,
        city_name=city,
        latitude=float(result["lat"]) if city else None,
        longitude=float(result["lon"]) if city else None,
    )
