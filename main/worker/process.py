"""`python -m main.worker`: the sync worker, consuming company events from RabbitMQ.

SIGTERM or SIGINT stops it taking messages; it settles what it holds and exits 0,
well within Kubernetes' 30-second grace period. Asked to stop while it still starts
(loading, building its clients, warming the gazetteer), it exits 0 at once: it holds
nothing yet.
"""

from __future__ import annotations

import logging
import signal
import sys

from main.bootstrap import Container, bootstrap, build_consumer, build_queue_metrics
from main.resources.rabbit.consumer import RabbitConsumer
from main.util import metrics, tracing
from main.util.config import ConfigError, Settings
from main.util.heap import freeze_startup_objects
from main.util.logging import configure_logging
from main.util.startup import stop_at_once_while

log = logging.getLogger("main.worker")


def ready_consumer(container: Container) -> RabbitConsumer:
    """The consumer, with everything built that the first message would otherwise wait for."""
    consumer = build_consumer(container)
    warm_up(container)
    return consumer


def warm_up(container: Container) -> None:
    """Find (or build) the gazetteer now, then keep the collector off everything start-up made."""
    container.geocoder.warm()
    frozen = freeze_startup_objects()
    log.debug("start-up done; %d long-lived objects moved out of the collector's way", frozen)


def serve_metrics(port: int, container: Container) -> None:
    """The worker's metrics port (none at 0 or METRICS_ENABLED=false), the broker's queues
    included. A port taken is logged, not fatal: events matter more than their counts."""
    if not port or not container.settings.metrics_enabled:
        return
    try:
        metrics.serve(port, collectors=[build_queue_metrics(container.settings)])
    except OSError as exc:
        log.error("metrics not served: port %d: %s", port, exc)


def main() -> int:
    try:
        with stop_at_once_while("starting the worker"):
            settings = Settings.from_env()
            configure_logging(settings.log_level, settings.log_format)
            tracing.start_from_env("company-graph-worker")
            container = bootstrap(settings, consume=False)
            consumer = ready_consumer(container)
            serve_metrics(settings.metrics_port, container)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2

    def stop(signum: int, _frame: object) -> None:
        log.info("signal %s: finishing the messages in hand, then stopping", signal.Signals(signum).name)
        consumer.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    consumer.run()
    container.close()
    tracing.shutdown()
    log.info("stopped")
    return 0
