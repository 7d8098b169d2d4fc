"""Typed settings read once from the environment (12-factor).

Defaults are the embedded ones so that a fresh checkout runs with no server;
production overrides them with the variables documented in the README.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

# How long an outage is waited out before its events are dead-lettered: long enough that a
# store restart or a failover dead-letters nothing, short enough that someone notices.
RETRY_BUDGET_SECONDS = 3600.0

EMBEDDED_GRAPH_URL = "sqlite:///var/graph.db"
API_KEY_FILE = "api-key"


class ConfigError(ValueError):
    """A setting is present but cannot be used; raised at start, never later."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = (env.get(name) or default).lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def gazetteer_folder(env: Mapping[str, str]) -> Path:
    """GAZETTEER_DIR, else the user's cache folder: the index is derived from installed
    packages, so every checkout and test run on a machine shares one build of it."""
    if env.get("GAZETTEER_DIR"):
        return Path(env["GAZETTEER_DIR"])
    home = env.get("HOME") or str(Path.home())
    return Path(env.get("XDG_CACHE_HOME") or Path(home) / ".cache") / "company-graph"


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _read_secret(env: Mapping[str, str], name: str) -> str:
    """A mounted secret's content (a Kubernetes Secret volume, a Docker secret)."""
    path = env.get(name)
    if not path:
        return ""
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read {path}: {exc.strerror}") from exc


def _url(env: Mapping[str, str], name: str) -> str:
    """A URL that may carry credentials: the variable, or the file `<name>_FILE` names (a
    mounted secret, kept out of the process's environment); not both."""
    given, path = (env.get(name) or "").strip(), f"{name}_FILE"
    if given and env.get(path):
        raise ConfigError(f"give {name} or {path}, not both")
    return given or _read_secret(env, path).strip()


def _lines_of(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """One value a line; blank lines and `#` comments left out."""
    lines = (line.strip() for line in _read_secret(env, name).splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def _token_settings(env: Mapping[str, str]) -> dict[str, object]:
    """Bearer tokens are on when a key or a JWKS URL is given; then audience and issuer must be
    too: a token checked against neither would be accepted from any tenant of the issuer."""
    public_key = _read_secret(env, "JWT_PUBLIC_KEY_FILE").strip()
    jwks_url = (env.get("JWT_JWKS_URL") or "").strip()
    found: dict[str, object] = {
        "jwt_public_key": public_key,
        "jwt_jwks_url": jwks_url,
        "jwt_audience": (env.get("JWT_AUDIENCE") or "").strip(),
        "jwt_issuer": (env.get("JWT_ISSUER") or "").strip(),
        "jwt_algorithms": _csv(env.get("JWT_ALGORITHMS")) or Settings.jwt_algorithms,
    }
    if public_key and jwks_url:
        raise ConfigError("give JWT_PUBLIC_KEY_FILE or JWT_JWKS_URL, not both")
    if (public_key or jwks_url) and not (found["jwt_audience"] and found["jwt_issuer"]):
        raise ConfigError("bearer tokens need JWT_AUDIENCE and JWT_ISSUER")
    return found


def _csv(raw: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (raw or "").split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    graph_url: str = EMBEDDED_GRAPH_URL
    amqp_url: str = "memory://"
    memcached_servers: tuple[str, ...] = ()
    geocoder: str = "offline"
    # secrets stay out of repr(): settings end up in log lines and tracebacks
    locationiq_key: str = field(default="", repr=False)
    locationiq_url: str = "https://us1.locationiq.com/v1"
    api_keys: tuple[str, ...] = field(default=(), repr=False)
    jwt_public_key: str = ""
    jwt_jwks_url: str = ""
    jwt_audience: str = ""
    jwt_issuer: str = ""
    jwt_algorithms: tuple[str, ...] = ("RS256", "ES256")
    reads_require_auth: bool = False
    port: int = 8080
    var_dir: Path = Path("var")
    gazetteer_dir: Path = field(default_factory=lambda: gazetteer_folder(os.environ))
    cache_ttl_seconds: float = 1.0
    cache_size: int = 10_000
    max_body_bytes: int = 1_048_576
    log_level: str = "INFO"
    log_format: str = "json"
    metrics_enabled: bool = True
    metrics_port: int = 9102
    worker_prefetch: int = 500
    worker_batch: int = 200
    retry_budget_seconds: float = RETRY_BUDGET_SECONDS
    amqp_heartbeat: int = 30
    locationiq_per_second: int = 2
    locationiq_per_minute: int = 60
    geocoder_workers: int = 8
    proxy_hops: int = 0
    max_event_skew_seconds: int = 300
    access_log: bool = False
    recycle_worker_mb: int = 256

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        geocoder = env.get("GEOCODER", "offline").strip().lower() or "offline"
        if geocoder not in {"offline", "locationiq"}:
            raise ConfigError(f"GEOCODER must be 'offline' or 'locationiq', got {geocoder!r}")
        if geocoder == "locationiq" and not env.get("LOCATIONIQ_KEY"):
            raise ConfigError("GEOCODER=locationiq needs LOCATIONIQ_KEY")
        return cls(
            graph_url=_url(env, "GRAPH_URL") or EMBEDDED_GRAPH_URL,
            amqp_url=_url(env, "AMQP_URL") or "memory://",
            memcached_servers=_csv(env.get("MEMCACHED_SERVERS")),
            geocoder=geocoder,
            locationiq_key=env.get("LOCATIONIQ_KEY", ""),
            locationiq_url=env.get("LOCATIONIQ_URL") or cls.locationiq_url,
            api_keys=_csv(env.get("API_KEYS")) + _lines_of(env, "API_KEYS_FILE"),
            **_token_settings(env),
            reads_require_auth=_bool(env, "READS_REQUIRE_AUTH", False),
            port=_int(env, "PORT", 8080, minimum=1),
            var_dir=Path(env.get("VAR_DIR") or "var"),
            gazetteer_dir=gazetteer_folder(env),
            cache_ttl_seconds=_float(env, "CACHE_TTL_SECONDS", 1.0),
            cache_size=_int(env, "CACHE_SIZE", 10_000, minimum=1),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", 1_048_576, minimum=1024),
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
            log_format=_choice(env, "LOG_FORMAT", ("json", "text"), "json"),
            metrics_enabled=_bool(env, "METRICS_ENABLED", True),
            metrics_port=_int(env, "METRICS_PORT", 9102),
            worker_prefetch=_int(env, "WORKER_PREFETCH", 500, minimum=1),
            worker_batch=_int(env, "WORKER_BATCH", 200, minimum=1),
            retry_budget_seconds=_float(env, "RETRY_BUDGET_SECONDS", RETRY_BUDGET_SECONDS),
            amqp_heartbeat=_int(env, "AMQP_HEARTBEAT", 30, minimum=0),
            locationiq_per_second=_int(env, "LOCATIONIQ_PER_SECOND", 2, minimum=0),
            locationiq_per_minute=_int(env, "LOCATIONIQ_PER_MINUTE", 60, minimum=0),
            geocoder_workers=_int(env, "GEOCODER_WORKERS", 8, minimum=1),
            proxy_hops=_int(env, "PROXY_HOPS", 0, minimum=0),
            max_event_skew_seconds=_int(env, "MAX_EVENT_SKEW_SECONDS", 300, minimum=0),
            access_log=_bool(env, "ACCESS_LOG", False),
            recycle_worker_mb=_int(env, "RECYCLE_WORKER_MB", 256, minimum=0),
        )

    @property
    def accepts_tokens(self) -> bool:
        return bool(self.jwt_public_key or self.jwt_jwks_url)

    def with_api_keys(self) -> Settings:
        """Return settings whose API keys are set, generating one under var/ if no credential
        at all was configured (neither keys nor tokens).

        The generated key survives restarts so that `make run` prints the same key
        every time and a client configured once keeps working.
        """
        if self.api_keys or self.accepts_tokens:
            return self
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key_file = self.var_dir / API_KEY_FILE
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(24) + "\n")
            key_file.chmod(0o600)
        return replace(self, api_keys=(key_file.read_text().strip(),))
